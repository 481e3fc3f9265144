"""The partner API: what the counter does, for a store's till, through the same services.

Every view acts as the key's store and staff member, audits the action with the key named,
answers JSON and refuses with RFC 9457 problem documents (``api.problems``)."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.ratelimit import Limit
from api import serializers as s
from api.idempotency import idempotent
from api.problems import Refused
from claims import selectors as claims_selectors
from claims import services as counter
from devices import codes
from devices.models import AuditEvent, Unit
from devices.services import NOT_IN_CATALOGUE, record_event
from portal.client_address import client_address

PROBLEMS = {
    400: OpenApiResponse(s.Problem, description="The request is not valid"),
    401: OpenApiResponse(s.Problem, description="No active API key"),
    422: OpenApiResponse(s.Problem, description="A rule of the registry refused it"),
    429: OpenApiResponse(s.Problem, description="Too many requests"),
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry safely: the same key and body get the first answer, never a second act.",
)


def unit_answer(unit):
    return {
        "production_code": unit.production_code,
        "kind": unit.kind,
        "product_model": str(unit.product_model),
        "warranty_until": unit.warranty_until,
    }


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
@extend_schema(exclude=True)
def not_found(request):
    raise Refused(
        "not_found",
        _("There is no such address in the API (addresses end with a slash: /api/v1/sales/)."),
        status_code=404,
    )


class StoreApiView(APIView):
    @property
    def store(self):
        return self.request.auth.membership.store

    @property
    def staff(self):
        return self.request.auth.membership.user

    def audit(self, note, unit=None, account=None):
        record_event(
            action=AuditEvent.Action.API_ACTION,
            actor=self.staff,
            unit=unit,
            to_account=account,
            note=f"{self.key_note}, store {self.store.pk}: {note}",
            client_address=client_address(self.request),
        )

    @property
    def key_note(self):
        key = self.request.auth
        return f"key {key.prefix} ({key.name})"

    def count_invitation(self, customer):
        """A daily cap on customers a store's till invites (a compromised key must not be able
        to mail thousands of strangers); called inside the action's transaction, which a
        refusal rolls back."""
        if customer.has_verified_email:
            return
        cap = Limit(
            "api-invitations-store",
            settings.API_INVITATIONS_PER_STORE_PER_DAY,
            datetime.timedelta(days=1),
        )
        if cap.hit(str(self.store.pk)) > cap.limit:
            raise Refused(
                "invitation_cap",
                _("This store has invited many new customers today. Try again tomorrow."),
                status_code=429,
            )


def _customer_answer(customer):
    """Invited: an account still to be taken up from the invitation e-mailed to the address."""
    return {
        "email": customer.email,
        "account": "existing" if customer.has_verified_email else "invited",
    }


class SaleView(StoreApiView):
    @extend_schema(
        summary="Register a sale",
        request=s.SaleRequest,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.SaleAnswer, **PROBLEMS},
    )
    @idempotent
    def post(self, request):
        data = s.SaleRequest(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            customer, outcomes = counter.register_sale(
                store=self.store,
                staff=self.staff,
                email=data.validated_data["customer_email"],
                full_name=data.validated_data.get("customer_name", ""),
                box_code=data.validated_data.get("box_code") or None,
                unit_codes=data.validated_data.get("unit_codes", []),
                client_address=client_address(request),
                note=self.key_note,  # on each registration's audit event
            )
            registered = [o.unit for o in outcomes if o.ok]
            if registered:
                self.count_invitation(customer)  # over the cap: the sale is rolled back
        answers = [
            {"code": o.code, "kind": o.kind, "result": o.result, "message": str(o.message)}
            for o in outcomes
        ]
        if not registered:  # (the ownership checks the sale counted are kept)
            raise Refused("nothing_registered", _("Nothing could be registered."), codes=answers)
        return Response(
            {
                "customer": _customer_answer(customer),
                "codes": answers,
                "units": [unit_answer(unit) for unit in registered],
            },
            status=status.HTTP_201_CREATED,
        )


def _unit_or_refuse(code):
    unit = Unit.objects.select_related("product_model").filter(production_code=code).first()
    if unit is None:
        raise Refused("not_in_catalogue", NOT_IN_CATALOGUE)
    return unit


class SwapView(StoreApiView):
    @extend_schema(
        summary="Swap a faulty unit",
        request=s.SwapRequest,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.SwapAnswer, **PROBLEMS},
    )
    @idempotent
    def post(self, request):
        data = s.SwapRequest(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        faulty = _unit_or_refuse(given["faulty_code"])
        replacement = _unit_or_refuse(given["replacement_code"])
        counter.check_owners_asked(
            store=self.store,
            staff=self.staff,
            units=Unit.objects.filter(pk=faulty.pk),
            email=given["customer_email"],
            client_address=client_address(request),
        )
        with transaction.atomic():
            claim = counter.replace_unit(
                store=self.store,
                staff=self.staff,
                faulty_unit=faulty,
                replacement_unit=replacement,
                customer_email=given["customer_email"],
                reason=given["reason"],
                note=given["note"],
                accept_out_of_warranty=given["accept_out_of_warranty"],
                client_address=client_address(request),
            )
            self.count_invitation(claim.customer)  # over the cap: the swap is rolled back
            self.audit(
                f"swap {claim.faulty_unit.production_code} → "
                f"{claim.replacement_unit.production_code}",
                unit=claim.replacement_unit,
                account=claim.customer,
            )
        return Response(
            {
                "claim": claim.pk,
                "customer": _customer_answer(claim.customer),
                "faulty": unit_answer(claim.faulty_unit),
                "replacement": unit_answer(claim.replacement_unit),
                "reason": claim.reason,
                "created_at": claim.created_at,
            },
            status=status.HTTP_201_CREATED,
        )


class UnitView(StoreApiView):
    @extend_schema(
        summary="Look up a unit as this store may see it",
        parameters=[
            OpenApiParameter("customer_email", str, required=False, description="whose it is?")
        ],
        responses={200: s.LookupAnswer, **PROBLEMS},
    )
    def get(self, request, code):
        try:
            code = codes.parse_unit_code(code)
        except codes.CodeError as error:
            raise Refused(error.reason, error.message, status_code=400) from None
        query = s.UnitQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit = Unit.objects.select_related("product_model").filter(production_code=code).first()
        if unit is None:
            return Response(
                {
                    "production_code": code,
                    "kind": codes.kind_of(code),
                    "product_model": None,
                    "in_catalogue": False,
                    "state": "not_in_catalogue",
                }
            )
        registration = unit.registrations.filter(ended_at__isnull=True).first()
        if unit.lost_or_stolen:
            state = "flagged"
        elif unit.status != Unit.Status.IN_SERVICE:
            state = "not_in_service"
        elif registration is None:
            state = "free"
        else:
            state = "registered"
            email = query.validated_data.get("customer_email")
            if email:
                # "Does this e-mail own this unit?": limited and audited, as at the counter.
                counter.record_ownership_check(
                    store=self.store,
                    staff=self.staff,
                    unit=unit,
                    email=email,
                    client_address=client_address(request),
                )
                if registration.account.email.lower() == email.lower():
                    state = "registered_to_this_customer"
        return Response(
            {
                "production_code": unit.production_code,
                "kind": unit.kind,
                "product_model": str(unit.product_model),
                "in_catalogue": True,
                "state": state,
            }
        )


HISTORY_PAGE_SIZE = 50


class HistoryView(StoreApiView):
    @extend_schema(
        summary="The store's sales and swaps of a day",
        parameters=[
            OpenApiParameter("date", datetime.date, required=False, description="default: today"),
            OpenApiParameter("page", int, required=False),
        ],
        responses={200: s.HistoryAnswer, **PROBLEMS},
    )
    def get(self, request):
        query = s.HistoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        page = query.validated_data["page"]
        sales, claims = claims_selectors.store_history(self.store, day)
        entries = [
            {
                "type": "sale",
                "time": sale.started_at,
                "customer_email": sale.customer.email,
                "staff_email": sale.staff.email if sale.staff else "",
                "units": [unit.production_code for unit in sale.units],
            }
            for sale in claims_selectors.sales_of(sales)
        ] + [
            {
                "type": "swap",
                "time": claim.created_at,
                "customer_email": claim.customer.email,
                "staff_email": claim.staff.email,
                "units": [
                    claim.faulty_unit.production_code,
                    claim.replacement_unit.production_code,
                ],
            }
            for claim in claims
        ]
        entries.sort(key=lambda entry: entry["time"])
        start = (page - 1) * HISTORY_PAGE_SIZE
        shown = entries[start : start + HISTORY_PAGE_SIZE]
        more = len(entries) > start + HISTORY_PAGE_SIZE
        return Response(
            {"date": day, "page": page, "next_page": page + 1 if more else None, "entries": shown}
        )

"""The support centre for the registry: find anything by code or e-mail, see the whole
history, and act through ``devices.services`` (never by editing rows).

Nothing in the registry can be deleted here, by anyone; audit events are read-only even for
superusers (and the database refuses UPDATE/DELETE on them anyway).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from claims.models import Claim
from devices import codes
from devices import services as registry
from devices.models import (
    AuditEvent,
    Case,
    HandoverCode,
    Kit,
    OwnershipChange,
    ProductModel,
    Registration,
    TransferRequest,
    Unit,
)
from devices.services import RegistryError
from portal.client_address import client_address
from support import forms
from support.admin.base import (
    PendingRequestAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    RegistryAdmin,
    change_actions,
    form_page,
    search_by_code,
    typed_address,
)
from support.services import cases, ownership


@admin.register(ProductModel)
class ProductModelAdmin(RegistryAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class KitUnitInline(ReadOnlyInline):
    model = Unit
    fk_name = "kit"
    fields = [
        "kind",
        "production_code",
        "product_model",
        "status",
        "lost_or_stolen",
        "warranty_start",
    ]
    readonly_fields = fields


@admin.register(Kit)
class KitAdmin(ReadOnlyAdmin):
    list_display = ["code", "imported_at"]
    search_fields = ["box_code"]
    search_help_text = _("A box code, typed in any form (spaces, dashes).")
    inlines = [KitUnitInline]

    @admin.display(description=_("box code"), ordering="box_code")
    def code(self, kit):
        return kit.formatted_code

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(queryset, search_term, codes.parse_box_code, "box_code")
        return (found, False) if found is not None else (queryset.none(), False)


class UnitRegistrationInline(ReadOnlyInline):
    model = Registration
    fk_name = "unit"
    fields = ["account", "source", "store", "registered_by", "started_at", "ended_at", "end_reason"]
    readonly_fields = fields
    ordering = ["-started_at"]
    verbose_name_plural = _("registration history")


class UnitAuditInline(ReadOnlyInline):
    model = AuditEvent
    fields = [
        "created_at",
        "action",
        "actor",
        "from_account",
        "to_account",
        "verification_method",
        "note",
        "client_address",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    show_change_link = False


class UnitTransferRequestInline(ReadOnlyInline):
    model = TransferRequest
    fields = ["requester", "owner", "status", "created_at", "decided_at"]
    readonly_fields = fields


class UnitOwnershipChangeInline(ReadOnlyInline):
    model = OwnershipChange
    fields = [
        "kind",
        "status",
        "from_account",
        "to_account",
        "verification_method",
        "requested_by",
        "effective_at",
        "note",
    ]
    readonly_fields = fields


class FaultyClaimInline(ReadOnlyInline):
    model = Claim
    fk_name = "faulty_unit"
    fields = ["created_at", "store", "customer", "replacement_unit", "reason", "note"]
    readonly_fields = fields
    verbose_name_plural = _("claims: swapped out")


class ReplacementClaimInline(FaultyClaimInline):
    fk_name = "replacement_unit"
    fields = ["created_at", "store", "customer", "faulty_unit", "reason", "note"]
    readonly_fields = fields
    verbose_name_plural = _("claims: swapped in")


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "kind",
        "product_model",
        "kit",
        "status",
        "lost_or_stolen",
        "warranty_start",
    ]
    list_filter = ["kind", "status", "lost_or_stolen"]
    list_select_related = ["product_model", "kit"]
    search_fields = ["production_code"]
    search_help_text = _("A production code, typed in any form (spaces, dashes, lower case).")
    fields = [
        "kind",
        "production_code",
        "kit_link",
        "other_unit",
        "product_model",
        "status",
        "lost_or_stolen",
        "warranty_start",
        "warranty_until",
        "current_owner",
    ]
    readonly_fields = fields
    inlines = [
        UnitRegistrationInline,
        UnitOwnershipChangeInline,
        UnitTransferRequestInline,
        FaultyClaimInline,
        ReplacementClaimInline,
        UnitAuditInline,
    ]
    change_form_template = "admin/devices/unit/change_form.html"

    @admin.display(description=_("production code"), ordering="production_code")
    def code(self, unit):
        return unit.formatted_code

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(queryset, search_term, codes.parse_unit_code, "production_code")
        return (found, False) if found is not None else (queryset.none(), False)

    @admin.display(description=_("kit"))
    def kit_link(self, unit):
        if unit.kit_id is None:
            return _("none (loose replacement stock)")
        url = reverse("admin:devices_kit_change", args=[unit.kit_id])
        return format_html('<a href="{}">{}</a>', url, unit.kit.formatted_code)

    @admin.display(description=_("other unit of the kit"))
    def other_unit(self, unit):
        other = unit.kit.units.exclude(pk=unit.pk).first() if unit.kit_id else None
        if other is None:
            return "—"
        url = reverse("admin:devices_unit_change", args=[other.pk])
        return format_html('<a href="{}">{}</a>', url, other.formatted_code)

    @admin.display(description=_("current owner"))
    def current_owner(self, unit):
        registration = registry.open_registration(unit)
        if registration is None:
            return _("nobody (free)")
        url = reverse("admin:accounts_user_change", args=[registration.account_id])
        return format_html('<a href="{}">{}</a>', url, registration.account.email)

    @admin.display(description=_("under warranty until"))
    def warranty_until(self, unit):
        return unit.warranty_until or "—"

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["owned"] = registry.open_registration(obj) is not None
            pending = ownership.pending_ownership_change(obj)
            context["pending_change"] = pending
            user = request.user
            if pending is not None:
                context.update(change_actions(user, pending))
            context["can_release"] = user.has_perm("devices.release_unit")
            context["can_reassign"] = user.has_perm("devices.reassign_unit")
            context["can_flag"] = user.has_perm("devices.flag_unit")
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/release/", view(self.release_view), name="devices_unit_release"),
            path("<int:pk>/reassign/", view(self.reassign_view), name="devices_unit_reassign"),
            path("<int:pk>/assign/", view(self.assign_view), name="devices_unit_assign"),
            path("<int:pk>/lost/", view(self.flag_view), name="devices_unit_flag"),
            *super().get_urls(),
        ]

    def _support_form(self, request, pk, *, permission, form_class, title, perform):
        """GET: the form (a confirmation step); POST: call the service, log, back to the unit."""
        if not request.user.has_perm(permission):
            raise PermissionDenied
        unit = get_object_or_404(Unit.objects.select_related("product_model", "kit"), pk=pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                message = perform(unit, form.cleaned_data)
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, unit, str(message))
                messages.success(request, message)
                return redirect("admin:devices_unit_change", unit.pk)
        return form_page(
            request,
            self,
            unit=unit,
            form=form,
            title=title,
            owner=registry.open_registration(unit),
        )

    def _ownership_change_view(self, request, pk, *, kind, permission, form_class, title):
        """Release or reassign: both wait out the owner's objection window."""

        def perform(unit, data):
            change = ownership.request_ownership_change(
                unit=unit,
                agent=request.user,
                kind=kind,
                to_account=data.get("to_account"),
                verification_method=data["verification_method"],
                note=data["note"],
                client_address=client_address(request),
            )
            return _(
                "%(change)s requested; it takes effect on %(when)s unless the owner objects."
            ) % {
                "change": change.get_kind_display().capitalize(),
                "when": date_format(timezone.localtime(change.effective_at), "DATETIME_FORMAT"),
            }

        return self._support_form(
            request, pk, permission=permission, form_class=form_class, title=title, perform=perform
        )

    def release_view(self, request, pk):
        return self._ownership_change_view(
            request,
            pk,
            kind=OwnershipChange.Kind.RELEASE,
            permission="devices.release_unit",
            form_class=forms.ReleaseForm,
            title=_("Release from owner"),
        )

    def reassign_view(self, request, pk):
        return self._ownership_change_view(
            request,
            pk,
            kind=OwnershipChange.Kind.REASSIGN,
            permission="devices.reassign_unit",
            form_class=forms.ReassignForm,
            title=_("Reassign to another account"),
        )

    def assign_view(self, request, pk):
        def perform(unit, data):
            ownership.assign_free_unit(
                unit=unit,
                agent=request.user,
                to_account=data["to_account"],
                verification_method=data["verification_method"],
                note=data["note"],
                client_address=client_address(request),
            )
            return _("Assigned to %(email)s.") % {"email": data["to_account"].email}

        return self._support_form(
            request,
            pk,
            permission="devices.reassign_unit",
            form_class=forms.AssignForm,
            title=_("Assign a free unit"),
            perform=perform,
        )

    def flag_view(self, request, pk):
        def perform(unit, data):
            flagged = not unit.lost_or_stolen
            registry.set_lost_or_stolen(
                unit=unit,
                actor=request.user,
                flagged=flagged,
                note=data["note"],
                client_address=client_address(request),
            )
            return _("Marked lost or stolen.") if flagged else _("Lost/stolen mark cleared.")

        return self._support_form(
            request,
            pk,
            permission="devices.flag_unit",
            form_class=forms.FlagForm,
            title=_("Lost or stolen"),
            perform=perform,
        )


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["unit", "account", "source", "store", "started_at", "ended_at", "end_reason"]
    list_filter = ["source", "end_reason"]
    list_select_related = ["unit", "account", "store"]
    search_fields = ["account__email"]
    search_help_text = _("A production code or an account's exact e-mail address.")

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(
            queryset, search_term, codes.parse_unit_code, "unit__production_code"
        )
        if found is None:
            found = queryset.filter(account__email__iexact=typed_address(search_term))
        return found, False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "action",
        "actor",
        "unit",
        "from_account",
        "to_account",
        "verification_method",
        "client_address",
    ]
    list_filter = ["action"]
    list_select_related = ["actor", "unit", "from_account", "to_account"]
    search_fields = ["note"]
    search_help_text = _("A production code, or the exact e-mail of an account or an actor.")

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(
            queryset, search_term, codes.parse_unit_code, "unit__production_code"
        )
        if found is None:
            email = typed_address(search_term)
            found = queryset.filter(
                Q(actor__email__iexact=email)
                | Q(from_account__email__iexact=email)
                | Q(to_account__email__iexact=email)
            )
        return found, False


@admin.register(TransferRequest)
class TransferRequestAdmin(ReadOnlyAdmin):
    list_display = ["unit", "requester", "owner", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["unit", "requester", "owner"]
    search_fields = ["unit__production_code"]

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(
            queryset, search_term, codes.parse_unit_code, "unit__production_code"
        )
        return (found, False) if found is not None else (queryset.none(), False)


@admin.register(HandoverCode)
class HandoverCodeAdmin(ReadOnlyAdmin):
    list_display = ["owner", "created_at", "expires_at", "used_at", "used_by", "cancelled_at"]
    list_select_related = ["owner", "used_by"]
    exclude = ["code"]  # the secret stays with the owner and the buyer


@admin.register(OwnershipChange)
class OwnershipChangeAdmin(PendingRequestAdmin):
    list_display = [
        "unit",
        "kind",
        "status",
        "from_account",
        "to_account",
        "requested_by",
        "effective_at",
    ]
    list_filter = ["status", "kind", "verification_method"]
    list_select_related = ["unit", "from_account", "to_account", "requested_by"]
    apply_permission = "devices.apply_ownership_change"
    apply_service = ownership.apply_ownership_change
    cancel_service = ownership.cancel_ownership_change
    related = ("unit", "to_account")

    def page_context(self, change):
        return {"unit": change.unit, "change": change}

    def after_decision(self, change):
        return reverse("admin:devices_unit_change", args=[change.unit_id])


@admin.register(Case)
class CaseAdmin(RegistryAdmin):
    """The support queue: oldest first, with who handles each case."""

    list_display = ["opened_at", "kind", "unit", "account", "status", "handled_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["unit", "account", "handled_by"]
    ordering = ["opened_at"]
    fields = [
        "kind",
        "unit",
        "account",
        "transfer_request",
        "status",
        "opened_at",
        "handled_by",
        "decided_at",
        "outcome",
    ]
    readonly_fields = [
        "kind",
        "unit",
        "account",
        "transfer_request",
        "status",
        "opened_at",
        "decided_at",
        "outcome",
    ]
    raw_id_fields = ["handled_by"]
    change_form_template = "admin/devices/case/change_form.html"

    def has_add_permission(self, request):
        return False

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and obj.status == Case.Status.OPEN:
            try:
                cases.check_may_decide(obj, request.user)
            except RegistryError:
                context["can_decide"] = False
            else:
                context["can_decide"] = True
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="devices_case_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        case = get_object_or_404(
            Case.objects.select_related("unit", "account", "ownership_change", "email_change"),
            pk=pk,
        )
        needed = (
            "devices.decide_objection"
            if case.kind in cases.OBJECTION_KINDS
            else "devices.decide_case"
        )
        if not request.user.has_perm(needed):
            raise PermissionDenied
        form = forms.DecideCaseForm(request.POST or None, decisions=cases.CASE_DECISIONS[case.kind])
        if request.method == "POST" and form.is_valid():
            try:
                cases.decide_case(
                    case=case,
                    agent=request.user,
                    client_address=client_address(request),
                    **form.cleaned_data,
                )
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, case, f"decided: {form.cleaned_data['decision']}")
                messages.success(request, _("Case decided; the people involved are e-mailed."))
                return redirect("admin:devices_case_changelist")
        return form_page(
            request,
            self,
            unit=case.unit,
            case=case,
            form=form,
            title=_("Decide the case"),
        )

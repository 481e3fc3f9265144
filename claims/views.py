"""The counter: pages for the staff of a store (shop, partner, pop-up stand).

Only active staff of an active store get in; everyone else gets 404 (a store's pages do not
reveal that the store exists). Store staff are not Django staff and never reach the admin.
Every page works with a barcode scanner: the code field has focus and Enter submits.
"""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims import forms, selectors, services
from claims.models import Claim, Invitation
from devices.services import RegistryError
from portal.batches import in_batches
from portal.client_address import client_address
from portal.csv_export import streamed_csv
from portal.replica import current_read_alias, replica_reads

# What each code answer means at the counter (the customer-facing texts say "you").
SALE_ANSWERS = {
    "registered": gettext_lazy("registered to the customer"),
    "already_yours": gettext_lazy("already registered to this customer"),
    "registered_elsewhere": gettext_lazy(
        "registered to another account: the buyer can ask the owner to release it in the "
        "portal, or contact customer support"
    ),
    "not_registrable": gettext_lazy(
        "cannot be registered (returned or flagged): contact customer support"
    ),
}


def store_staff_required(view):
    """Resolve ``store_id`` to a store the signed-in user serves, or answer 404."""

    @wraps(view)
    @login_required
    def wrapper(request, store_id, *args, **kwargs):
        store = selectors.counter_stores(request.user).filter(pk=store_id).first()
        if store is None:
            raise Http404("not staff of this store")
        request.store = store
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def counter_home(request):
    stores = list(selectors.counter_stores(request.user))
    if not stores:
        raise Http404("not store staff")
    if len(stores) == 1:
        return redirect("counter:store_home", store_id=stores[0].pk)
    return render(request, "claims/choose_store.html", {"stores": stores})


@store_staff_required
def store_home(request):
    return render(
        request,
        "claims/store_home.html",
        {
            "stale_invitations": selectors.stale_invitations(request.store).count(),
        },
    )


# --- Sale -----------------------------------------------------------------------------------


@store_staff_required
def sale(request):
    form = forms.SaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Step two: show the address back in large type (typos are the commonest mistake).
        return render(
            request,
            "claims/sale_confirm.html",
            {
                "form": form,
                "suggestion": services.suggest_email_correction(
                    form.cleaned_data["customer_email"]
                ),
            },
        )
    return render(request, "claims/sale.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@store_staff_required
def sale_confirm(request):
    form = forms.SaleForm(request.POST)
    if not form.is_valid():
        return render(request, "claims/sale.html", {"form": form}, status=400)
    try:
        customer, outcomes = services.register_sale(
            store=request.store,
            staff=request.user,
            email=form.cleaned_data["customer_email"],
            full_name=form.cleaned_data["customer_name"],
            box_code=form.cleaned_data["box_code"],
            unit_codes=form.unit_codes,
            client_address=client_address(request),
        )
    except RegistryError as error:  # too many checks of whose a unit is
        form.add_error(None, error.message)
        return render(request, "claims/sale.html", {"form": form}, status=429)
    for outcome in outcomes:
        outcome.counter_answer = SALE_ANSWERS.get(outcome.result, outcome.message)
    return render(
        request,
        "claims/sale_done.html",
        {
            "customer": customer,
            "outcomes": outcomes,
            "any_registered": any(outcome.ok for outcome in outcomes),
        },
    )


# --- Complaint replacement ------------------------------------------------------------------


@store_staff_required
def replace_start(request):
    return render(
        request,
        "claims/replace_start.html",
        {
            "code_form": forms.FaultyUnitForm(),
            "lookup_form": forms.CustomerLookupForm(),
        },
    )


@require_POST
@store_staff_required
def replace_find_customer(request):
    form = forms.CustomerLookupForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "claims/replace_start.html",
            {"code_form": forms.FaultyUnitForm(), "lookup_form": form},
            status=400,
        )
    try:
        customer, units = services.look_up_customer(
            store=request.store,
            staff=request.user,
            email=form.cleaned_data["customer_email"],
            client_address=client_address(request),
        )
    except RegistryError as error:
        form.add_error("customer_email", error.message)
        return render(
            request,
            "claims/replace_start.html",
            {"code_form": forms.FaultyUnitForm(), "lookup_form": form},
            status=429,
        )
    return render(
        request,
        "claims/replace_pick_unit.html",
        {
            "customer": customer,
            "units": units,
            "customer_email": form.cleaned_data["customer_email"],
        },
    )


def _details_page(request, form, status=200):
    unit = form.faulty_unit
    out_of_warranty = unit is not None and services.is_out_of_warranty(unit)
    if not out_of_warranty:
        # Nothing to acknowledge: the box is shown only when the warranty has ended.
        form.fields.pop("accept_out_of_warranty", None)
    return render(
        request,
        "claims/replace_details.html",
        {
            "form": form,
            "unit": unit,
            "out_of_warranty": out_of_warranty,
            "history": selectors.kit_claims(unit.kit_id) if unit is not None else [],
        },
        status=status,
    )


def _ownership_answer_withheld(request, form):
    """None, or the start page when this staff member is over the look-up limit: the answer
    to "does this e-mail own this unit?" is then not shown."""
    if form.ownership_checked_email is None:
        return None
    try:
        services.record_ownership_check(
            store=request.store,
            staff=request.user,
            unit=form.faulty_unit,
            email=form.ownership_checked_email,
            client_address=client_address(request),
        )
    except RegistryError as error:
        messages.error(request, error.message)
        return render(
            request,
            "claims/replace_start.html",
            {"code_form": forms.FaultyUnitForm(), "lookup_form": forms.CustomerLookupForm()},
            status=429,
        )
    return None


@require_POST
@store_staff_required
def replace_details(request):
    """Step two: the faulty unit is known; scan the replacement, pick a reason."""
    start = forms.FaultyUnitForm({"faulty_code": request.POST.get("faulty_code", "")})
    if not start.is_valid():
        return render(
            request,
            "claims/replace_start.html",
            {"code_form": start, "lookup_form": forms.CustomerLookupForm()},
            status=400,
        )
    if "replacement_code" not in request.POST:
        form = forms.ReplacementForm(
            initial={
                "faulty_code": start.cleaned_data["faulty_code"],
                "customer_email": request.POST.get("customer_email", ""),
            }
        )
        form.faulty_unit = start.faulty_unit
        return _details_page(request, form)
    form = forms.ReplacementForm(request.POST)
    valid = form.is_valid()
    withheld = _ownership_answer_withheld(request, form)
    if withheld is not None:
        return withheld
    if not valid:
        form.faulty_unit = form.faulty_unit or start.faulty_unit
        return _details_page(request, form, status=400)
    return render(request, "claims/replace_summary.html", {"form": form})


@require_POST
@store_staff_required
def replace_confirm(request):
    form = forms.ReplacementForm(request.POST)
    valid = form.is_valid()
    withheld = _ownership_answer_withheld(request, form)
    if withheld is not None:
        return withheld
    if not valid:
        if form.faulty_unit is None:
            return redirect("counter:replace_start", store_id=request.store.pk)
        return _details_page(request, form, status=400)
    try:
        claim = services.replace_unit(
            store=request.store,
            staff=request.user,
            faulty_unit=form.faulty_unit,
            replacement_unit=form.replacement_unit,
            customer_email=form.cleaned_data["customer_email"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            accept_out_of_warranty=form.cleaned_data["accept_out_of_warranty"],
            client_address=client_address(request),
        )
    except RegistryError as error:
        # Someone else was quicker (another counter took the replacement, …).
        form.add_error(None, error.message)
        return _details_page(request, form, status=409)
    messages.success(request, _("Swapped. The receipt has been e-mailed to the customer."))
    return redirect("counter:claim_receipt", store_id=request.store.pk, pk=claim.pk)


@store_staff_required
def claim_receipt(request, pk):
    claim = get_object_or_404(
        Claim.objects.select_related(
            "customer",
            "store",
            "staff",
            "faulty_unit__product_model",
            "replacement_unit__product_model",
        ),
        pk=pk,
        store=request.store,
    )
    return render(request, "claims/receipt.html", {"claim": claim})


# --- History --------------------------------------------------------------------------------


def _day(request):
    """The day asked for (today when there is none, or when it cannot have a history)."""
    try:
        day = parse_date(request.GET.get("date") or "")
    except ValueError:  # 2026-02-30: looks like a date, is none
        day = None
    if day is None or not HISTORY_YEARS[0] <= day.year <= HISTORY_YEARS[1]:
        if request.GET.get("date"):
            messages.info(request, _("There is no such day to show; here is today."))
        day = timezone.localdate()  # 0001-01-01 or 9999-12-31 have no history, and no neighbours
    return day


HISTORY_YEARS = (2000, 2999)


@store_staff_required
@replica_reads
def history(request):
    day = _day(request)
    registrations, claims = selectors.store_history(request.store, day)
    sales, claims = selectors.sales_of(registrations.select_related("unit__kit")), list(claims)
    return render(
        request,
        "claims/history.html",
        {
            "day": day,
            "sales": sales,
            "units_sold": sum(len(sale.units) for sale in sales),
            "claims": claims,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
        },
    )


HISTORY_COLUMNS = ["time", "type", "unit", "replacement", "customer", "staff", "reason", "note"]


@store_staff_required
@replica_reads
def history_csv(request):
    day = _day(request)
    sales, claims = selectors.store_history(request.store, day)
    # The rows are read while the response streams, after this view (and its opt-in) returned.
    database = current_read_alias()

    def rows():
        for sale_ in in_batches(sales.using(database), "started_at"):
            yield [
                timezone.localtime(sale_.started_at).isoformat(),
                "sale",
                sale_.unit.production_code,
                "",
                sale_.account.email,
                getattr(sale_.registered_by, "email", ""),
                "",
                "",
            ]
        for claim in in_batches(claims.using(database), "created_at"):
            yield [
                timezone.localtime(claim.created_at).isoformat(),
                "claim",
                claim.faulty_unit.production_code,
                claim.replacement_unit.production_code,
                claim.customer.email,
                claim.staff.email,
                claim.reason,
                claim.note,
            ]

    return streamed_csv(HISTORY_COLUMNS, rows(), f"store-{request.store.pk}-{day}.csv")


# --- Invitations to fix ---------------------------------------------------------------------


def _store_invitation(request, pk):
    return get_object_or_404(
        Invitation.objects.select_related("account"), pk=pk, store=request.store
    )


@store_staff_required
def invitations(request):
    return render(
        request,
        "claims/invitations.html",
        {
            "invitations": selectors.stale_invitations(request.store),
            "correction_form": forms.InvitationCorrectionForm(),
        },
    )


@require_POST
@store_staff_required
def invitation_correct(request, pk):
    """Two steps: the corrected address read back with what moves, then the move."""
    invitation = _store_invitation(request, pk)
    form = forms.InvitationCorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid e-mail address."))
        return redirect("counter:invitations", store_id=request.store.pk)
    if "confirm" not in request.POST:
        return render(
            request,
            "claims/invitation_correct.html",
            {
                "invitation": invitation,
                "form": form,
                "registrations": selectors.registrations_under_invitation(invitation),
            },
        )
    try:
        account = services.correct_invitation(
            invitation=invitation,
            store=request.store,
            staff=request.user,
            new_email=form.cleaned_data["new_email"],
            client_address=client_address(request),
        )
    except RegistryError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The devices have moved to %(email)s.") % {"email": account.email}
        )
    return redirect("counter:invitations", store_id=request.store.pk)


@store_staff_required
def invitation_cancel(request, pk):
    invitation = _store_invitation(request, pk)
    if request.method == "POST":
        try:
            services.cancel_invitation(
                invitation=invitation,
                store=request.store,
                staff=request.user,
                client_address=client_address(request),
            )
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The invitation is cancelled and its devices released."))
        return redirect("counter:invitations", store_id=request.store.pk)
    return render(
        request,
        "claims/invitation_cancel.html",
        {
            "invitation": invitation,
            "registrations": selectors.registrations_under_invitation(invitation),
        },
    )


@require_POST
@store_staff_required
def invitation_resend(request, pk):
    invitation = _store_invitation(request, pk)
    try:
        services.resend_invitation(invitation=invitation, store=request.store)
    except RegistryError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation has been sent again."))
    return redirect("counter:invitations", store_id=request.store.pk)

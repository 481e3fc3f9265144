"""Customer pages: My devices, adding devices by code, removal, transfers, handover codes.

Every view loads objects through an access helper that answers 404 to anyone but the owner,
validates a form, calls a function of ``devices.services`` and redirects with a message.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.decorators import verified_email_required
from accounts.forms import DeleteAccountForm
from accounts.ratelimit import Limit, first_exceeded
from devices import codes, export, forms, lookups, scanning, selectors, services
from devices.models import Case, HandoverCode, Registration, TransferRequest, Unit
from devices.services import RegistryError
from portal.client_address import client_address, client_network
from portal.replica import replica_reads


def home(request):
    return render(request, "devices/home.html")


def accessibility(request):
    return render(request, "devices/accessibility.html")


def help_page(request):
    return render(request, "devices/help.html")


def _check_limit():
    return Limit("check-client", settings.CHECKS_PER_CLIENT_PER_HOUR, datetime.timedelta(hours=1))


def _check_answer(unit, visitor):
    """What a buyer learns of one unit: never who owns it."""
    if unit.lost_or_stolen:
        return "flagged"
    if unit.status != Unit.Status.IN_SERVICE:
        return "not_registrable"
    if unit.current_owner_id is None:
        return "free"
    mine = visitor.is_authenticated and unit.current_owner_id == visitor.pk
    return "yours" if mine else "registered"


def check_device(request):
    """Check a device before you buy it: anyone, no account needed. Every check counts
    against the client's hourly limit (an IPv6 client by its /64)."""
    form = forms.CheckCodeForm(request.POST or None)
    answers, check_status = None, 200
    if request.method == "POST":
        limit = _check_limit()
        check_status = 400
        if limit.hit(client_network(request) or "unknown") > limit.limit:
            check_status = 429  # too many, as every limit of the site answers
            retry_at = date_format(timezone.localtime(limit.retry_at()), "TIME_FORMAT")
            form.add_error(
                None,
                _("You have checked many codes. Please try again after %(time)s.")
                % {"time": retry_at},
            )
        elif form.is_valid():
            kind, code = form.cleaned_data["code"]
            units = selectors.units_to_check(kind, code)
            answers = [(unit, _check_answer(unit, request.user)) for unit in units]
            for unit, answer in answers:
                if answer == "flagged":
                    services.tell_owner_of_check(unit)
            check_status = 200 if units else 400
            if not units:
                form.add_error("code", _("This is not a code of one of our devices."))
    return render(
        request,
        "devices/check.html",
        {"form": form, "answers": answers},
        status=check_status,
    )


def _owned_unit(request, pk):
    return get_object_or_404(
        Unit.objects.select_related("product_model", "kit", "replaces"),
        pk=pk,
        registrations__account=request.user,
        registrations__ended_at__isnull=True,
    )


def _owned_until_just_now(request, pk):
    """The person owned this unit until a few minutes ago (anyone else: "not found")."""
    theirs = Registration.objects.filter(unit_id=pk, account=request.user)
    recently = timezone.now() - datetime.timedelta(minutes=10)
    return (
        theirs.filter(ended_at__gte=recently).exists()
        and not theirs.filter(ended_at__isnull=True).exists()
    )


NO_LONGER_YOURS = gettext_lazy(
    "This device is no longer registered to your account: it changed just now. Here is where "
    "your devices stand."
)


def _current_registration(unit, user):
    return unit.registrations.select_related("store").get(account=user, ended_at__isnull=True)


@login_required
def my_devices(request):
    if not request.user.has_verified_email:
        # Only the prompt: units a store registered to this address wait for its owner.
        return render(request, "devices/my_devices_unverified.html")
    incoming, outgoing, handovers, changes = selectors.requests_and_handovers(request.user)
    return render(
        request,
        "devices/my_devices.html",
        {
            "kits": selectors.owned_units_by_kit(request.user),
            "incoming_requests": incoming,
            "outgoing_requests": outgoing,
            "handovers": handovers,
            "support_changes": changes,
        },
    )


def _add_page(request, box_form=None, units_form=None, outcomes=None, status=200):
    context = {
        "box_form": box_form or forms.BoxCodeForm(),
        "units_form": units_form or forms.UnitCodesForm(),
        "outcomes": outcomes,
    }
    return render(request, "devices/add_device.html", context, status=status)


@verified_email_required
def add_device(request):
    return _add_page(request)


TOO_MANY_CODES = gettext_lazy(
    "Too many codes could not be registered. Please try again after %(time)s."
)


def _look_ups_blocked(request, address, message=TOO_MANY_CODES):
    """True (and the message set) while this account or address is over its look-up limit."""
    retry_at = lookups.blocked_until(request.user, address)
    if retry_at is not None:
        messages.error(
            request, message % {"time": date_format(timezone.localtime(retry_at), "TIME_FORMAT")}
        )
    return retry_at is not None


def _register_codes(request, box_code=None, unit_codes=()):
    """Rate-limited registration by codes; returns outcomes, or None when blocked."""
    address = client_address(request)
    if _look_ups_blocked(request, address):
        return None
    blocked = lookups.registrations_blocked(request.user, address)
    if blocked is not None:
        retry_at, shared_address = blocked
        # The address's limit is shared by everyone behind it (a workplace, a mobile network):
        # not this person's doing, and it says so.
        message = (
            _(
                "Many devices have been registered from your network today. To register more, "
                "try again after %(time)s, from another network, or contact customer support."
            )
            if shared_address
            else _(
                "You have registered many devices today. To register more, try again after "
                "%(time)s, or contact customer support."
            )
        )
        messages.error(
            request,
            message % {"time": date_format(timezone.localtime(retry_at), "DATETIME_FORMAT")},
        )
        if not shared_address:
            services.flag_registration_limit(account=request.user, client_address=address)
        return None
    outcomes = services.register_codes(
        account=request.user,
        actor=request.user,
        source=Registration.Source.CUSTOMER,
        box_code=box_code,
        unit_codes=unit_codes,
        client_address=address,
    )
    lookups.record_failures(request.user, address, sum(o.failed_lookup for o in outcomes))
    lookups.record_registrations(request.user, address, sum(o.ok for o in outcomes))
    return outcomes


def _after_registering(request, outcomes, **forms_):
    if outcomes is not None and all(outcome.ok for outcome in outcomes):
        messages.success(
            request,
            _("Registered to your account: %(codes)s.")
            % {"codes": ", ".join(outcome.formatted_code for outcome in outcomes)},
        )
        return redirect("devices:my_devices")
    return _add_page(request, outcomes=outcomes, status=200 if outcomes else 429, **forms_)


@require_POST
@verified_email_required
def add_by_box_code(request):
    form = forms.BoxCodeForm(request.POST)
    if not form.is_valid():
        return _add_page(request, box_form=form, status=400)
    outcomes = _register_codes(request, box_code=form.cleaned_data["box_code"])
    return _after_registering(request, outcomes, box_form=form)


@require_POST
@verified_email_required
def add_by_unit_codes(request):
    form = forms.UnitCodesForm(request.POST)
    if not form.is_valid():
        return _add_page(request, units_form=form, status=400)
    outcomes = _register_codes(request, unit_codes=form.unit_codes)
    return _after_registering(request, outcomes, units_form=form)


def _photo_limits():
    hour = datetime.timedelta(hours=1)
    return (
        Limit("scan-photo-account", settings.SCAN_PHOTOS_PER_ACCOUNT_PER_HOUR, hour),
        Limit("scan-photo-client", settings.SCAN_PHOTOS_PER_CLIENT_PER_HOUR, hour),
    )


@csrf_exempt  # the upload handler must be set before anything reads the body …
@require_POST
@verified_email_required
def scan_photo(request):
    """The codes on a photo of a label fill the add-device form; the person then presses its
    button, and the codes are checked exactly as typed ones."""
    too_large = int(request.META.get("CONTENT_LENGTH") or 0) > settings.SCAN_PHOTO_MAX_BYTES + 65536
    request.upload_handlers = [] if too_large else [scanning.PhotoUploadHandler(request)]
    return _read_photo(request, too_large=too_large)


@csrf_protect  # … and the CSRF check then runs here
def _read_photo(request, *, too_large):
    per_account, per_client = _photo_limits()
    checks = [(per_account, str(request.user.pk)), (per_client, client_network(request) or "-")]
    exceeded = first_exceeded(checks)
    if exceeded is not None:
        retry_at = date_format(timezone.localtime(exceeded.retry_at()), "TIME_FORMAT")
        messages.error(
            request,
            _("You have sent many photos. Please try again after %(time)s.") % {"time": retry_at},
        )
        return _add_page(request, status=400)
    for limit, key in checks:
        limit.hit(key)
    photo = None if too_large else request.FILES.get("photo")
    try:
        if too_large:
            raise scanning.PhotoError("too_large", scanning.TOO_LARGE)
        if photo is None:
            raise scanning.PhotoError("missing", _("Choose a photo of the label first."))
        found = scanning.codes_in_photo(photo.read())
    except scanning.PhotoError as error:
        messages.error(request, error.message)
        return _add_page(request, status=400)
    return _add_page(request, **_forms_filled_with(request, found))


def _forms_filled_with(request, found):
    """A box label fills the box code field; unit labels fill the field of their kind."""
    boxes = [code for kind, code in found if kind == "box"]
    box = boxes[0] if boxes else None
    if len(boxes) > 1:
        messages.warning(
            request,
            _("The photo shows more than one box label: the first one read is filled in."),
        )
    if box is not None:
        messages.info(
            request,
            _(
                "Read from the photo: box code %(code)s. Check it against the label and press "
                "“Register the kit”."
            )
            % {"code": codes.format_box_code(box)},
        )
        return {"box_form": forms.BoxCodeForm(initial={"box_code": codes.format_box_code(box)})}
    fields = {}
    for _kind, code in found:
        field = "holder_code" if codes.kind_of(code) == codes.HOLDER else "charger_code"
        fields.setdefault(field, codes.format_unit_code(code))
    messages.info(
        request,
        _("Read from the photo: %(codes)s. Check against the label and press “Register”.")
        % {"codes": ", ".join(fields.values())},
    )
    return {"units_form": forms.UnitCodesForm(initial=fields)}


@verified_email_required
def unit_detail(request, pk):
    unit = _owned_unit(request, pk)
    history = selectors.unit_history(unit, request.user)
    swap = next((r for r in history if r.source == Registration.Source.REPLACEMENT), None)
    return render(
        request,
        "devices/unit_detail.html",
        {
            "unit": unit,
            "registration": _current_registration(unit, request.user),
            "history": history,
            "swap": swap,
            "support_changes": selectors.pending_support_changes(request.user, unit),
            # "This is not mine", reported and not decided yet: said instead of the button.
            "not_mine_report": unit.cases.filter(
                kind=Case.Kind.NOT_MINE, account=request.user, status=Case.Status.OPEN
            ).first(),
        },
    )


@verified_email_required
def unit_proof(request, pk):
    unit = _owned_unit(request, pk)
    return _proof(request, [_current_registration(unit, request.user)], back=unit)


@verified_email_required
def kit_proof(request, pk):
    """Both units of a kit on one page (those of them the person owns)."""
    registrations = list(
        Registration.objects.filter(account=request.user, ended_at__isnull=True, unit__kit_id=pk)
        .select_related("unit__product_model", "unit__kit", "store")
        .order_by("-unit__kind")  # the holder first, as everywhere
    )
    if not registrations:
        raise Http404("no unit of this kit is yours")
    return _proof(request, registrations, kit=registrations[0].unit.kit)


def _proof(request, registrations, *, back=None, kit=None):
    return render(
        request,
        "devices/proof.html",
        {
            "registrations": registrations,
            "kit": kit,
            "back": back,
            "issuer": settings.REGISTRY_ISSUER,
            "printed_at": timezone.now(),
        },
    )


def _confirm_unit_action(request, pk, *, action, template, success):
    """GET: the confirmation page; POST: do it through the service, then back to the list."""
    if request.method == "POST" and _owned_until_just_now(request, pk):
        # Someone else changed it meanwhile (a transfer approved in another tab, a swap at
        # a counter): say so, instead of "page not found" after pressing the button.
        messages.error(request, NO_LONGER_YOURS)
        return redirect("devices:my_devices")
    unit = _owned_unit(request, pk)
    if request.method == "POST":
        try:
            action(unit=unit, owner=request.user, client_address=client_address(request))
        except RegistryError as error:
            # Lost a race by a moment: the same words as when it was lost by more.
            messages.error(
                request, NO_LONGER_YOURS if error.reason == "not_yours" else error.message
            )
        else:
            messages.success(request, success % {"code": unit.formatted_code})
        return redirect("devices:my_devices")
    return render(request, template, {"unit": unit})


@verified_email_required
def remove_unit(request, pk):
    return _confirm_unit_action(
        request,
        pk,
        action=services.remove_unit,
        template="devices/confirm_remove.html",
        success=_("%(code)s has been removed from your account."),
    )


@verified_email_required
def report_lost(request, pk):
    return _confirm_unit_action(
        request,
        pk,
        action=services.report_lost,
        template="devices/confirm_lost.html",
        success=_("%(code)s is reported lost or stolen."),
    )


@require_POST
@verified_email_required
def clear_lost_report(request, pk):
    """Nothing is taken from anyone, so no confirmation step: the button on the unit page."""
    unit = _owned_unit(request, pk)
    services.clear_lost_report(
        unit=unit, owner=request.user, client_address=client_address(request)
    )
    messages.success(
        request,
        _("The lost/stolen report for %(code)s is cleared.") % {"code": unit.formatted_code},
    )
    return redirect("devices:unit_detail", pk=unit.pk)


@verified_email_required
def not_mine(request, pk):
    def open_case(*, unit, owner, client_address):
        return services.report_not_mine(unit=unit, account=owner, client_address=client_address)

    return _confirm_unit_action(
        request,
        pk,
        action=open_case,
        template="devices/confirm_not_mine.html",
        success=_("Thank you. Our support will look into %(code)s and contact you."),
    )


# --- Transfer requests ----------------------------------------------------------------------


# Answers of the transfer-request form that tell something about a device the requester does
# not own; counted with the add-device look-ups, so codes cannot be harvested here either.
TRANSFER_LOOKUP_ANSWERS = {"not_found", "free", "not_registrable", "requested"}


@require_POST
@verified_email_required
def request_transfer(request):
    address = client_address(request)
    if _look_ups_blocked(request, address):
        return redirect("devices:add_device")
    form = forms.UnitCodeForm(request.POST)
    unit = form.is_valid() and selectors.unit_by_code(form.cleaned_data["code"])
    if not unit:
        lookups.record_failures(request.user, address, int(form.is_valid()))
        messages.error(request, _("We cannot find this device."))
        return redirect("devices:add_device")
    try:
        services.request_transfer(unit=unit, requester=request.user, client_address=address)
    except RegistryError as error:
        lookups.record_failures(request.user, address, int(error.reason in TRANSFER_LOOKUP_ANSWERS))
        messages.error(request, error.message)
    else:
        lookups.record_failures(request.user, address, 1)
        messages.success(
            request,
            _("We have asked the current owner to release %(code)s. We will e-mail you the answer.")
            % {"code": unit.formatted_code},
        )
    return redirect("devices:my_devices")


def _incoming_request(request, pk):
    return get_object_or_404(
        TransferRequest.objects.select_related("unit", "requester"),
        pk=pk,
        owner=request.user,
        status=TransferRequest.Status.PENDING,
    )


ALREADY_ANSWERED = gettext_lazy("This request has already been answered or has expired.")


def _answer_request(request, pk, *, action, template, success):
    answered = TransferRequest.objects.filter(pk=pk, owner=request.user).exclude(
        status=TransferRequest.Status.PENDING
    )
    if request.method == "POST" and answered.exists():
        messages.error(request, ALREADY_ANSWERED)  # answered or ended meanwhile, elsewhere
        return redirect("devices:my_devices")
    transfer = _incoming_request(request, pk)
    if request.method == "POST":
        try:
            action(transfer=transfer, owner=request.user, client_address=client_address(request))
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, success % {"code": transfer.unit.formatted_code})
        return redirect("devices:my_devices")
    return render(request, template, {"transfer": transfer, "unit": transfer.unit})


@verified_email_required
def approve_transfer(request, pk):
    return _answer_request(
        request,
        pk,
        action=services.approve_transfer,
        template="devices/confirm_approve.html",
        success=_("%(code)s has moved to the other account."),
    )


@verified_email_required
def decline_transfer(request, pk):
    return _answer_request(
        request,
        pk,
        action=services.decline_transfer,
        template="devices/confirm_decline.html",
        success=_("You declined the request for %(code)s."),
    )


@verified_email_required
def report_requested_unit_stolen(request, pk):
    return _answer_request(
        request,
        pk,
        action=services.report_requested_unit_stolen,
        template="devices/confirm_request_stolen.html",
        success=_("%(code)s is reported lost or stolen and the request is declined."),
    )


# --- Handover codes -------------------------------------------------------------------------


@verified_email_required
def create_handover(request):
    form = forms.HandoverCreateForm(
        selectors.units_to_hand_over(request.user),
        request.POST or None,
        initial={"units": request.GET.getlist("unit")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            handover = services.create_handover_code(
                owner=request.user,
                units=list(form.cleaned_data["units"]),
                client_address=client_address(request),
            )
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            # Shown once, on the next page: only its keyed hash is stored.
            request.session[HANDOVER_CODE_SESSION_KEY] = [handover.pk, handover.code]
            return redirect("devices:handover_detail", pk=handover.pk)
    return render(request, "devices/handover_create.html", {"form": form})


HANDOVER_CODE_SESSION_KEY = "devices.new_handover_code"


@verified_email_required
def handover_detail(request, pk):
    handover = get_object_or_404(HandoverCode, pk=pk, owner=request.user)
    new_code = request.session.pop(HANDOVER_CODE_SESSION_KEY, None)
    shown_code = new_code[1] if new_code and new_code[0] == handover.pk else None
    return render(
        request,
        "devices/handover_detail.html",
        {
            "handover": handover,
            "code": services.format_handover_code(shown_code) if shown_code else None,
            "units": handover.units.select_related("product_model"),
        },
    )


@require_POST
@verified_email_required
def cancel_handover(request, pk):
    handover = get_object_or_404(HandoverCode, pk=pk, owner=request.user)
    services.cancel_handover_code(
        handover=handover, owner=request.user, client_address=client_address(request)
    )
    messages.success(request, _("The handover code is cancelled."))
    return redirect("devices:my_devices")


TOO_MANY_HANDOVER_CODES = gettext_lazy(
    "Too many codes could not be used. Please try again after %(time)s."
)


@verified_email_required
def redeem_handover(request):
    form = forms.HandoverRedeemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        if _look_ups_blocked(request, address, TOO_MANY_HANDOVER_CODES):
            return redirect("devices:redeem_handover")
        try:
            handover = services.redeem_handover_code(
                code=form.cleaned_data["code"], buyer=request.user, client_address=address
            )
        except RegistryError as error:
            if error.reason == "invalid_handover":
                lookups.record_failures(request.user, address, 1)
            form.add_error("code", error.message)
        else:
            count = handover.units.count()
            messages.success(
                request,
                ngettext(
                    "%(count)d device is now registered to you.",
                    "%(count)d devices are now registered to you.",
                    count,
                )
                % {"count": count},
            )
            return redirect("devices:my_devices")
    return render(request, "devices/handover_redeem.html", {"form": form})


# --- Closing an account and its data (registry operations: they release and read units) ----


@login_required
def close_account(request):
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.close_account(user=request.user, client_address=client_address(request))
        messages.success(request, _("Your account has been deleted and your devices released."))
        return redirect("home")
    return render(request, "devices/close_account.html", {"form": form})


@login_required
@replica_reads
def download_data(request):
    response = JsonResponse(export.account_data(request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-device-registry-data.json"'
    return response

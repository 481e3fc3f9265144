"""Every change of ownership in the registry, one plain function each.

Each function is one transaction: it locks the unit, checks its state, changes it, writes
the audit event, and raises ``RegistryError`` (with a user-facing message) when the rules say
no. Views, admin actions and commands call these and never change registrations themselves.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_email
from accounts.models import VerificationMethod
from devices import codes, roles
from devices.models import (
    AuditEvent,
    Case,
    HandoverCode,
    Kit,
    OwnershipChange,
    Registration,
    TransferRequest,
    Unit,
    handover_code_digest,
)

domain_log = logging.getLogger("portal.domain")


class RegistryError(Exception):
    """A rule of the registry refused the operation; ``message`` is safe to show the user."""

    def __init__(self, reason, message):
        super().__init__(str(message))
        self.reason = reason
        self.message = message


def record_event(
    *,
    action,
    actor,
    unit=None,
    from_account=None,
    to_account=None,
    note="",
    verification_method="",
    client_address=None,
):
    """Append one audit event (inside the caller's transaction) and log it (ids, no e-mails)."""
    domain_log.info(
        action,
        extra={
            "unit": unit.production_code if unit is not None else "-",
            "actor": getattr(actor, "pk", "-"),
            "from_account": getattr(from_account, "pk", "-"),
            "to_account": getattr(to_account, "pk", "-"),
            "verification": verification_method or "-",
        },
    )
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        unit=unit,
        from_account=from_account,
        to_account=to_account,
        note=note,
        verification_method=verification_method,
        client_address=client_address,
    )


def record_account_event(sender, *, action, actor, account, note="", client_address=None, **kw):
    """The audit trail of the account's own sensitive acts (``accounts.signals.account_event``)."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    record_event(
        action=action,
        actor=actor,
        from_account=account,
        note=note,
        client_address=client_address,
    )


def open_registration(unit):
    """The current owner's registration, or None when the unit is free."""
    return (
        Registration.objects.select_related("account")
        .filter(unit=unit, ended_at__isnull=True)
        .first()
    )


def lock_unit(unit):
    # Every ownership change of a unit takes its row lock first, so changes of one unit run
    # one after the other; the partial unique index is the backstop if anything skips this.
    return Unit.objects.select_for_update().get(pk=unit.pk)


# A store hands units over the counter to whoever owns the mailbox: they wait in an account
# that is not verified yet as they do for an invitation (nobody can see or move them until the
# address is verified). Every other way of receiving units needs a verified address.
WAITING_SOURCES = (Registration.Source.STORE_SALE, Registration.Source.REPLACEMENT)


def check_recipient(account, source):
    """Raise RegistryError unless ``account`` may receive units from ``source``."""
    if not account.is_active or (not account.has_verified_email and source not in WAITING_SOURCES):
        raise RegistryError(
            "unverified",
            _(
                "This account's e-mail address is not verified yet, so it cannot receive "
                "devices. The address must be verified first (the link we e-mailed)."
            ),
        )


def check_registrable(unit, account):
    """Raise RegistryError unless ``unit`` (locked or fresh) may be registered to ``account``."""
    if unit.status != Unit.Status.IN_SERVICE or unit.lost_or_stolen:
        raise RegistryError(
            "not_registrable",
            _("This device cannot be registered. Please contact customer support."),
        )
    current = open_registration(unit)
    if current is not None:
        if current.account_id == account.pk:
            raise RegistryError("already_yours", _("This device is already registered to you."))
        raise RegistryError(
            "registered_elsewhere", _("This device is registered to another account.")
        )


@transaction.atomic
def register_unit(
    *,
    unit,
    account,
    actor,
    source,
    store=None,
    client_address=None,
    note="",
    warranty_start=None,
    verification_method="",
):
    """Open a registration of a free, registrable unit for ``account``.

    The warranty starts at the first registration; ``warranty_start`` lets a replacement
    inherit the start of the unit it replaces.
    """
    check_recipient(account, source)
    unit = lock_unit(unit)
    check_registrable(unit, account)
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                unit=unit, account=account, source=source, store=store, registered_by=actor
            )
    except IntegrityError:
        raise RegistryError(
            "registered_elsewhere", _("This device is registered to another account.")
        ) from None
    if warranty_start is not None or unit.warranty_start is None:
        unit.warranty_start = warranty_start or timezone.localdate()
        unit.save(update_fields=["warranty_start"])
    record_event(
        action=AuditEvent.Action.REGISTERED,
        actor=actor,
        unit=unit,
        to_account=account,
        note=note,
        verification_method=verification_method,
        client_address=client_address,
    )
    return registration


@transaction.atomic
def release_unit(
    *, unit, actor, end_reason, owner=None, note="", verification_method="", client_address=None
):
    """End the open registration of ``unit``; with ``owner``, only if that account owns it."""
    unit = lock_unit(unit)
    registration = open_registration(unit)
    if owner is not None and (registration is None or registration.account_id != owner.pk):
        raise RegistryError("not_yours", _("This device is not registered to you."))
    if registration is None:
        raise RegistryError("not_registered", _("This device is not registered to anyone."))
    end_registration(registration, end_reason)
    record_event(
        action=AuditEvent.Action.RELEASED,
        actor=actor,
        unit=unit,
        from_account=registration.account,
        note=note,
        verification_method=verification_method,
        client_address=client_address,
    )
    return registration


def end_registration(registration, end_reason):
    registration.ended_at = timezone.now()
    registration.end_reason = end_reason
    registration.save(update_fields=["ended_at", "end_reason"])
    # Requests for the unit were addressed to this owner; they cannot be decided any more.
    TransferRequest.objects.filter(unit_id=registration.unit_id, status="pending").update(
        status=TransferRequest.Status.CANCELLED, decided_at=timezone.now()
    )


@transaction.atomic
def transfer_unit(
    *,
    unit,
    from_account,
    to_account,
    actor,
    source,
    end_reason,
    note="",
    store=None,
    client_address=None,
):
    """Move a unit from its owner to another account in one step: it is never free between."""
    check_recipient(to_account, source)
    unit = lock_unit(unit)
    registration = open_registration(unit)
    if registration is None or registration.account_id != from_account.pk:
        raise RegistryError(
            "owner_changed", _("This device is no longer registered to that account.")
        )
    if unit.lost_or_stolen or unit.status != Unit.Status.IN_SERVICE:
        raise RegistryError(
            "not_registrable",
            _("This device cannot be transferred. Please contact customer support."),
        )
    if to_account.pk == from_account.pk:
        raise RegistryError("already_yours", _("This device is already registered to you."))
    end_registration(registration, end_reason)
    new_registration = Registration.objects.create(
        unit=unit, account=to_account, source=source, store=store, registered_by=actor
    )
    record_event(
        action=AuditEvent.Action.TRANSFERRED,
        actor=actor,
        unit=unit,
        from_account=from_account,
        to_account=to_account,
        note=note,
        client_address=client_address,
    )
    return new_registration


# --- Customer registration by code --------------------------------------------------------


@dataclass
class CodeOutcome:
    """The answer for one code typed by a customer (or by a store for a customer)."""

    code: str
    kind: str  # "box", "holder" or "charger"
    result: str  # "registered" or a RegistryError reason, or "not_in_catalogue"
    message: str
    unit: Unit | None = None

    @property
    def ok(self):
        return self.result == "registered"

    @property
    def formatted_code(self):
        if self.kind == "box":
            return codes.format_box_code(self.code)
        return codes.format_unit_code(self.code)

    @property
    def failed_lookup(self):
        """Answers that tell something about a code the customer does not own (rate-limited)."""
        return self.result in ("not_in_catalogue", "registered_elsewhere", "not_registrable")


NOT_IN_CATALOGUE = _(
    "We cannot find this code. Please check it against the label; if it is right, "
    "contact customer support."
)


@transaction.atomic
def register_codes(
    *, account, actor, source, box_code=None, unit_codes=(), store=None, client_address=None
):
    """Register what can be registered; return one CodeOutcome per unit (or unknown code).

    Each unit is its own savepoint: what can be registered is registered, what cannot is
    explained, and nothing is half-done inside one unit. The account is e-mailed a summary.
    """
    outcomes = []
    units = []
    if box_code:
        kit = Kit.objects.filter(box_code=box_code).first()
        if kit is None:
            outcomes.append(CodeOutcome(box_code, "box", "not_in_catalogue", NOT_IN_CATALOGUE))
        else:
            units.extend(kit.units.select_related("product_model").order_by("-kind"))
    for code in unit_codes:
        unit = Unit.objects.select_related("product_model").filter(production_code=code).first()
        if unit is None:
            kind = codes.kind_of(code)
            outcomes.append(CodeOutcome(code, kind, "not_in_catalogue", NOT_IN_CATALOGUE))
        else:
            units.append(unit)
    for unit in units:
        try:
            register_unit(
                unit=unit,
                account=account,
                actor=actor,
                source=source,
                store=store,
                client_address=client_address,
            )
        except RegistryError as error:
            outcomes.append(
                CodeOutcome(unit.production_code, unit.kind, error.reason, error.message, unit)
            )
        else:
            outcomes.append(
                CodeOutcome(
                    unit.production_code,
                    unit.kind,
                    "registered",
                    _("Registered to your account."),
                    unit,
                )
            )
    registered = [outcome.unit for outcome in outcomes if outcome.ok]
    if registered:
        send_email(
            "units_registered",
            to=account,
            context={"units": registered, "store": store},
            action_url=_absolute(reverse("devices:my_devices")),
            action_label=_("See my devices"),
        )
    return outcomes


# --- Removal and lost/stolen ---------------------------------------------------------------


@transaction.atomic
def remove_unit(*, unit, owner, client_address=None):
    """The owner removes a unit from their account; it is free at once."""
    registration = release_unit(
        unit=unit,
        actor=owner,
        owner=owner,
        end_reason=Registration.EndReason.REMOVED,
        client_address=client_address,
    )
    send_email("unit_removed", to=owner, context={"unit": unit}, security_notice=True)
    return registration


def _owned_locked_unit(unit, owner):
    unit = lock_unit(unit)
    registration = open_registration(unit)
    if registration is None or registration.account_id != owner.pk:
        raise RegistryError("not_yours", _("This device is not registered to you."))
    return unit


@transaction.atomic
def set_lost_or_stolen(*, unit, actor, flagged, owner=None, note="", client_address=None):
    """Mark (or clear) a unit as lost or stolen; with ``owner``, only that owner's unit.

    A flagged unit cannot be registered, transferred, handed over or swapped. The current
    owner, if any, is e-mailed.
    """
    unit = _owned_locked_unit(unit, owner) if owner is not None else lock_unit(unit)
    if unit.lost_or_stolen != flagged:
        unit.lost_or_stolen = flagged
        unit.save(update_fields=["lost_or_stolen"])
        registration = open_registration(unit)
        current_owner = registration.account if registration else None
        record_event(
            action=AuditEvent.Action.FLAGGED_LOST if flagged else AuditEvent.Action.FLAG_CLEARED,
            actor=actor,
            unit=unit,
            from_account=current_owner,
            note=note,
            client_address=client_address,
        )
        if current_owner is not None:
            email = "unit_reported_lost" if flagged else "unit_found"
            send_email(email, to=current_owner, context={"unit": unit}, security_notice=flagged)
    if flagged:
        HandoverCode.objects.filter(
            units=unit, used_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=timezone.now())
    return unit


def report_lost(*, unit, owner, client_address=None):
    return set_lost_or_stolen(
        unit=unit, actor=owner, owner=owner, flagged=True, client_address=client_address
    )


def clear_lost_report(*, unit, owner, client_address=None):
    return set_lost_or_stolen(
        unit=unit, actor=owner, owner=owner, flagged=False, client_address=client_address
    )


# --- Transfer requests ----------------------------------------------------------------------

MAX_PENDING_REQUESTS_PER_REQUESTER = 5


@transaction.atomic
def request_transfer(*, unit, requester, client_address=None):
    """Ask the (unnamed) owner of ``unit`` to release it to ``requester``."""
    unit = lock_unit(unit)
    registration = open_registration(unit)
    if unit.lost_or_stolen or unit.status != Unit.Status.IN_SERVICE:
        raise RegistryError(
            "not_registrable",
            _("This device cannot be registered. Please contact customer support."),
        )
    if registration is None:
        raise RegistryError("free", _("This device is free now: you can register it directly."))
    if registration.account_id == requester.pk:
        raise RegistryError("already_yours", _("This device is already registered to you."))
    if TransferRequest.objects.filter(unit=unit, requester=requester, status="pending").exists():
        raise RegistryError(
            "already_requested", _("You have already asked for this device; please wait.")
        )
    pending = TransferRequest.objects.filter(requester=requester, status="pending").count()
    if pending >= MAX_PENDING_REQUESTS_PER_REQUESTER:
        raise RegistryError(
            "too_many_requests",
            _("You have too many requests waiting for an answer. Please wait for them first."),
        )
    transfer = TransferRequest.objects.create(
        unit=unit, requester=requester, owner=registration.account
    )
    record_event(
        action=AuditEvent.Action.TRANSFER_REQUESTED,
        actor=requester,
        unit=unit,
        from_account=registration.account,
        to_account=requester,
        client_address=client_address,
    )
    send_email(
        "transfer_requested",
        to=registration.account,
        context={"transfer": transfer, "unit": unit, "days": settings.TRANSFER_REQUEST_DAYS},
        action_url=_absolute(reverse("devices:my_devices")),
        action_label=_("Answer the request"),
    )
    return transfer


def _absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def _lock_pending_request(transfer, owner):
    transfer = (
        TransferRequest.objects.select_for_update().select_related("requester").get(pk=transfer.pk)
    )
    if transfer.owner_id != owner.pk or transfer.status != TransferRequest.Status.PENDING:
        raise RegistryError(
            "not_pending", _("This request has already been answered or has expired.")
        )
    return transfer


@transaction.atomic
def approve_transfer(*, transfer, owner, client_address=None):
    """The owner agrees: the unit moves to the requester at once."""
    transfer = _lock_pending_request(transfer, owner)
    transfer_unit(
        unit=transfer.unit,
        from_account=owner,
        to_account=transfer.requester,
        actor=owner,
        source=Registration.Source.TRANSFER_REQUEST,
        end_reason=Registration.EndReason.TRANSFERRED,
        client_address=client_address,
    )
    # transfer_unit cancelled every pending request for the unit, this one included.
    transfer.status = TransferRequest.Status.APPROVED
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_at"])
    context = {"transfer": transfer, "unit": transfer.unit}
    send_email(
        "transfer_approved_requester",
        to=transfer.requester,
        context=context,
        action_url=_absolute(reverse("devices:my_devices")),
        action_label=_("See my devices"),
    )
    send_email("transfer_approved_owner", to=owner, context=context, security_notice=True)
    return transfer


@transaction.atomic
def decline_transfer(*, transfer, owner, client_address=None):
    transfer = _lock_pending_request(transfer, owner)
    transfer.status = TransferRequest.Status.DECLINED
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_at"])
    record_event(
        action=AuditEvent.Action.TRANSFER_DECLINED,
        actor=owner,
        unit=transfer.unit,
        from_account=owner,
        to_account=transfer.requester,
        client_address=client_address,
    )
    send_email(
        "transfer_declined",
        to=transfer.requester,
        context={"transfer": transfer, "unit": transfer.unit},
    )
    return transfer


@transaction.atomic
def report_requested_unit_stolen(*, transfer, owner, client_address=None):
    """The owner answers a request by reporting the unit lost or stolen."""
    transfer = _lock_pending_request(transfer, owner)
    decline_transfer(transfer=transfer, owner=owner, client_address=client_address)
    report_lost(unit=transfer.unit, owner=owner, client_address=client_address)
    return transfer


def escalate_expired_transfer_requests(now=None):
    """Requests unanswered for TRANSFER_REQUEST_DAYS go to support; never auto-approved."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.TRANSFER_REQUEST_DAYS)
    escalated = 0
    while True:
        with transaction.atomic():
            batch = list(
                TransferRequest.objects.select_for_update(skip_locked=True)
                .select_related("requester", "owner", "unit")
                .filter(status="pending", created_at__lt=cutoff)[:100]
            )
            for transfer in batch:
                transfer.status = TransferRequest.Status.ESCALATED
                transfer.decided_at = timezone.now()
                transfer.save(update_fields=["status", "decided_at"])
                Case.objects.create(
                    kind=Case.Kind.ESCALATED_TRANSFER,
                    unit=transfer.unit,
                    account=transfer.requester,
                    transfer_request=transfer,
                )
                record_event(
                    action=AuditEvent.Action.TRANSFER_ESCALATED,
                    actor=None,
                    unit=transfer.unit,
                    from_account=transfer.owner,
                    to_account=transfer.requester,
                )
                send_email(
                    "transfer_escalated",
                    to=transfer.requester,
                    context={"transfer": transfer, "unit": transfer.unit},
                )
        escalated += len(batch)
        if len(batch) < 100:
            return escalated


# --- Handover codes -------------------------------------------------------------------------

HANDOVER_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B)
HANDOVER_LENGTH = 10


def normalise_handover_code(raw):
    return codes.normalise(raw)


def format_handover_code(code):
    """ABCDE-FGHJK: two groups are easier to read out to a buyer."""
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def create_handover_code(*, owner, units, client_address=None):
    units = [_owned_locked_unit(unit, owner) for unit in sorted(units, key=lambda u: u.pk)]
    for unit in units:
        if unit.lost_or_stolen:
            raise RegistryError(
                "flagged",
                _(
                    "A device reported lost or stolen cannot be handed over. Clear the report "
                    "first."
                ),
            )
    code = "".join(secrets.choice(HANDOVER_ALPHABET) for _ in range(HANDOVER_LENGTH))
    handover = HandoverCode.objects.create(
        code_digest=handover_code_digest(code),
        owner=owner,
        expires_at=timezone.now() + datetime.timedelta(hours=settings.HANDOVER_CODE_HOURS),
    )
    # Only the keyed hash is stored; the caller shows the code to the owner this once.
    handover.code = code
    handover.units.set(units)
    for unit in units:
        record_event(
            action=AuditEvent.Action.HANDOVER_CREATED,
            actor=owner,
            unit=unit,
            from_account=owner,
            client_address=client_address,
        )
    send_email(
        "handover_created",
        to=owner,
        context={"handover": handover, "units": units},
        security_notice=True,
    )
    return handover


@transaction.atomic
def cancel_handover_code(*, handover, owner, client_address=None):
    handover = HandoverCode.objects.select_for_update().get(pk=handover.pk, owner=owner)
    if handover.used_at is None and handover.cancelled_at is None:
        handover.cancelled_at = timezone.now()
        handover.save(update_fields=["cancelled_at"])
        for unit in handover.units.all():
            record_event(
                action=AuditEvent.Action.HANDOVER_CANCELLED,
                actor=owner,
                unit=unit,
                from_account=owner,
                client_address=client_address,
            )
    return handover


def cancel_open_handover_codes(sender=None, *, account, **kwargs):
    """The account was secured after "this wasn't me": a code made by whoever had it must not
    work (``accounts.signals.account_secured``)."""
    for handover in HandoverCode.objects.filter(
        owner=account, used_at__isnull=True, cancelled_at__isnull=True
    ):
        cancel_handover_code(handover=handover, owner=account)


INVALID_HANDOVER = _("This handover code is not valid. It may have expired or been used.")


@transaction.atomic
def redeem_handover_code(*, code, buyer, client_address=None):
    """Move every unit of a handover code to the buyer in one transaction."""
    handover = (
        HandoverCode.objects.select_for_update()
        .select_related("owner")
        .filter(code_digest=handover_code_digest(normalise_handover_code(code)))
        .first()
    )
    if handover is None or not handover.is_usable:
        raise RegistryError("invalid_handover", INVALID_HANDOVER)
    if handover.owner_id == buyer.pk:
        raise RegistryError(
            "own_handover", _("This is your own handover code: give it to the buyer.")
        )
    units = list(handover.units.order_by("pk"))
    try:
        for unit in units:
            transfer_unit(
                unit=unit,
                from_account=handover.owner,
                to_account=buyer,
                actor=buyer,
                source=Registration.Source.HANDOVER_CODE,
                end_reason=Registration.EndReason.HANDED_OVER,
                client_address=client_address,
            )
    except RegistryError:
        raise RegistryError("invalid_handover", INVALID_HANDOVER) from None
    handover.used_at = timezone.now()
    handover.used_by = buyer
    handover.save(update_fields=["used_at", "used_by"])
    context = {"handover": handover, "units": units}
    send_email("handover_received", to=buyer, context=context)
    send_email("handover_used", to=handover.owner, context=context, security_notice=True)
    return handover


# --- "This is not mine" ---------------------------------------------------------------------


@transaction.atomic
def report_not_mine(*, unit, account, client_address=None):
    """The customer says a store registered someone else's unit to them: support decides."""
    unit = _owned_locked_unit(unit, account)
    case, created = Case.objects.get_or_create(
        kind=Case.Kind.NOT_MINE, unit=unit, account=account, status=Case.Status.OPEN
    )
    if created:
        record_event(
            action=AuditEvent.Action.CASE_OPENED,
            actor=account,
            unit=unit,
            from_account=account,
            note="this is not mine",
            client_address=client_address,
        )
    return case


# --- Support: releases and reassignments with an objection window ---------------------------
#
# Who may do what is checked here, not only in the views: a request needs a recorded
# verification and a note; nothing new may be filed while an objection about the unit is
# open; only a supervisor (by role, not by permission: superusers pass every permission
# check) who did not request a change may apply it early or decide an objection to it.

OBJECTION_SALT = "devices.services.objection"


def objection_url(change):
    token = signing.dumps(change.pk, salt=OBJECTION_SALT)
    return _absolute(reverse("devices:object_to_change", args=[token]))


def change_for_objection_token(token):
    max_age = (settings.OBJECTION_WINDOW_HOURS + 24 * 30) * 3600
    try:
        pk = signing.loads(token, salt=OBJECTION_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return OwnershipChange.objects.select_related("unit", "from_account").filter(pk=pk).first()


def check_verification(verification_method, note):
    """A request that takes something from an owner records how the person was verified."""
    if verification_method not in VerificationMethod.values:
        raise RegistryError("verification_required", _("Choose how the person was verified."))
    if not note.strip():
        raise RegistryError("note_required", _("Write a note: why, and what was checked."))


def pending_ownership_change(unit):
    return OwnershipChange.objects.filter(unit=unit, status=OwnershipChange.Status.PENDING).first()


@transaction.atomic
def request_ownership_change(
    *, unit, agent, kind, verification_method, note, to_account=None, client_address=None
):
    """A support agent asks to release a unit or reassign it to ``to_account``.

    Nothing moves yet: the owner is e-mailed and may object during the objection window;
    ``run_jobs`` applies it afterwards (or a supervisor at once, see
    ``apply_ownership_change``).
    """
    check_verification(verification_method, note)
    unit = lock_unit(unit)
    registration = open_registration(unit)
    if registration is None:
        raise RegistryError("free", _("This unit is free: assign it instead."))
    if kind == OwnershipChange.Kind.REASSIGN:
        if to_account is None:
            raise RegistryError("no_account", _("Choose the account to reassign to."))
        if to_account.pk == registration.account_id:
            raise RegistryError("already_owner", _("That account already owns this unit."))
        check_recipient(to_account, Registration.Source.SUPPORT)
    if pending_ownership_change(unit) is not None:
        raise RegistryError(
            "pending", _("A release or reassignment of this unit is already waiting.")
        )
    if Case.objects.filter(unit=unit, kind=Case.Kind.OBJECTION, status=Case.Status.OPEN).exists():
        raise RegistryError(
            "objection_open",
            _(
                "The owner objected to a change of this unit and a supervisor has not decided "
                "the objection yet: no new release or reassignment until then."
            ),
        )
    change = OwnershipChange.objects.create(
        kind=kind,
        unit=unit,
        from_account=registration.account,
        to_account=to_account if kind == OwnershipChange.Kind.REASSIGN else None,
        verification_method=verification_method,
        note=note.strip(),
        requested_by=agent,
        effective_at=timezone.now() + datetime.timedelta(hours=settings.OBJECTION_WINDOW_HOURS),
    )
    record_event(
        action=AuditEvent.Action.CHANGE_REQUESTED,
        actor=agent,
        unit=unit,
        from_account=registration.account,
        to_account=change.to_account,
        note=f"{kind}: {note.strip()}",
        verification_method=verification_method,
        client_address=client_address,
    )
    send_email(
        "ownership_change_requested",
        to=registration.account,
        context={"change": change, "unit": unit, "hours": settings.OBJECTION_WINDOW_HOURS},
        action_url=objection_url(change),
        action_label=_("I object"),
        security_notice=True,
    )
    return change


@transaction.atomic
def object_to_ownership_change(*, change, owner=None, client_address=None):
    """The owner objects (from the e-mail link, or signed in as ``owner``): the change is
    cancelled and a case opens for a supervisor who did not request it."""
    change = lock_pending_request(change, "unit", "from_account", "to_account")
    if owner is not None and change.from_account_id != owner.pk:
        raise RegistryError("not_yours", _("This device is not registered to you."))
    change.close(OwnershipChange.Status.OBJECTED)
    Case.objects.get_or_create(
        kind=Case.Kind.OBJECTION,
        unit=change.unit,
        account=change.from_account,
        status=Case.Status.OPEN,
        defaults={"ownership_change": change},
    )
    record_event(
        action=AuditEvent.Action.CHANGE_OBJECTED,
        actor=change.from_account,
        unit=change.unit,
        from_account=change.from_account,
        to_account=change.to_account,
        client_address=client_address,
    )
    return change


def check_supervisor_other_than_requester(actor, requested_by_id, *, own_request_message):
    """Four eyes: a supervisor by role (a superuser without the role is not one), and not the
    person who asked."""
    if actor.pk == requested_by_id:
        raise RegistryError("four_eyes", own_request_message)
    if not roles.is_supervisor(actor):
        raise RegistryError("supervisor_only", _("Only a supervisor may do this."))


def lock_pending_request(request, *related):
    """The support request, locked, while it still waits; RegistryError once decided."""
    request = (
        type(request)
        .objects.select_for_update(of=("self",))
        .select_related(*related)
        .get(pk=request.pk)
    )
    if not request.is_pending:
        raise RegistryError("not_pending", _("This change has already been applied or cancelled."))
    return request


def check_may_apply(request, actor, note):
    """At once: a supervisor other than the requester, with a note. ``actor`` None: the
    periodic job, once the objection window has passed."""
    if actor is not None:
        check_supervisor_other_than_requester(
            actor,
            request.requested_by_id,
            own_request_message=_("Another supervisor must apply your own request."),
        )
        if not roles.role_is_established(actor):
            raise RegistryError(
                "new_supervisor",
                _(
                    "Your supervisor role is younger than the objection window: until then, "
                    "another supervisor must apply changes early."
                ),
            )
        if not note.strip():
            raise RegistryError("note_required", _("Write a note: why it cannot wait."))
    elif request.effective_at > timezone.now():
        raise RegistryError("window_open", _("The objection window has not passed yet."))


def check_may_cancel(request, actor, note):
    """The agent who asked, or a supervisor, with a note."""
    if actor.pk != request.requested_by_id and not roles.is_supervisor(actor):
        raise RegistryError(
            "not_requester", _("Only the agent who asked or a supervisor may cancel it.")
        )
    if not note.strip():
        raise RegistryError("note_required", _("Write a note: why it is cancelled."))


@transaction.atomic
def apply_ownership_change(*, change, actor=None, note="", client_address=None):
    """Apply a pending change: after its window (``actor`` None: the periodic job), or at once
    by a supervisor other than the agent who asked, with a note."""
    change = lock_pending_request(change, "unit", "from_account", "to_account")
    check_may_apply(change, actor, note)
    if actor is not None:
        audit_note = f"{change.note} / applied at once: {note.strip()}"
    else:
        audit_note = f"{change.note} / applied after the objection window"
    try:
        if change.kind == OwnershipChange.Kind.RELEASE:
            release_unit(
                unit=change.unit,
                actor=actor,
                owner=change.from_account,
                end_reason=Registration.EndReason.RELEASED_BY_SUPPORT,
                note=audit_note,
                verification_method=change.verification_method,
                client_address=client_address,
            )
        else:
            check_recipient(change.to_account, Registration.Source.SUPPORT)
            transfer_unit(
                unit=change.unit,
                from_account=change.from_account,
                to_account=change.to_account,
                actor=actor,
                source=Registration.Source.SUPPORT,
                end_reason=Registration.EndReason.REASSIGNED,
                note=audit_note,
                client_address=client_address,
            )
    except RegistryError as error:
        # The owner changed meanwhile (removed, handed over…): the request no longer applies.
        change.close(OwnershipChange.Status.CANCELLED, None, f"not applied: {error.message}")
        record_event(
            action=AuditEvent.Action.CHANGE_CANCELLED,
            actor=actor,
            unit=change.unit,
            from_account=change.from_account,
            note=change.decision_note,
        )
        return change
    change.close(OwnershipChange.Status.APPLIED, actor, note)
    context = {"change": change, "unit": change.unit}
    send_email("ownership_change_applied", to=change.from_account, context=context)
    if change.to_account is not None:
        send_email(
            "units_registered",
            to=change.to_account,
            context={"units": [change.unit]},
            action_url=_absolute(reverse("devices:my_devices")),
            action_label=_("See my devices"),
        )
    return change


def apply_due_requests(model, apply, now=None):
    """Periodic job: apply the pending support requests of ``model`` whose objection window
    has passed, in batches; rows another run holds are skipped."""
    applied = 0
    while True:
        with transaction.atomic():
            due = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(status="pending", effective_at__lte=now or timezone.now())
                .order_by("effective_at")[:100]
            )
            for request in due:
                apply(change=request)
        applied += len(due)
        if len(due) < 100:
            return applied


def apply_due_ownership_changes(now=None):
    return apply_due_requests(OwnershipChange, apply_ownership_change, now)


@transaction.atomic
def cancel_ownership_change(*, change, actor, note, client_address=None):
    """The agent who asked, or a supervisor, withdraws a pending change; the owner is told."""
    change = lock_pending_request(change, "unit", "from_account")
    check_may_cancel(change, actor, note)
    change.close(OwnershipChange.Status.CANCELLED, actor, note)
    record_event(
        action=AuditEvent.Action.CHANGE_CANCELLED,
        actor=actor,
        unit=change.unit,
        from_account=change.from_account,
        note=note.strip(),
        client_address=client_address,
    )
    send_email(
        "ownership_change_cancelled",
        to=change.from_account,
        context={"change": change, "unit": change.unit},
    )
    return change


def assign_free_unit(
    *, unit, agent, to_account, verification_method="", note="", client_address=None
):
    """Support registers a free unit to an account: nobody loses it, so no window."""
    check_recipient(to_account, Registration.Source.SUPPORT)
    return register_unit(
        unit=unit,
        account=to_account,
        actor=agent,
        source=Registration.Source.SUPPORT,
        client_address=client_address,
        note=note,
        verification_method=verification_method,
    )


# --- Support: cases -------------------------------------------------------------------------

# What may be decided, by kind of case. An objection stops a change; its decision may file
# a new one, which goes through the owner's objection window again.
CASE_DECISIONS = {
    Case.Kind.NOT_MINE: ["release", "reassign", "dismiss"],
    Case.Kind.ESCALATED_TRANSFER: ["approve_transfer", "decline_transfer", "dismiss"],
    Case.Kind.OBJECTION: ["release", "reassign", "dismiss"],
    Case.Kind.EMAIL_OBJECTION: ["dismiss"],
}
OBJECTION_KINDS = (Case.Kind.OBJECTION, Case.Kind.EMAIL_OBJECTION)


def check_may_decide(case, agent):
    """Objections only by a supervisor who did not request the contested change; other
    cases by whoever holds the permission."""
    if case.kind in OBJECTION_KINDS:
        contested = case.contested_request
        check_supervisor_other_than_requester(
            agent,
            contested.requested_by_id if contested is not None else None,
            own_request_message=_(
                "You requested the change this objection is about: another supervisor must "
                "decide it."
            ),
        )
    elif not agent.has_perm("devices.decide_case"):
        raise RegistryError("forbidden", _("You may not decide cases."))


@transaction.atomic
def decide_case(
    *, case, agent, decision, note, verification_method="", to_account=None, client_address=None
):
    """Decide a case; an outcome that takes the unit from its owner goes through the
    objection window like any support release or reassignment."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related(
            "unit",
            "account",
            "ownership_change",
            "email_change",
            "transfer_request__requester",
            "transfer_request__owner",
        )
        .get(pk=case.pk)
    )
    if case.status != Case.Status.OPEN:
        raise RegistryError("decided", _("This case is already decided."))
    check_may_decide(case, agent)
    if decision not in CASE_DECISIONS[case.kind]:
        raise RegistryError("unknown_decision", _("This decision does not fit this case."))
    if not note.strip():
        raise RegistryError("note_required", _("Write a note explaining the decision."))
    # Decided first: a change this decision files must not be blocked by this very case.
    case.status = Case.Status.DECIDED
    case.handled_by = agent
    case.decided_at = timezone.now()
    case.outcome = f"{decision}: {note.strip()}"
    case.save(update_fields=["status", "handled_by", "decided_at", "outcome"])
    transfer = case.transfer_request
    request = {"agent": agent, "note": note, "client_address": client_address}
    if decision == "approve_transfer":
        request_ownership_change(
            unit=case.unit,
            kind=OwnershipChange.Kind.REASSIGN,
            to_account=transfer.requester,
            verification_method=verification_method,
            **request,
        )
    elif decision == "release":
        request_ownership_change(
            unit=case.unit,
            kind=OwnershipChange.Kind.RELEASE,
            verification_method=verification_method,
            **request,
        )
    elif decision == "reassign":
        request_ownership_change(
            unit=case.unit,
            kind=OwnershipChange.Kind.REASSIGN,
            to_account=to_account,
            verification_method=verification_method,
            **request,
        )
    elif decision == "decline_transfer":
        TransferRequest.objects.filter(pk=transfer.pk).update(
            status=TransferRequest.Status.DECLINED, decided_at=timezone.now()
        )
    record_event(
        action=AuditEvent.Action.CASE_DECIDED,
        actor=agent,
        unit=case.unit,
        from_account=case.account,
        note=case.outcome,
        client_address=client_address,
    )
    people = {case.account}
    if transfer is not None:
        people |= {transfer.requester, transfer.owner}
    for person in people:
        send_email(
            "case_decided",
            to=person,
            context={"case": case, "decision": decision, "unit": case.unit},
        )
    return case

"""Units that change hands between customers: transfer requests (the owner approves, declines
or says it was stolen; unanswered ones go to support, never approved by themselves) and
one-time handover codes (stored only as a keyed hash)."""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_email
from devices import codes
from devices.models import (
    AuditEvent,
    Case,
    HandoverCode,
    Registration,
    TransferRequest,
    Unit,
    handover_code_digest,
)
from devices.services.base import (
    RegistryError,
    lock_unit,
    open_registration,
    owned_locked_unit,
    record_event,
)
from devices.services.lost import report_lost
from devices.services.registration import transfer_unit
from portal.links import absolute_url

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
        action_url=absolute_url(reverse("devices:my_devices")),
        action_label=_("Answer the request"),
    )
    return transfer


def _lock_pending_request(transfer, owner):
    # The lock order of every ownership change (README, "Concurrency"): the unit first.
    lock_unit(transfer.unit)
    transfer = (
        TransferRequest.objects.select_for_update(of=("self",))
        .select_related("requester", "unit")
        .get(pk=transfer.pk)
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
    if transfer.unit.lost_or_stolen:
        raise RegistryError(
            "reported_lost",
            _(
                "You have reported this device lost or stolen, so it cannot move to another "
                "account. If it has been found, clear the report on its page first."
            ),
        )
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
        action_url=absolute_url(reverse("devices:my_devices")),
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


# --- Handover codes ----------------------------------------------------------------------

HANDOVER_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B)
HANDOVER_LENGTH = 10


def normalise_handover_code(raw):
    return codes.normalise(raw)


def format_handover_code(code):
    """ABCDE-FGHJK: two groups are easier to read out to a buyer."""
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def create_handover_code(*, owner, units, client_address=None):
    units = [owned_locked_unit(unit, owner) for unit in sorted(units, key=lambda u: u.pk)]
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
    digest = handover_code_digest(normalise_handover_code(code))
    found = HandoverCode.objects.filter(code_digest=digest).first()
    # The lock order of every ownership change: its units first (by id), then the code.
    for unit in found.units.order_by("pk") if found is not None else ():
        lock_unit(unit)
    handover = (
        HandoverCode.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(code_digest=digest)
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

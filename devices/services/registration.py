"""Registering, releasing and moving units: the three primitives every flow uses (each locks
the unit first), registration by codes for customers and stores, removal by the owner, and
"this is not mine"."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_email
from accounts.ratelimit import Limit
from devices import codes
from devices.models import (
    AuditEvent,
    Case,
    Kit,
    OwnershipChange,
    Registration,
    TransferRequest,
    Unit,
)
from devices.services.base import (
    RegistryError,
    check_recipient,
    check_registrable,
    lock_unit,
    open_registration,
    owned_locked_unit,
    record_event,
)
from portal.links import absolute_url


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
    replaces=None,
):
    """Open a registration of a free, registrable unit for ``account``.

    The warranty starts at the first registration; ``warranty_start`` lets a replacement
    inherit the start of the unit it ``replaces`` (whose place in a kit it takes).
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
    changed = []
    if warranty_start is not None or unit.warranty_start is None:
        unit.warranty_start = warranty_start or timezone.localdate()
        changed.append("warranty_start")
    if replaces is not None:
        unit.replaces = replaces
        unit.stands_in_kit_id = replaces.kit_id or replaces.stands_in_kit_id
        changed += ["replaces", "stands_in_kit"]
    if changed:
        unit.save(update_fields=changed)
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
    # So was a support change waiting to take the unit from this owner: it no longer fits,
    # and the owner must not be shown one for a unit they have passed on.
    for change in OwnershipChange.objects.filter(
        unit_id=registration.unit_id, from_account_id=registration.account_id, status="pending"
    ):
        change.close(OwnershipChange.Status.CANCELLED, note=CHANGE_NO_LONGER_FITS)
        record_event(
            action=AuditEvent.Action.CHANGE_CANCELLED,
            actor=None,
            unit=registration.unit,
            from_account=registration.account,
            note=CHANGE_NO_LONGER_FITS,
        )


CHANGE_NO_LONGER_FITS = "the unit left the owner's account before the change took effect"


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


# --- Registration by codes ---------------------------------------------------------------


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
    *,
    account,
    actor,
    source,
    box_code=None,
    unit_codes=(),
    store=None,
    client_address=None,
    notify=True,
    note="",
):
    """Register what can be registered; return one CodeOutcome per unit (or unknown code).
    ``note`` goes on each registration's audit event (which till's API key did it).

    Each unit is its own savepoint: what can be registered is registered, what cannot is
    explained, and nothing is half-done inside one unit. The account is e-mailed a summary
    (unless ``notify`` is off: the caller sends one e-mail that says it all).
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
            registration = register_unit(
                unit=unit,
                account=account,
                actor=actor,
                source=source,
                store=store,
                client_address=client_address,
                note=note,
            )
        except RegistryError as error:
            outcomes.append(
                CodeOutcome(unit.production_code, unit.kind, error.reason, error.message, unit)
            )
        else:
            # The warranty the registration started (set on the locked copy of the row).
            unit.warranty_start = registration.unit.warranty_start
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
    if registered and notify:
        send_email(
            "units_registered",
            to=account,
            context={"units": registered, "store": store},
            action_url=absolute_url(reverse("devices:my_devices")),
            action_label=_("See my devices"),
        )
    return outcomes


# --- Removal and "this is not mine" ---------------------------------------------------------


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


@transaction.atomic
def report_not_mine(*, unit, account, client_address=None):
    """The customer says a store registered someone else's unit to them: support decides."""
    unit = owned_locked_unit(unit, account)
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


@transaction.atomic
def flag_registration_limit(*, account, client_address=None):
    """The account asked to register past its daily limit: an audit event support sees on the
    account's page (once a day), since free codes found by checking could be claimed in bulk."""
    once_a_day = Limit("registration-limit-flag", 1, datetime.timedelta(days=1))
    if once_a_day.hit(str(account.pk)) > 1:
        return None
    return record_event(
        action=AuditEvent.Action.REGISTRATION_LIMIT_REACHED,
        actor=account,
        from_account=account,
        client_address=client_address,
    )

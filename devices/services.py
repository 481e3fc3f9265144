"""Every change of ownership in the registry, one plain function each.

Each function is one transaction: it locks the unit, checks its state, changes it, writes
the audit event, and raises ``RegistryError`` (with a user-facing message) when the rules say
no. Views, admin actions and commands call these and never change registrations themselves.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import AuditEvent, Registration, Unit


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
    """Append one audit event (inside the caller's transaction)."""
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


def open_registration(unit):
    """The current owner's registration, or None when the unit is free."""
    return (
        Registration.objects.select_related("account")
        .filter(unit=unit, ended_at__isnull=True)
        .first()
    )


def _lock_unit(unit):
    # Every ownership change of a unit takes its row lock first, so changes of one unit run
    # one after the other; the partial unique index is the backstop if anything skips this.
    return Unit.objects.select_for_update().get(pk=unit.pk)


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
    *, unit, account, actor, source, store=None, client_address=None, note="", warranty_start=None
):
    """Open a registration of a free, registrable unit for ``account``.

    The warranty starts at the first registration; ``warranty_start`` lets a replacement
    inherit the start of the unit it replaces.
    """
    unit = _lock_unit(unit)
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
        client_address=client_address,
    )
    return registration


@transaction.atomic
def release_unit(
    *, unit, actor, end_reason, owner=None, note="", verification_method="", client_address=None
):
    """End the open registration of ``unit``; with ``owner``, only if that account owns it."""
    unit = _lock_unit(unit)
    registration = open_registration(unit)
    if owner is not None and (registration is None or registration.account_id != owner.pk):
        raise RegistryError("not_yours", _("This device is not registered to you."))
    if registration is None:
        raise RegistryError("not_registered", _("This device is not registered to anyone."))
    registration.ended_at = timezone.now()
    registration.end_reason = end_reason
    registration.save(update_fields=["ended_at", "end_reason"])
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

"""What every registry operation shares: its one error, the audit trail, the unit lock,
and the checks of who may receive a unit."""

import logging

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

from devices.models import (
    AuditEvent,
    Registration,
    Unit,
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
    limit_lock_waits()
    return Unit.objects.select_for_update().get(pk=unit.pk)


def limit_lock_waits():
    """In this transaction only (``set_config(..., true)`` is SET LOCAL: it holds behind a
    transaction-pooling PgBouncer, where a session's SET would leak to other clients), a lock
    not granted within DATABASE_LOCK_TIMEOUT_MS is an error: the request is tried once more
    and then answered "someone else changed this just now", instead of holding a worker
    behind a stuck lock; and no statement of the change runs past
    DATABASE_STATEMENT_TIMEOUT_MS."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true),"
            " set_config('statement_timeout', %s, true)",
            [
                f"{settings.DATABASE_LOCK_TIMEOUT_MS}ms",
                f"{settings.DATABASE_STATEMENT_TIMEOUT_MS}ms",
            ],
        )


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


def owned_locked_unit(unit, owner):
    unit = lock_unit(unit)
    registration = open_registration(unit)
    if registration is None or registration.account_id != owner.pk:
        raise RegistryError("not_yours", _("This device is not registered to you."))
    return unit

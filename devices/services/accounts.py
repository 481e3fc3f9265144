"""The registry's part in an account's life: its audit trail, and closing it (a registry
operation: every unit is released first)."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.signals import account_closing
from devices.models import (
    AuditEvent,
    HandoverCode,
    Registration,
    TransferRequest,
)
from devices.services.base import record_event
from devices.services.registration import release_unit


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


@transaction.atomic
def close_account(*, user, client_address=None):
    """Release every unit (each audited), cancel what the account started, then deactivate and
    anonymise it. History rows keep pointing at the (anonymised) account; nothing is deleted.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    # Units in id order, as every ownership change locks them (README, "Concurrency").
    registrations = Registration.objects.filter(account=user, ended_at__isnull=True)
    for registration in registrations.select_related("unit").order_by("unit_id"):
        release_unit(
            unit=registration.unit,
            actor=user,
            owner=user,
            end_reason=Registration.EndReason.ACCOUNT_DELETED,
            client_address=client_address,
        )
    TransferRequest.objects.filter(requester=user, status="pending").update(
        status=TransferRequest.Status.CANCELLED, decided_at=timezone.now()
    )
    HandoverCode.objects.filter(owner=user, used_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    account_closing.send(sender=User, account=user)
    record_event(
        action=AuditEvent.Action.ACCOUNT_DELETED,
        actor=user,
        from_account=user,
        client_address=client_address,
    )
    user.email = f"deleted-{user.pk}@invalid.invalid"
    user.full_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "full_name", "is_active", "password"])
    return user

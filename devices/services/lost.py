"""Lost or stolen: a flagged unit cannot be registered, transferred, handed over or swapped."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.emails import send_email
from accounts.ratelimit import Limit
from devices.models import (
    AuditEvent,
    HandoverCode,
)
from devices.services.base import lock_unit, open_registration, owned_locked_unit, record_event


@transaction.atomic
def set_lost_or_stolen(*, unit, actor, flagged, owner=None, note="", client_address=None):
    """Mark (or clear) a unit as lost or stolen; with ``owner``, only that owner's unit.

    A flagged unit cannot be registered, transferred, handed over or swapped. The current
    owner, if any, is e-mailed.
    """
    unit = owned_locked_unit(unit, owner) if owner is not None else lock_unit(unit)
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


@transaction.atomic
def tell_owner_of_check(unit):
    """Someone checked a unit reported lost or stolen (the public check page): its owner hears
    of it, at most once a day per unit, and nothing about who checked."""
    registration = open_registration(unit)
    if registration is None:
        return False
    once_a_day = Limit("checked-while-flagged", 1, datetime.timedelta(days=1))
    if once_a_day.hit(str(unit.pk)) > 1:
        return False
    send_email("unit_checked_while_flagged", to=registration.account, context={"unit": unit})
    return True

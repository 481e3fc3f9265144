"""Read-only queries behind the counter pages."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from accounts.models import Store
from claims.models import Claim, Invitation
from devices.models import Registration


def counter_stores(user):
    """The active stores this person actively serves at."""
    return Store.objects.filter(
        is_active=True, memberships__user=user, memberships__is_active=True
    ).order_by("name")


def store_history(store, day):
    """(sales, claims) of ``store`` on ``day`` (local time), oldest first."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    sales = (
        Registration.objects.filter(
            store=store,
            source=Registration.Source.STORE_SALE,
            started_at__gte=start,
            started_at__lt=end,
        )
        .select_related("unit", "account", "registered_by")
        .order_by("started_at")
    )
    claims = (
        Claim.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
        .select_related("faulty_unit", "replacement_unit", "customer", "staff")
        .order_by("created_at")
    )
    return sales, claims


def kit_claims(kit_id):
    """Earlier swaps in a kit, shown before another one."""
    if kit_id is None:
        return []
    return (
        Claim.objects.filter(kit_id=kit_id)
        .select_related("faulty_unit", "replacement_unit", "store")
        .order_by("created_at")
    )


def stale_cutoff():
    return timezone.now() - datetime.timedelta(days=settings.INVITATION_DAYS)


def stale_invitations(store):
    """Invitations of ``store`` not accepted within INVITATION_DAYS: the address may be wrong."""
    return (
        Invitation.objects.filter(
            store=store,
            accepted_at__isnull=True,
            closed_at__isnull=True,
            created_at__lt=stale_cutoff(),
        )
        .select_related("account", "invited_by")
        .order_by("created_at")
    )


def registrations_under_invitation(invitation):
    """What this store registered to the invited account since it invited it: a store fixes
    its own sales, never another store's sales to the same address."""
    return (
        Registration.objects.filter(
            account=invitation.account,
            store=invitation.store,
            ended_at__isnull=True,
            started_at__gte=invitation.created_at,
        )
        .select_related("unit")
        .order_by("unit__kit_id", "-unit__kind")
    )


@dataclass
class Sale:
    """The units one clerk registered to one customer at one go (one press of "register")."""

    started_at: datetime.datetime
    customer: object
    staff: object
    units: list = field(default_factory=list)

    @property
    def kit(self):
        """The kit, when the sale was exactly one whole kit."""
        kits = {unit.kit_id for unit in self.units}
        return (
            self.units[0].kit
            if len(self.units) == 2 and len(kits) == 1 and None not in kits
            else None
        )


# Registrations of one sale are written within a second or so of each other.
SALE_GAP = datetime.timedelta(seconds=60)


def sales_of(registrations):
    """Store-sale registrations (oldest first) grouped into sales."""
    sales = []
    for registration in registrations:
        last = sales[-1] if sales else None
        if (
            last is not None
            and last.customer == registration.account
            and last.staff == registration.registered_by
            and registration.started_at - last.started_at <= SALE_GAP
        ):
            last.units.append(registration.unit)
        else:
            sales.append(
                Sale(
                    registration.started_at,
                    registration.account,
                    registration.registered_by,
                    [registration.unit],
                )
            )
    return sales

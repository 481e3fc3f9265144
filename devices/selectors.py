"""Read-only queries behind the customer pages, in a constant number of SQL queries."""

from itertools import groupby

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from devices.models import HandoverCode, OwnershipChange, Registration, TransferRequest, Unit


def owned_units_by_kit(account):
    """The account's open registrations grouped by kit, holder first; a replacement (loose
    stock) stands in the kit of the unit it replaced."""
    registrations = list(
        Registration.objects.filter(account=account, ended_at__isnull=True).select_related(
            "unit__product_model", "unit__kit", "store"
        )
    )
    for registration in registrations:
        registration.slot_kit_id = registration.unit.kit_id or registration.unit.stands_in_kit_id
    registrations.sort(
        key=lambda r: (
            r.slot_kit_id is None,
            r.slot_kit_id or 0,
            r.unit.kind != "holder",
            r.unit_id,
        )
    )
    return [
        list(group)
        for _kit, group in groupby(registrations, key=lambda r: r.slot_kit_id or -r.unit_id)
    ]


def requests_and_handovers(account):
    """(incoming transfer requests, own recent requests, open handover codes, pending support
    changes of the account's units) for My devices.

    One round trip first says whether there can be any: "My devices" is the most visited
    page and most accounts have none of them; building the ORM queries costs ~1.2 ms each
    even when they find nothing, the check ~0.2 ms.
    """
    may_have_requests, may_have_handovers, may_have_changes = _may_have_anything(account)
    incoming, outgoing = transfer_requests_for(account) if may_have_requests else ([], [])
    return (
        incoming,
        outgoing,
        open_handover_codes(account) if may_have_handovers else [],
        pending_support_changes(account) if may_have_changes else [],
    )


def _may_have_anything(account):
    """Its conditions are deliberately broader than the selectors' (handover expiry is not
    checked), so a mismatch can only cost an empty look-up, never hide anything."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {TransferRequest._meta.db_table}"
            "                WHERE (owner_id = %s AND status = %s) OR requester_id = %s),"
            f"       EXISTS (SELECT 1 FROM {HandoverCode._meta.db_table}"
            "                WHERE owner_id = %s AND used_at IS NULL AND cancelled_at IS NULL),"
            f"       EXISTS (SELECT 1 FROM {OwnershipChange._meta.db_table}"
            "                WHERE from_account_id = %s AND status = %s)",
            [
                account.pk,
                TransferRequest.Status.PENDING,
                account.pk,
                account.pk,
                account.pk,
                OwnershipChange.Status.PENDING,
            ],
        )
        return cursor.fetchone()


def pending_support_changes(account, unit=None):
    """Releases and reassignments support has filed against the account's units, waiting
    out the owner's objection window: the owner sees them and can object."""
    changes = OwnershipChange.objects.filter(
        from_account=account, status=OwnershipChange.Status.PENDING
    ).select_related("unit")
    return list(changes.filter(unit=unit) if unit is not None else changes)


def transfer_requests_for(account, recent=10):
    """(requests waiting for this owner's answer, this account's own recent requests), in one
    query."""
    requests = list(
        TransferRequest.objects.filter(
            Q(owner=account, status=TransferRequest.Status.PENDING) | Q(requester=account)
        )
        # Prefetched, not joined: most accounts have no requests, and then neither of the
        # two extra queries runs (a join costs ~1 ms of SQL building even for no rows).
        .prefetch_related("unit", "requester")
        .order_by("-created_at")[:200]
    )
    incoming = sorted(
        (t for t in requests if t.owner_id == account.pk and t.status == "pending"),
        key=lambda t: t.created_at,
    )
    outgoing = [t for t in requests if t.requester_id == account.pk][:recent]
    return incoming, outgoing


def open_handover_codes(account):
    return HandoverCode.objects.filter(
        owner=account,
        used_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("-kind")))


def unit_history(unit, account):
    """The account's own registrations of ``unit``, newest first (never another owner's)."""
    return list(
        unit.registrations.filter(account=account).select_related("store").order_by("-started_at")
    )


def units_to_hand_over(account):
    """What the account may put on a handover code: its units not reported lost."""
    return (
        Unit.objects.filter(
            registrations__account=account,
            registrations__ended_at__isnull=True,
            lost_or_stolen=False,
        )
        .select_related("product_model")
        .order_by("kit_id", "-kind")
    )


def unit_by_code(production_code):
    return Unit.objects.filter(production_code=production_code).first()


def units_to_check(kind, code):
    """The units a buyer's code names (both of a kit for a box code), with whether each is
    registered and to whom (never shown: only compared with the visitor). Read from the
    primary database: a theft reported a moment ago must show."""
    units = Unit.objects.using(DEFAULT_DB_ALIAS).select_related("product_model")
    units = (
        units.filter(kit__box_code=code) if kind == "box" else units.filter(production_code=code)
    )
    owners = Registration.objects.using(DEFAULT_DB_ALIAS).filter(
        unit=OuterRef("pk"), ended_at__isnull=True
    )
    return list(
        units.annotate(current_owner_id=Subquery(owners.values("account_id")[:1])).order_by("-kind")
    )

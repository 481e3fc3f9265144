"""What store staff do at the counter: sales, invitations, complaint replacements.

Like ``devices.services``, each function is one transaction that checks the rules under the
units' row locks, writes the audit events and raises ``RegistryError`` with a message for
the counter when a rule says no. Ownership itself changes through ``devices.services``.
"""

import datetime
import difflib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.addresses import same_address
from accounts.emails import send_email
from accounts.models import User
from accounts.ratelimit import Limit
from accounts.tokens import make_invitation_token
from claims import selectors
from claims.models import Claim, Invitation
from devices.models import AuditEvent, Registration, Unit
from devices.services import (
    RegistryError,
    end_registration,
    open_registration,
    record_event,
    register_codes,
    register_unit,
    release_unit,
    transfer_unit,
)
from portal.links import absolute_url

# Domains our customers use most; a near miss is probably a typo (gmial.com → gmail.com).
COMMON_EMAIL_DOMAINS = [
    "gmail.com",
    "seznam.cz",
    "email.cz",
    "centrum.cz",
    "post.cz",
    "atlas.cz",
    "volny.cz",
    "tiscali.cz",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "yahoo.com",
    "outlook.cz",
    "gmx.com",
    "proton.me",
    "protonmail.com",
]


def suggest_email_correction(email):
    """``jan@gmail.com`` for ``jan@gmial.com``; None when the domain looks right."""
    local, _at, domain = email.rpartition("@")
    domain = domain.lower()
    if not local or domain in COMMON_EMAIL_DOMAINS:
        return None
    close = difflib.get_close_matches(domain, COMMON_EMAIL_DOMAINS, n=1, cutoff=0.8)
    return f"{local}@{close[0]}" if close else None


def send_invitation(invitation, units=()):
    url = absolute_url(
        reverse("accounts:accept_invitation", args=[make_invitation_token(invitation.account)])
    )
    send_email(
        "invitation",
        to=invitation.account,
        context={"store": invitation.store, "days": settings.INVITATION_DAYS, "units": units},
        action_url=url,
        action_label=_("Choose a password"),
        secret=True,
    )


def find_or_invite_customer(*, email, store, staff, full_name="", send=True):
    """The account for ``email``; a new invited account (e-mailed a link) when there is none.

    An account whose address is not verified is treated like an invited one: whoever signed
    up may not own the mailbox, so the units wait (unseen) and the invitation e-mail lets the
    mailbox's owner choose the password, which verifies the address.
    """
    existing = User.objects.find_by_email(email)
    if existing is not None:
        waiting = Invitation.objects.filter(
            account=existing, accepted_at__isnull=True, closed_at__isnull=True
        )
        if existing.has_verified_email or waiting.exists():
            return existing, None
        invitation = Invitation.objects.create(account=existing, store=store, invited_by=staff)
        if send:
            send_invitation(invitation)
        return existing, invitation
    try:
        with transaction.atomic():
            customer = User.objects.create_user(email, None, full_name=full_name)
    except IntegrityError:  # created a moment ago by another request
        return User.objects.find_by_email(email), None
    invitation = Invitation.objects.create(account=customer, store=store, invited_by=staff)
    if send:
        send_invitation(invitation)
    return customer, invitation


def register_sale(
    *,
    store,
    staff,
    email,
    full_name="",
    box_code=None,
    unit_codes=(),
    client_address=None,
    note="",
):
    """Register sold units to the customer's e-mail; returns (customer, outcomes).

    When nothing could be registered, nothing is kept (no invited account, no e-mail). A sale
    of a unit someone owns answers whether this e-mail owns it ("already registered to this
    customer" or "to another account"): it counts as an ownership check, limited and audited
    like the swap's, so neither a clerk nor a till can guess owners by selling.
    """
    named = (
        Unit.objects.filter(kit__box_code=box_code)
        if box_code
        else Unit.objects.filter(production_code__in=list(unit_codes))
    )
    # Counted and audited before the sale's own transaction, which a failed sale rolls back.
    check_owners_asked(
        store=store, staff=staff, units=named, email=email, client_address=client_address
    )
    with transaction.atomic():
        return _register_sale(
            store=store,
            staff=staff,
            email=email,
            full_name=full_name,
            box_code=box_code,
            unit_codes=unit_codes,
            client_address=client_address,
            note=note,
        )


def _register_sale(*, store, staff, email, full_name, box_code, unit_codes, client_address, note):
    customer, invitation = find_or_invite_customer(
        email=email, store=store, staff=staff, full_name=full_name, send=False
    )
    # A customer the store just invited gets one e-mail: the invitation, naming the units.
    outcomes = register_codes(
        account=customer,
        actor=staff,
        source=Registration.Source.STORE_SALE,
        store=store,
        box_code=box_code,
        unit_codes=unit_codes,
        client_address=client_address,
        notify=invitation is None,
        note=note,
    )
    registered = [outcome.unit for outcome in outcomes if outcome.ok]
    if not registered:
        transaction.set_rollback(True)
    elif invitation is not None:
        send_invitation(invitation, units=registered)
    return customer, outcomes


def _lock_open_invitation(invitation, store, *, stale=False):
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("account", "store")
        .get(pk=invitation.pk, store=store)
    )
    if not invitation.is_open:
        raise RegistryError("invitation_closed", _("This invitation is already closed."))
    if stale and invitation.created_at >= selectors.stale_cutoff():
        raise RegistryError(
            "invitation_fresh",
            _(
                "This invitation is only %(days)s days old or less: the customer may still "
                "accept it. It can be corrected or cancelled once it is older."
            )
            % {"days": settings.INVITATION_DAYS},
        )
    return invitation


@transaction.atomic
def resend_invitation(*, invitation, store):
    invitation = _lock_open_invitation(invitation, store)
    invitation.last_sent_at = timezone.now()
    invitation.save(update_fields=["last_sent_at"])
    send_invitation(invitation)
    return invitation


@transaction.atomic
def correct_invitation(*, invitation, store, staff, new_email, client_address=None):
    """The address was mistyped: move this store's units to the corrected (invited) account."""
    invitation = _lock_open_invitation(invitation, store, stale=True)
    old_account = invitation.account
    new_account, _new_invitation = find_or_invite_customer(
        email=new_email, store=store, staff=staff
    )
    if new_account.pk == old_account.pk:
        raise RegistryError("same_address", _("That is the same address."))
    registrations = list(selectors.registrations_under_invitation(invitation))
    for registration in registrations:
        transfer_unit(
            unit=registration.unit,
            from_account=old_account,
            to_account=new_account,
            actor=staff,
            source=Registration.Source.STORE_SALE,
            store=store,
            end_reason=Registration.EndReason.INVITATION_CORRECTED,
            note="invitation address corrected",
            client_address=client_address,
        )
    _close_invitation(invitation, "corrected")
    record_event(
        action=AuditEvent.Action.INVITATION_CORRECTED,
        actor=staff,
        from_account=old_account,
        to_account=new_account,
        note=f"store {store.pk}: {len(registrations)} units",
        client_address=client_address,
    )
    send_email(
        "invitation_corrected",
        to=old_account,
        context={"store": store, "units": [r.unit for r in registrations]},
    )
    return new_account


@transaction.atomic
def cancel_invitation(*, invitation, store, staff, client_address=None):
    """Nobody claims the invitation: release this store's units so they can be registered."""
    invitation = _lock_open_invitation(invitation, store, stale=True)
    registrations = list(selectors.registrations_under_invitation(invitation))
    for registration in registrations:
        release_unit(
            unit=registration.unit,
            actor=staff,
            owner=invitation.account,
            end_reason=Registration.EndReason.INVITATION_CANCELLED,
            note="invitation cancelled by the store",
            client_address=client_address,
        )
    _close_invitation(invitation, "cancelled")
    record_event(
        action=AuditEvent.Action.INVITATION_CANCELLED,
        actor=staff,
        from_account=invitation.account,
        note=f"store {store.pk}: {len(registrations)} units",
        client_address=client_address,
    )
    send_email(
        "invitation_cancelled",
        to=invitation.account,
        context={"store": store, "units": [r.unit for r in registrations]},
    )
    return invitation


def _close_invitation(invitation, reason):
    invitation.closed_at = timezone.now()
    invitation.closed_reason = reason
    invitation.save(update_fields=["closed_at", "closed_reason"])


def mark_invitations_accepted(user):
    Invitation.objects.filter(account=user, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )


# --- Customer look-up by e-mail -------------------------------------------------------------


TOO_MANY_LOOKUPS = _(
    "Too many customer look-ups. Start from the faulty unit's code, or try again later."
)


def _lookup_limit():
    return Limit(
        "counter-customer-lookup",
        settings.COUNTER_CUSTOMER_LOOKUPS_PER_HOUR,
        datetime.timedelta(hours=1),
    )


@transaction.atomic
def look_up_customer(*, store, staff, email, client_address=None):
    """The customer's units in service, for a swap started from their e-mail (audited and
    rate-limited per staff member). Returns (customer or None, units)."""
    limit = _lookup_limit()
    if limit.hit(str(staff.pk)) > limit.limit:
        raise RegistryError("too_many_lookups", TOO_MANY_LOOKUPS)
    customer = User.objects.find_by_email(email)
    record_event(
        action=AuditEvent.Action.CUSTOMER_LOOKED_UP,
        actor=staff,
        to_account=customer,
        note=f"store {store.pk}: {'found' if customer else 'no account'}",
        client_address=client_address,
    )
    if customer is None:
        return None, []
    units = list(
        Unit.objects.filter(registrations__account=customer, registrations__ended_at__isnull=True)
        .select_related("product_model", "kit")
        .order_by("kit_id", "-kind")
    )
    return customer, units


def check_owners_asked(*, store, staff, units, email, client_address=None):
    """A sale or swap of ``units`` (a queryset) answers, for those someone owns, whether
    ``email`` owns them: each is an ownership check."""
    # Not units.filter(registrations__ended_at__isnull=True): that is a LEFT JOIN, which also
    # matches a free unit (no registration at all), and would count every sale as a check.
    owned = Registration.objects.filter(unit=OuterRef("pk"), ended_at__isnull=True)
    for unit in units.filter(Exists(owned)).order_by("pk"):
        record_ownership_check(
            store=store, staff=staff, unit=unit, email=email, client_address=client_address
        )


def record_ownership_check(*, store, staff, unit, email, client_address=None):
    """A swap's details step compared a customer's e-mail with a unit's owner, which answers
    "does this e-mail own this unit?": limited per staff member and audited like the e-mail
    look-up. Asking the same again within the hour reveals nothing new and is not counted.
    Not atomic on purpose: a refused check must still count."""
    note = f"store {store.pk}: {email.lower()}"
    asked_before = AuditEvent.objects.filter(
        action=AuditEvent.Action.OWNERSHIP_CHECKED,
        actor=staff,
        unit=unit,
        note=note,
        created_at__gte=timezone.now() - datetime.timedelta(hours=1),
    ).exists()
    limit = _lookup_limit()
    if not asked_before and limit.hit(str(staff.pk)) > limit.limit:
        raise RegistryError(
            "too_many_lookups",
            _(
                "Too many checks of who owns a unit from this counter account. Try again in an "
                "hour, or ask the customer to contact customer support."
            ),
        )
    # One unit tried against address after address (at any counter) is someone guessing
    # its owner: a few different addresses a day, then no more answers for that unit.
    per_unit = Limit(
        "counter-owner-check-unit",
        settings.COUNTER_OWNER_CHECKS_PER_UNIT_PER_DAY,
        datetime.timedelta(days=1),
    )
    if not asked_before and per_unit.hit(str(unit.pk)) > per_unit.limit:
        raise RegistryError(
            "too_many_lookups",
            _(
                "This unit has been checked against several e-mail addresses today. Ask the "
                "customer to look up their account's address in the portal, or to contact "
                "customer support."
            ),
        )
    record_event(
        action=AuditEvent.Action.OWNERSHIP_CHECKED,
        actor=staff,
        unit=unit,
        to_account=User.objects.find_by_email(email),
        note=note,
        client_address=client_address,
    )


# --- Complaint replacement ------------------------------------------------------------------


def check_faulty_unit(unit, customer_email):
    """Why ``unit`` cannot be swapped for this customer (RegistryError), or its open
    registration (None when nobody owns it yet)."""
    if unit.status == Unit.Status.RETURNED_DEFECTIVE:
        raise RegistryError(
            "already_returned", _("This unit has already been returned in a complaint.")
        )
    if unit.status != Unit.Status.IN_SERVICE:
        raise RegistryError("not_in_service", _("This unit is retired and cannot be swapped."))
    if unit.lost_or_stolen:
        raise RegistryError(
            "flagged",
            _(
                "This unit is reported lost or stolen and cannot be swapped. The customer should "
                "contact customer support."
            ),
        )
    registration = open_registration(unit)
    if registration is not None and not same_address(registration.account.email, customer_email):
        raise RegistryError(
            "registered_elsewhere",
            _(
                "This unit is registered to another account, not to this e-mail. The customer "
                "can ask the owner to release it in the portal, or contact customer support."
            ),
        )
    return registration


def check_replacement_unit(replacement, faulty):
    if replacement.pk == faulty.pk:
        raise RegistryError("same_unit", _("Scan a different unit as the replacement."))
    if replacement.kind != faulty.kind:
        raise RegistryError(
            "wrong_kind",
            _("The replacement must be a %(kind)s, like the faulty unit.")
            % {"kind": faulty.get_kind_display()},
        )
    if replacement.status != Unit.Status.IN_SERVICE:
        raise RegistryError(
            "replacement_returned",
            _("This replacement has been returned or retired: take another."),
        )
    if replacement.lost_or_stolen:
        raise RegistryError(
            "replacement_flagged", _("This replacement is reported lost or stolen: take another.")
        )
    if open_registration(replacement) is not None:
        raise RegistryError(
            "replacement_registered",
            _("This replacement is already registered to an account: take another."),
        )


def is_out_of_warranty(unit, today=None):
    until = unit.warranty_until
    return until is not None and until < (today or timezone.localdate())


@transaction.atomic
def replace_unit(
    *,
    store,
    staff,
    faulty_unit,
    replacement_unit,
    customer_email,
    reason,
    note="",
    accept_out_of_warranty=False,
    client_address=None,
):
    """Swap a faulty unit for a replacement in one transaction and e-mail the receipt.

    A faulty unit nobody owns is first registered to the customer's e-mail (an invited
    account if new); the replacement inherits the faulty unit's warranty start.
    """
    # Both rows locked in one consistent order, so two counters never deadlock.
    locked = {
        u.pk: u
        for u in Unit.objects.select_for_update()
        .filter(pk__in=[faulty_unit.pk, replacement_unit.pk])
        .order_by("pk")
    }
    faulty, replacement = locked[faulty_unit.pk], locked[replacement_unit.pk]
    registration = check_faulty_unit(faulty, customer_email)
    check_replacement_unit(replacement, faulty)
    out_of_warranty = is_out_of_warranty(faulty)
    if out_of_warranty and not (accept_out_of_warranty and note.strip()):
        raise RegistryError(
            "out_of_warranty",
            _(
                "This unit's warranty ended on %(date)s. To swap it anyway, confirm and write a "
                "note."
            )
            % {"date": faulty.warranty_until},
        )
    if registration is None:
        customer, _invitation = find_or_invite_customer(
            email=customer_email, store=store, staff=staff
        )
        registration = register_unit(
            unit=faulty,
            account=customer,
            actor=staff,
            source=Registration.Source.STORE_SALE,
            store=store,
            client_address=client_address,
            note="registered at a complaint",
        )
        faulty.warranty_start = registration.unit.warranty_start
    else:
        customer = registration.account

    end_registration(registration, Registration.EndReason.REPLACED)
    faulty.status = Unit.Status.RETURNED_DEFECTIVE
    faulty.save(update_fields=["status"])
    record_event(
        action=AuditEvent.Action.REPLACED,
        actor=staff,
        unit=faulty,
        from_account=customer,
        note=f"{reason}: {note}".strip(": "),
        client_address=client_address,
    )
    replacement_registration = register_unit(
        unit=replacement,
        account=customer,
        actor=staff,
        source=Registration.Source.REPLACEMENT,
        store=store,
        warranty_start=faulty.warranty_start,
        replaces=faulty,
        client_address=client_address,
        note=f"replaces {faulty.production_code}",
    )
    claim = Claim.objects.create(
        customer=customer,
        store=store,
        staff=staff,
        faulty_unit=faulty,
        replacement_unit=replacement,
        kit_id=replacement_registration.unit.stands_in_kit_id,
        reason=reason,
        note=note.strip(),
        out_of_warranty=out_of_warranty,
    )
    replacement.warranty_start = replacement_registration.unit.warranty_start  # inherited
    send_email("claim_receipt", to=customer, context={"claim": claim})
    return claim

"""Who serves at a store: people join and leave a store's staff only through these, each
an audit event announced to the store's contact address and to the supervisors; nobody adds
themselves."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_email
from accounts.models import StoreMembership, User
from accounts.services import set_password_url
from devices.models import AuditEvent
from devices.services import RegistryError, record_event
from support import roles


def _announce_store_staff_change(membership, actor, summary):
    """Store staff act on customers' devices: the store and the supervisors hear of every
    person who starts or stops serving there."""
    context = {"membership": membership, "actor": actor, "summary": summary}
    if membership.store.contact_email:
        send_email("store_staff_announced", to=membership.store.contact_email, context=context)
    for person in roles.supervisors_and_superusers(excluding=[actor, membership.user]):
        send_email("store_staff_announced", to=person, context=context)


def _check_not_own_membership(actor, email):
    if actor is not None and actor.email.lower() == User.objects.normalize_email(email).lower():
        raise RegistryError(
            "own_membership", _("Nobody adds themselves to a store: ask another supervisor.")
        )


@transaction.atomic
def add_store_staff(*, store, email, actor=None, client_address=None):
    """Make ``email`` staff of ``store``; a new person gets an account and a set-password link.
    Returns (user, invited). ``actor`` None: the operator's command line."""
    _check_not_own_membership(actor, email)
    user = User.objects.find_by_email(email)
    invited = user is None
    if invited:
        user = User.objects.create_user(email, None)
        send_email(
            "staff_invitation",
            to=user,
            context={"store": store},
            action_url=set_password_url(user),
            action_label=_("Choose a password"),
            secret=True,
        )
    membership, created = StoreMembership.objects.get_or_create(store=store, user=user)
    if not invited and (created or not membership.is_active):
        send_email("store_staff_added", to=user, context={"store": store})
    if created or not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        summary = f"{user.email} added to the staff of {store.name}"
        record_event(
            action=AuditEvent.Action.STORE_STAFF_CHANGED,
            actor=actor,
            to_account=user,
            note=f"store {store.pk}: {summary}",
            client_address=client_address,
        )
        _announce_store_staff_change(membership, actor, summary)
    return user, invited


@transaction.atomic
def set_store_membership_active(*, membership, actor, active, client_address=None):
    """Take a person off a store's staff (or back on); their counter pages close at once."""
    membership = (
        StoreMembership.objects.select_for_update(of=("self",))
        .select_related("store", "user")
        .get(pk=membership.pk)
    )
    if actor.pk == membership.user_id:
        raise RegistryError(
            "own_membership",
            _("Nobody changes their own store membership: ask another supervisor."),
        )
    if membership.is_active == active:
        return membership
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    verb = "added back to" if active else "removed from"
    summary = f"{membership.user.email} {verb} the staff of {membership.store.name}"
    record_event(
        action=AuditEvent.Action.STORE_STAFF_CHANGED,
        actor=actor,
        from_account=None if active else membership.user,
        to_account=membership.user if active else None,
        note=f"store {membership.store_id}: {summary}",
        client_address=client_address,
    )
    _announce_store_staff_change(membership, actor, summary)
    return membership

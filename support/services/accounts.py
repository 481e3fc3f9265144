"""What the support centre does to accounts and staff, one transaction each.

Least privilege: agents and supervisors never set or learn a password (they may send the
account's own address a reset link), never edit a customer's profile, and change a customer's
e-mail address only by a verified request that waits out the owner's objection window. The
privilege fields (active, support-centre access, superuser, groups) are changed by a superuser
only, and never on their own account. Every action is an audit event and the people
concerned are told.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.emails import send_email
from accounts.models import AccountEmailChange, User
from accounts.services import (
    send_password_link,
    send_verification_email,
    set_password_url,
)
from devices.models import AuditEvent, Case, OwnershipChange
from devices.services import RegistryError, record_event
from portal.links import absolute_url
from support import roles
from support.services.ownership import (
    apply_due_requests,
    check_may_apply,
    check_may_cancel,
    check_verification,
    lock_pending_request,
)


def _lock_account(account):
    return User.objects.select_for_update().get(pk=account.pk)


# --- Finding and reading accounts -----------------------------------------------------------


def record_account_search(*, agent, term, found, client_address=None):
    record_event(
        action=AuditEvent.Action.ACCOUNT_SEARCHED,
        actor=agent,
        from_account=found,
        note=term[:500],  # the action says "searched"; the note is what was typed
        client_address=client_address,
    )


def record_search(*, agent, results, client_address=None):
    """Who searched the support centre for what, and what a single match was."""
    record_event(
        action=AuditEvent.Action.SEARCHED,
        actor=agent,
        unit=results.units[0] if len(results.units) == 1 else None,
        from_account=results.accounts[0] if len(results.accounts) == 1 else None,
        note=results.term[:500],
        client_address=client_address,
    )


def record_account_view(*, agent, account, client_address=None):
    record_event(
        action=AuditEvent.Action.ACCOUNT_VIEWED,
        actor=agent,
        from_account=account,
        client_address=client_address,
    )


# --- Passwords and second factors ----------------------------------------------------------


@transaction.atomic
def send_password_reset_link(*, account, agent, client_address=None):
    """The only thing support does about a password: the account's own address gets a link."""
    if not account.is_active:
        raise RegistryError("inactive", _("This account is deactivated."))
    send_password_link(account)
    record_event(
        action=AuditEvent.Action.PASSWORD_RESET_SENT,
        actor=agent,
        from_account=account,
        client_address=client_address,
    )


def _check_superuser_on_someone_else(actor, account):
    if not actor.is_superuser:
        raise RegistryError("superuser_only", _("Only a superuser may do this."))
    if actor.pk == account.pk:
        raise RegistryError(
            "own_account", _("Nobody changes their own access: ask another superuser.")
        )


@transaction.atomic
def reset_second_factor(*, account, actor, client_address=None):
    """A staff member lost their authenticator: they set up a new one at next sign-in."""
    _check_superuser_on_someone_else(actor, account)
    account = _lock_account(account)
    TOTPDevice.objects.filter(user=account).delete()
    StaticDevice.objects.filter(user=account).delete()
    account.end_all_sessions()
    account.save(update_fields=["session_epoch"])
    record_event(
        action=AuditEvent.Action.SECOND_FACTOR_RESET,
        actor=actor,
        from_account=account,
        client_address=client_address,
    )
    send_email("second_factor_reset", to=account)


# --- Staff access ---------------------------------------------------------------------------


def describe_access(account, groups):
    names = sorted(group.name for group in groups)
    return {
        "active": account.is_active,
        "support-centre access": account.is_staff,
        "superuser": account.is_superuser,
        "groups": ", ".join(names) or "-",
    }


@transaction.atomic
def change_staff_access(
    *, account, actor, is_active, is_staff, is_superuser, groups, client_address=None
):
    """Grant or take away support-centre access. Returns the list of changed fields.

    Deactivating someone ends their sessions at once; their pending support requests stay
    for a supervisor to cancel or apply (the account page lists them)."""
    _check_superuser_on_someone_else(actor, account)
    account = _lock_account(account)
    groups = list(groups)
    before = describe_access(account, account.groups.all())
    account.is_active, account.is_staff, account.is_superuser = is_active, is_staff, is_superuser
    after = describe_access(account, groups)
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return []
    fields = ["is_active", "is_staff", "is_superuser", "supervisor_since"]
    supervisor = any(group.name == roles.SUPERVISORS for group in groups)
    if not supervisor:
        account.supervisor_since = None
    elif account.supervisor_since is None:
        account.supervisor_since = timezone.now()
    if not is_active or not is_staff:
        account.end_all_sessions()  # a former agent must not keep an open support session
        fields.append("session_epoch")
    account.save(update_fields=fields)
    account.groups.set(groups)
    summary = "; ".join(f"{name}: {before[name]} → {after[name]}" for name in changed)
    record_event(
        action=AuditEvent.Action.STAFF_ACCESS_CHANGED,
        actor=actor,
        from_account=account,
        note=summary,
        client_address=client_address,
    )
    context = {"account": account, "actor": actor, "summary": summary}
    if not (is_active and is_staff):
        # What they asked for still waits: the supervisors decide whether it stands.
        pending = pending_requests_of(account)
        context["pending"] = [*pending["ownership_changes"], *pending["email_changes"]]
    send_email("staff_access_changed", to=account, context=context)
    for person in roles.supervisors_and_superusers(excluding=[account, actor]):
        send_email("staff_access_announced", to=person, context=context)
    return changed


@transaction.atomic
def create_staff_account(*, email, full_name, actor, client_address=None):
    """A superuser adds a person; they choose their own password from the e-mailed link,
    and get support-centre access on the account page (a separate, announced step)."""
    if not actor.is_superuser:
        raise RegistryError("superuser_only", _("Only a superuser may do this."))
    if User.objects.find_by_email(email) is not None:
        raise RegistryError("exists", _("An account with this address exists already."))
    account = User.objects.create_user(email, None, full_name=full_name)
    send_email(
        "staff_account_created",
        to=account,
        action_url=set_password_url(account),
        action_label=_("Choose a password"),
        secret=True,
    )
    record_event(
        action=AuditEvent.Action.STAFF_ACCESS_CHANGED,
        actor=actor,
        from_account=account,
        note="account created",
        client_address=client_address,
    )
    return account


def pending_requests_of(account):
    """What a (former) staff member asked for that still waits: a supervisor decides."""
    return {
        "ownership_changes": OwnershipChange.objects.filter(
            requested_by=account, status=OwnershipChange.Status.PENDING
        ).select_related("unit"),
        "email_changes": AccountEmailChange.objects.filter(
            requested_by=account, status=AccountEmailChange.Status.PENDING
        ).select_related("account"),
    }


# --- E-mail address changes requested through support ---------------------------------------

EMAIL_OBJECTION_SALT = "support.services.email_objection"


def email_objection_url(change):
    token = signing.dumps(change.pk, salt=EMAIL_OBJECTION_SALT)
    return absolute_url(reverse("support:object_to_email_change", args=[token]))


def email_change_for_objection_token(token):
    max_age = (settings.OBJECTION_WINDOW_HOURS + 24 * 30) * 3600
    try:
        pk = signing.loads(token, salt=EMAIL_OBJECTION_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return AccountEmailChange.objects.select_related("account").filter(pk=pk).first()


def is_staff_of_any_kind(account):
    """Support-centre or store staff: their address is a key to other people's devices."""
    return (
        account.is_staff
        or account.is_superuser
        or account.store_memberships.filter(is_active=True).exists()
    )


@transaction.atomic
def request_email_change(
    *, account, agent, new_email, verification_method, note, client_address=None
):
    """The customer cannot reach their old mailbox: support asks to change the address.
    The old address is e-mailed a link to object; nothing changes before the window ends."""
    check_verification(verification_method, note)
    account = _lock_account(account)
    if agent.pk == account.pk:
        raise RegistryError("own_account", _("Nobody changes their own account here."))
    if is_staff_of_any_kind(account) and not agent.is_superuser:
        raise RegistryError(
            "staff_account", _("A staff member's address is changed by a superuser.")
        )
    new_email = User.objects.normalize_email(new_email)
    if new_email.lower() == account.email.lower():
        raise RegistryError("same_address", _("That is the account's address already."))
    if User.objects.find_by_email(new_email) is not None:
        raise RegistryError("address_taken", _("Another account has this address."))
    if AccountEmailChange.objects.filter(account=account, status="pending").exists():
        raise RegistryError("pending", _("A change of this address is already waiting."))
    if Case.objects.filter(
        account=account, kind=Case.Kind.EMAIL_OBJECTION, status=Case.Status.OPEN
    ).exists():
        raise RegistryError(
            "objection_open",
            _(
                "The owner objected to a change of this address and a supervisor has not "
                "decided the objection yet."
            ),
        )
    change = AccountEmailChange.objects.create(
        account=account,
        from_email=account.email,
        to_email=new_email,
        verification_method=verification_method,
        note=note.strip(),
        requested_by=agent,
        effective_at=timezone.now() + datetime.timedelta(hours=settings.OBJECTION_WINDOW_HOURS),
    )
    record_event(
        action=AuditEvent.Action.EMAIL_CHANGE_REQUESTED,
        actor=agent,
        from_account=account,
        note=f"{change.from_email} → {change.to_email}: {change.note}",
        verification_method=verification_method,
        client_address=client_address,
    )
    send_email(
        "email_change_requested",
        to=account,
        context={"change": change, "hours": settings.OBJECTION_WINDOW_HOURS},
        action_url=email_objection_url(change),
        action_label=_("I object"),
        security_notice=True,
    )
    return change


@transaction.atomic
def object_to_email_change(*, change, client_address=None):
    change = lock_pending_request(change, "account")
    change.close(AccountEmailChange.Status.OBJECTED, None)
    Case.objects.get_or_create(
        kind=Case.Kind.EMAIL_OBJECTION,
        account=change.account,
        email_change=change,
        status=Case.Status.OPEN,
    )
    record_event(
        action=AuditEvent.Action.EMAIL_CHANGE_OBJECTED,
        actor=change.account,
        from_account=change.account,
        note=f"{change.from_email} → {change.to_email}",
        client_address=client_address,
    )
    return change


@transaction.atomic
def cancel_email_change(*, change, actor, note, client_address=None):
    change = lock_pending_request(change, "account")
    check_may_cancel(change, actor, note)
    change.close(AccountEmailChange.Status.CANCELLED, actor, note)
    record_event(
        action=AuditEvent.Action.EMAIL_CHANGE_CANCELLED,
        actor=actor,
        from_account=change.account,
        note=note.strip(),
        client_address=client_address,
    )
    send_email("email_change_cancelled", to=change.account, context={"change": change})
    return change


@transaction.atomic
def apply_email_change(*, change, actor=None, note="", client_address=None):
    """After the window (``actor`` None: the periodic job), or at once by a supervisor other
    than the requester. The new address must then be verified by its mailbox's owner, who
    chooses the password: every session of the account ends."""
    change = lock_pending_request(change, "account")
    check_may_apply(change, actor, note)
    account = _lock_account(change.account)
    taken = User.objects.find_by_email(change.to_email)
    if account.email != change.from_email or (taken is not None and taken.pk != account.pk):
        change.close(AccountEmailChange.Status.CANCELLED, None, "the address changed meanwhile")
        return change
    old_account_view = User(email=account.email, language=account.language)
    account.email = change.to_email
    account.email_verified_at = None
    account.end_all_sessions()
    account.save(update_fields=["email", "email_verified_at", "session_epoch"])
    change.close(AccountEmailChange.Status.APPLIED, actor, note)
    record_event(
        action=AuditEvent.Action.EMAIL_CHANGED,
        actor=actor,
        from_account=account,
        note=f"{change.from_email} → {change.to_email} (support request #{change.pk})",
        client_address=client_address,
    )
    send_email("email_change_applied", to=old_account_view, context={"change": change})
    send_verification_email(account)
    return change


def apply_due_email_changes(now=None):
    return apply_due_requests(AccountEmailChange, apply_email_change, now)

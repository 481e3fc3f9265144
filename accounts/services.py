"""Account operations that send e-mail or touch ownership: one transaction each."""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts import addresses
from accounts.emails import send_email
from accounts.models import User
from accounts.ratelimit import Limit
from accounts.signals import account_event, account_secured
from accounts.tokens import email_verification_token, make_email_change_token
from portal.links import absolute_url


def _uid(user):
    return urlsafe_base64_encode(force_bytes(user.pk))


def set_password_url(user):
    """A one-time link to choose a password (password reset; invitations use it too)."""
    return absolute_url(
        reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": _uid(user), "token": default_token_generator.make_token(user)},
        )
    )


def send_password_link(user):
    """The account's own address gets a link to choose a new password (never anyone else:
    support may send it, never set a password itself)."""
    send_email(
        "password_reset",
        to=user,
        action_url=set_password_url(user),
        action_label=_("Choose a new password"),
        secret=True,
    )


def send_verification_email(user):
    url = absolute_url(
        reverse(
            "accounts:verify_email",
            kwargs={"uidb64": _uid(user), "token": email_verification_token.make_token(user)},
        )
    )
    send_email(
        "verify_email", to=user, action_url=url, action_label=_("Verify my e-mail"), secret=True
    )


def _email_limits():
    window = datetime.timedelta(minutes=settings.ACCOUNT_EMAILS_WINDOW_MINUTES)
    return (
        Limit("account-emails-recipient", settings.ACCOUNT_EMAILS_PER_RECIPIENT, window),
        Limit("account-emails-address", settings.ACCOUNT_EMAILS_PER_ADDRESS, window),
    )


def account_email_allowed(*, email, client_address):
    """Count one account e-mail (sign-up, reset, verification) to ``email`` asked from
    ``client_address``; False past either limit. The same two queries whatever the address,
    known or not, limited or not, so neither the answer nor its timing tells anything."""
    per_recipient, per_address = _email_limits()
    # The counter table needs no readable address: a digest of its comparable form.
    recipient = hashlib.sha256(addresses.comparable(email).encode()).hexdigest()[:40]
    recipient_hits = per_recipient.hit(recipient)
    address_hits = per_address.hit(client_address or "unknown")
    return recipient_hits <= per_recipient.limit and address_hits <= per_address.limit


@transaction.atomic
def send_password_reset(email):
    """E-mail a set-password link if ``email`` has an active account (invited ones too)."""
    user = User.objects.find_by_email(email)
    if user is not None and user.is_active:
        send_password_link(user)


@transaction.atomic
def sign_up(*, full_name, email, password, language):
    """Create an account and send the verification link; for a known address, e-mail it a
    sign-in or set-password link instead. The caller answers the same either way, and calls
    this after its answer is sent (``portal.after_response``). The form asked for agreement to
    the current terms and the adult confirmation; a new account records both."""
    existing = User.objects.find_by_email(email)
    if existing is None:
        try:
            with transaction.atomic():
                now = timezone.now()  # the sign-up form asked for both agreements
                user = User.objects.create_user(
                    email,
                    password,
                    full_name=full_name,
                    language=language,
                    terms_version=settings.TERMS_VERSION,
                    terms_accepted_at=now,
                    adult_confirmed_at=now,
                )
        except IntegrityError:  # the same address signed up a moment ago
            existing = User.objects.find_by_email(email)
        else:
            send_verification_email(user)
            return user
    # The same work as a new sign-up, so even the time a worker stays busy reveals nothing.
    make_password(password)
    if existing is None or not existing.is_active:
        return None
    if existing.has_usable_password() and existing.has_verified_email:
        send_email(
            "sign_up_existing",
            to=existing,
            action_url=absolute_url(reverse("accounts:sign_in")),
            action_label=_("Sign in"),
            context={"reset_url": absolute_url(reverse("accounts:password_reset"))},
        )
    elif existing.has_usable_password():
        # Signed up but never verified (perhaps by someone else): the verification link lets
        # the mailbox's owner choose the password.
        send_verification_email(existing)
    else:
        send_email(
            "sign_up_invited",
            to=existing,
            action_url=set_password_url(existing),
            action_label=_("Choose a password"),
            secret=True,
        )
    return None


def _record(action, *, account, actor=None, note="", client_address=None):
    account_event.send(
        sender=User,
        action=action,
        actor=actor or account,
        account=account,
        note=note,
        client_address=client_address,
    )


# --- "This wasn't me" ------------------------------------------------------------------------


@transaction.atomic
def secure_account(*, user, client_address=None):
    """Every session of the account ends, and its own address gets a link to choose a new
    password: what the "this wasn't me" link in every security e-mail does."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _lock_out_until_new_password(user)
    _record(
        "sessions_ended", account=user, note="'this was not me' link", client_address=client_address
    )
    send_password_link(user)
    return user


def _lock_out_until_new_password(user, *fields):
    """Whoever took the account is out: every session ends, the password stops working (only
    the e-mailed link sets a new one) and pending handover codes are cancelled (the registry
    listens to ``account_secured``)."""
    user.end_all_sessions()
    user.set_unusable_password()
    user.save(update_fields=["session_epoch", "password", *fields])
    account_secured.send(sender=User, account=user)


def password_changed(*, user, client_address=None):
    """Tell the account its password changed (audited), with what to do if it wasn't them."""
    _record("password_changed", account=user, client_address=client_address)
    send_email("password_changed", to=user, security_notice=True)


# --- The customer changes their own e-mail address -------------------------------------------


def request_own_email_change(*, user, new_email, client_address=None):
    """Send the new address a link that confirms it. Whether another account uses that
    address is never shown: that mailbox is told instead, and the answer is the same."""
    taken = User.objects.find_by_email(new_email)
    if taken is not None and taken.pk != user.pk:
        send_email("email_change_address_taken", to=taken)
        return
    token = make_email_change_token(
        user, purpose="confirm", old_email=user.email, new_email=new_email
    )
    send_email(
        "email_change_confirm",
        to=User(email=new_email, language=user.language, time_zone=user.time_zone),
        context={"account": user, "hours": settings.EMAIL_CHANGE_LINK_HOURS},
        action_url=absolute_url(reverse("accounts:confirm_email_change", args=[token])),
        action_label=_("Use this address"),
        secret=True,
    )


@transaction.atomic
def confirm_own_email_change(*, user, old_email, new_email, client_address=None):
    """The new mailbox's owner, signed in to the account, confirms: the address changes; the
    old address is told, with a link to undo it."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email != old_email:
        raise AccountError(_("This link is for an earlier change of your address."))
    try:
        with transaction.atomic():
            user.email = new_email
            user.email_verified_at = timezone.now()  # the link proved the new mailbox
            user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError:
        raise AccountError(_("This address is no longer available.")) from None
    _record(
        "email_changed",
        account=user,
        note=f"{old_email} → {new_email}",
        client_address=client_address,
    )
    undo = make_email_change_token(user, purpose="undo", old_email=old_email, new_email=new_email)
    send_email(
        "email_changed",
        to=User(email=old_email, language=user.language, time_zone=user.time_zone),
        context={"new_email": addresses.masked(new_email)},
        action_url=absolute_url(reverse("accounts:undo_email_change", args=[undo])),
        action_label=_("This was not me: undo it"),
        secret=True,
    )
    return user


@transaction.atomic
def undo_email_change(*, user, old_email, new_email, client_address=None):
    """The old address's owner undoes a change: the address is theirs again, whoever changed
    it is locked out, and a link to choose a new password goes to it. It works however many
    times the address was changed since (whoever took the account may have changed it again)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    check_undo_possible(user, old_email)
    changed_to = user.email
    user.email = old_email
    user.email_verified_at = timezone.now()  # the link proved the old mailbox
    _lock_out_until_new_password(user, "email", "email_verified_at")
    _record(
        "email_change_undone",
        account=user,
        note=f"{changed_to} → {old_email} (changed to {new_email} first)",
        client_address=client_address,
    )
    send_password_link(user)
    return user


def check_undo_possible(user, old_email):
    """AccountError unless the account can get ``old_email`` back now."""
    if addresses.same_address(user.email, old_email):
        raise AccountError(_("The account already uses this address again."))
    taken = User.objects.find_by_email(old_email)
    if taken is not None and taken.pk != user.pk:
        raise AccountError(
            _("The old address is used by another account; contact customer support.")
        )


class AccountError(Exception):
    """An account operation cannot be done; ``message`` is fit for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def accept_terms(user):
    """The account agrees to the current terms of use and privacy notice (as an adult)."""
    user.accept_terms()
    user.save(update_fields=["terms_version", "terms_accepted_at", "adult_confirmed_at"])

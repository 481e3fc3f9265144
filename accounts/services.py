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
from django.utils.translation import gettext as _

from accounts import addresses
from accounts.emails import send_email
from accounts.models import User
from accounts.ratelimit import Limit
from accounts.tokens import email_verification_token


def absolute_url(path):
    return settings.SITE_URL.rstrip("/") + path


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


def send_verification_email(user):
    url = absolute_url(
        reverse(
            "accounts:verify_email",
            kwargs={"uidb64": _uid(user), "token": email_verification_token.make_token(user)},
        )
    )
    send_email("verify_email", to=user, action_url=url, action_label=_("Verify my e-mail"))


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
        send_email(
            "password_reset",
            to=user,
            action_url=set_password_url(user),
            action_label=_("Choose a new password"),
        )


@transaction.atomic
def sign_up(*, full_name, email, password, language):
    """Create an account and send the verification link; for a known address, e-mail it a
    sign-in or set-password link instead. The caller answers the same either way, and calls
    this after its answer is sent (``portal.after_response``)."""
    existing = User.objects.find_by_email(email)
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email, password, full_name=full_name, language=language
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
        )
    return None


@transaction.atomic
def delete_account(*, user, client_address=None):
    """Release every unit (each audited), then deactivate and anonymise the account.

    History rows keep pointing at the (anonymised) account; nothing is deleted.
    """
    from devices.models import AuditEvent, HandoverCode, Registration, TransferRequest
    from devices.services import record_event, release_unit

    user = User.objects.select_for_update().get(pk=user.pk)
    for registration in Registration.objects.filter(account=user, ended_at__isnull=True):
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

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.crypto import salted_hmac


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """One-time e-mail verification links: verifying changes the hash and spends the link."""

    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


# Invitation links (accounts a store created, or registered units to before the address was
# verified): valid INVITATION_DAYS, spent once a password is chosen, because the password
# hash is part of what is signed.
INVITATION_SALT = "accounts.tokens.invitation"


def _password_fingerprint(user):
    return salted_hmac(INVITATION_SALT, user.password, algorithm="sha256").hexdigest()[:16]


def make_invitation_token(user):
    return signing.dumps([user.pk, _password_fingerprint(user)], salt=INVITATION_SALT)


def user_for_invitation_token(token):
    """The invited account the token was made for, or None (forged, expired or spent).

    Invited means without a password or with an unverified address: a password chosen at
    sign-up by someone who never proved the address gives way to the mailbox owner's."""
    from accounts.models import User

    try:
        pk, fingerprint = signing.loads(
            token, salt=INVITATION_SALT, max_age=settings.INVITATION_DAYS * 24 * 3600
        )
        user = User.objects.get(pk=pk, is_active=True)
    except (signing.BadSignature, ValueError, TypeError, User.DoesNotExist):
        return None
    invited = not user.has_usable_password() or not user.has_verified_email
    if not invited or _password_fingerprint(user) != fingerprint:
        return None
    return user


# Links that undo something and secure the account: "this wasn't me" (every session ends,
# a password link goes to the account's address) and "undo this e-mail change". The
# fingerprint holds the session epoch and the address, so a link is spent once used and after
# the address changes.
NOT_ME_SALT = "accounts.tokens.not_me"
EMAIL_CHANGE_SALT = "accounts.tokens.email_change"


def _session_fingerprint(user):
    value = f"{user.session_epoch}:{user.email}"
    return salted_hmac(NOT_ME_SALT, value, algorithm="sha256").hexdigest()[:16]


def make_not_me_token(user):
    return signing.dumps([user.pk, _session_fingerprint(user)], salt=NOT_ME_SALT)


def user_for_not_me_token(token):
    from accounts.models import User

    try:
        pk, fingerprint = signing.loads(
            token, salt=NOT_ME_SALT, max_age=settings.NOT_ME_LINK_DAYS * 24 * 3600
        )
        user = User.objects.get(pk=pk, is_active=True)
    except (signing.BadSignature, ValueError, TypeError, User.DoesNotExist):
        return None
    return user if _session_fingerprint(user) == fingerprint else None


def make_email_change_token(user, *, purpose, old_email, new_email):
    """``confirm`` (sent to the new address) or ``undo`` (sent to the old one)."""
    return signing.dumps([purpose, user.pk, old_email, new_email], salt=EMAIL_CHANGE_SALT)


def email_change_for_token(token, *, purpose, max_age):
    """(account, old address, new address) the token was made for, or None."""
    from accounts.models import User

    try:
        made_for, pk, old_email, new_email = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=max_age
        )
        user = User.objects.get(pk=pk, is_active=True)
    except (signing.BadSignature, ValueError, TypeError, User.DoesNotExist):
        return None
    return (user, old_email, new_email) if made_for == purpose else None

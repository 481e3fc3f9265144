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

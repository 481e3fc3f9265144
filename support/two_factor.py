"""Second factor for the support centre: TOTP enrolment and backup codes."""

import base64
import secrets

import segno
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODES = 10


def confirmed_totp(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user):
    """The unconfirmed authenticator being set up (created on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def secret_base32(device):
    return base64.b32encode(device.bin_key).decode()


def qr_data_uri(device):
    """The otpauth:// URL as an SVG QR code (a data: image, allowed by our CSP)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5)


def new_backup_codes(user):
    """Replace the user's backup codes with fresh ones; returns them (shown once)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm(request, device, token):
    """Check the first code from the authenticator; on success the session is verified."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return True

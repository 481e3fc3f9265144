"""The support centre: Django's admin, branded, for support agents and supervisors only,
and only with a second factor (TOTP or a backup code) on top of the password."""

from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class SupportCentreAuthenticationForm(OTPAdminAuthenticationForm):
    """One step: e-mail, password and a code. A six-digit code is checked against the
    authenticator app, anything else against the backup codes, so only that one device is
    charged with a failed attempt."""

    def _chosen_device(self, user):
        if self.cleaned_data.get("otp_device"):
            return super()._chosen_device(user)
        token = (self.cleaned_data.get("otp_token") or "").strip()
        model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
        return model.objects.filter(user=user, confirmed=True).first()


class SupportCentreSite(OTPAdminSite):
    site_header = _("Support centre")
    site_title = _("Support centre")
    index_title = _("Device Registry support centre")
    login_form = SupportCentreAuthenticationForm
    login_template = "admin/support_centre_login.html"

    def __init__(self, name="admin"):
        super().__init__(name)

"""The support centre: Django's admin, branded, for support agents and supervisors only,
and only with a second factor (TOTP or a backup code) on top of the password."""

from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite


class SupportCentreSite(OTPAdminSite):
    site_header = _("Support centre")
    site_title = _("Support centre")
    index_title = _("Device Registry support centre")

    def __init__(self, name="admin"):
        super().__init__(name)

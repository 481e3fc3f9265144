"""The support centre: Django's admin, branded, for support agents and supervisors only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class SupportCentreSite(admin.AdminSite):
    site_header = _("Support centre")
    site_title = _("Support centre")
    index_title = _("Device Registry support centre")

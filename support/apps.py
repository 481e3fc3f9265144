from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """The support centre: its admin pages, account and staff actions, periodic jobs.
    It uses every other app; nothing imports it."""

    name = "support"
    verbose_name = _("Support centre")

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SupportCentreConfig(AdminConfig):
    default_site = "portal.admin.SupportCentreSite"


class PortalConfig(AppConfig):
    """portal/ itself, for its management commands (SupportCentreConfig is the admin app)."""

    name = "portal"

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package, as an app for its management commands (``migrate`` as the owner
    role) and its template tags."""

    name = "portal"

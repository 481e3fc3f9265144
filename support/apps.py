from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """The support centre: its admin pages, services, roles, views and periodic jobs. It uses
    every other app; nothing imports it."""

    name = "support"
    verbose_name = _("Support centre")

    def ready(self):
        from support.roles import ensure_support_groups

        # post_migrate is sent once per app, right after that app's permissions are created;
        # run every time (it is idempotent), so the last run sees every app's permissions.
        post_migrate.connect(ensure_support_groups, dispatch_uid="support.ensure_support_groups")


class SupportCentreAdminConfig(AdminConfig):
    """Django's admin app, with the support centre's site as its default site."""

    default_site = "support.site.SupportCentreSite"

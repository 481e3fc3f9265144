from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Device registry")

    def ready(self):
        from devices.roles import ensure_support_groups

        # After auth has created the permissions of every app (it is listed first).
        post_migrate.connect(
            ensure_support_groups, sender=self, dispatch_uid="devices.ensure_support_groups"
        )

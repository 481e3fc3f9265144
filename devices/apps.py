from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Device registry")

    def ready(self):
        from accounts.signals import account_event, account_secured
        from devices.roles import ensure_support_groups
        from devices.services import cancel_open_handover_codes, record_account_event

        # post_migrate is sent once per app, right after that app's permissions are created;
        # run every time (it is idempotent), so the last run sees every app's permissions.
        post_migrate.connect(ensure_support_groups, dispatch_uid="devices.ensure_support_groups")
        account_event.connect(record_account_event, dispatch_uid="devices.record_account_event")
        account_secured.connect(
            cancel_open_handover_codes, dispatch_uid="devices.cancel_open_handover_codes"
        )

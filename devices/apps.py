from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Device registry")

    def ready(self):
        from accounts.signals import account_event, account_secured
        from devices.services import cancel_open_handover_codes, record_account_event

        account_event.connect(record_account_event, dispatch_uid="devices.record_account_event")
        account_secured.connect(
            cancel_open_handover_codes, dispatch_uid="devices.cancel_open_handover_codes"
        )

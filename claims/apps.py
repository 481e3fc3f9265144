from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Stores and claims")

    def ready(self):
        from accounts.signals import password_set_by_link
        from claims import services, signals  # noqa: F401  (signals registers its receivers)

        def accept_invitations(sender, user, **kwargs):
            services.mark_invitations_accepted(user)

        password_set_by_link.connect(
            accept_invitations, weak=False, dispatch_uid="claims.accept_invitations"
        )

from django.contrib.admin.apps import AdminConfig


class SupportCentreConfig(AdminConfig):
    default_site = "portal.admin.SupportCentreSite"

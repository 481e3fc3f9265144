"""The support centre's admin pages (Django's autodiscovery imports this package)."""

from support.admin import accounts, helpdesk, registry, stores  # noqa: F401  (each registers its pages)

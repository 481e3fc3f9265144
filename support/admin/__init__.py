"""The support centre's admin pages (Django's autodiscovery imports this package)."""

from support.admin import accounts, api_keys, helpdesk, registry, stores  # noqa: F401  (each registers its pages)

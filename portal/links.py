"""Links that leave the site (in e-mails): the path on the site's public address."""

from django.conf import settings


def absolute_url(path):
    return settings.SITE_URL.rstrip("/") + path

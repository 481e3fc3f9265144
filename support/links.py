"""Links to objects' pages in the support centre (for pages and the site's search)."""

from django.urls import reverse
from django.utils.html import format_html


def admin_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def admin_link(obj):
    """A link to an object's page in the support centre (— for none)."""
    if obj is None:
        return "—"
    return format_html('<a href="{}">{}</a>', admin_url(obj), obj)

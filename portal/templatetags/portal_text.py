"""Plain text shown as HTML (e-mails): web links become links, nothing else does."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

_WEB_LINK = re.compile(r"https?://[^\s<>\"]+")


@register.filter(is_safe=True)
def link_web_addresses(text):
    """Escape ``text`` and link its http(s) addresses. Unlike ``urlize``, an e-mail address
    stays text: a masked one ("j***@example.com") must not become a mailto: link."""
    parts, last = [], 0
    for match in _WEB_LINK.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(format_html('<a href="{}">{}</a>', match.group(0), match.group(0)))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))

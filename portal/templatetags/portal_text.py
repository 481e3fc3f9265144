"""Plain text shown as HTML: web links in e-mails, and the contact form wherever a message
says to contact customer support."""

import re

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext_lazy

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


# Every "contact customer support" in a message links to the contact form. Messages come from
# services as plain sentences; their translations keep these words (a test checks the Czech
# catalogue), so the words are found in whichever language the message is in.
SUPPORT_WORDS = pgettext_lazy(
    "the words of 'contact customer support' that link", "customer support"
)


@register.filter(is_safe=True)
def link_contact_support(text):
    """Escape ``text`` (unless already safe) and link its first "customer support"."""
    escaped = conditional_escape(text)
    words = escape(str(SUPPORT_WORDS))
    if words not in escaped:
        return escaped
    link = format_html('<a href="{}">{}</a>', reverse("helpdesk:contact"), mark_safe(words))
    return mark_safe(escaped.replace(words, link, 1))

from django import template

from devices import labels

register = template.Library()


@register.filter
def code128(code):
    """A canonical code as an inline Code 128 SVG (docs/labels.md)."""
    return labels.code128_svg(code)

"""Form rendering shared by the site's templates."""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import template
from django.utils.translation import get_language

register = template.Library()

# (form class, language, prefix, auto_id) -> HTML. Bounded: one entry per form class that
# uses the filter and language.
_blank_forms = {}


@register.filter
def crispy_blank_cached(form):
    """``|crispy``, except that a blank form (not bound, no initial values) of a class that
    declares ``static_blank_rendering = True`` is rendered once per process and language.
    Its HTML is the same for everyone (the CSRF token is outside it), and crispy's field
    templates are the costliest part of the sign-in and add-device pages (~1 ms per form).
    Forms whose fields depend on the request or the database must not declare it."""
    if (
        not getattr(form, "static_blank_rendering", False)
        or form.is_bound
        or form.initial
        or any(field.initial is not None for field in form.fields.values())
    ):
        return as_crispy_form(form)
    key = (type(form), get_language(), form.prefix, form.auto_id)
    html = _blank_forms.get(key)
    if html is None:
        html = _blank_forms[key] = as_crispy_form(form)
    return html

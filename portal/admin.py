"""The support centre: Django's admin, branded, for support agents and supervisors only,
and only with a second factor (TOTP or a backup code) on top of the password."""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class SupportCentreAuthenticationForm(OTPAdminAuthenticationForm):
    """One step: e-mail, password and a code. A six-digit code is checked against the
    authenticator app, anything else against the backup codes, so only that one device is
    charged with a failed attempt."""

    def _chosen_device(self, user):
        if self.cleaned_data.get("otp_device"):
            return super()._chosen_device(user)
        token = (self.cleaned_data.get("otp_token") or "").strip()
        model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
        return model.objects.filter(user=user, confirmed=True).first()


class SupportCentreSite(OTPAdminSite):
    site_header = _("Support centre")
    site_title = _("Support centre")
    index_title = _("Device Registry support centre")
    login_form = SupportCentreAuthenticationForm
    login_template = "admin/support_centre_login.html"

    def __init__(self, name="admin"):
        super().__init__(name)


class DeclaredFiltersOnly:
    """A ModelAdmin mixin: the changelist accepts only the filter parameters its declared
    ``list_filter`` and ``date_hierarchy`` produce.

    Django's own ``lookup_allowed`` lets any lookup on a model's own fields through, so a
    hidden field could still be read one character at a time (``?code__startswith=A``,
    ``?password__startswith=``, ``?email__regex=``). Anything undeclared is a 400.
    """

    show_facets = admin.ShowFacets.NEVER  # facet counts are COUNT(*)s over whole tables

    def lookup_allowed(self, lookup, value, request):
        cache = request.__dict__.setdefault("_declared_filter_parameters", {})
        if type(self) not in cache:
            cache[type(self)] = declared_filter_parameters(self, request)
        return lookup in cache[type(self)]


def declared_filter_parameters(model_admin, request):
    """Every query-string parameter the admin's declared filters understand."""
    parameters = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
            parameters.add(item.parameter_name)
            continue
        if isinstance(item, (list, tuple)):
            field_path, filter_class = item
        else:
            field_path, filter_class = item, admin.FieldListFilter.create
        field = get_fields_from_path(model_admin.model, field_path)[-1]
        spec = filter_class(
            field, request, {}, model_admin.model, model_admin, field_path=field_path
        )
        parameters.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        parameters.update(f"{model_admin.date_hierarchy}__{part}" for part in DATE_PARTS)
    return parameters


DATE_PARTS = ("year", "month", "day")


def form_page(request, model_admin, *, form, title, **context):
    """The one skeleton of every support-centre form page (a confirmation step): the form,
    and whatever it is about (a unit, an account, a store, a case, a change)."""
    return TemplateResponse(
        request,
        "admin/support/form_page.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "form": form,
            "title": title,
            **context,
        },
    )

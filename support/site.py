"""The support centre: Django's admin, branded, for support agents and supervisors only,
and only with a second factor (TOTP or a backup code) on top of the password."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from devices.models import Case
from helpdesk.models import HelpRequest
from portal.client_address import client_address
from portal.replica import replica_reads
from support import search
from support.links import admin_url
from support.services.accounts import record_search

SIGN_IN_REFUSED = _(
    "The e-mail address, the password or the code is not right. Each code from the app "
    "works once; if you have tried several, wait a minute before the next."
)


class SupportCentreAuthenticationForm(OTPAdminAuthenticationForm):
    """One step: e-mail, password and a code. A six-digit code is checked against the
    authenticator app, anything else against the backup codes, so only that one device is
    charged with a failed attempt."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No device picker and no "challenge" button (not even after a wrong code): the kind
        # of device follows from what is typed.
        del self.fields["otp_device"], self.fields["otp_challenge"]
        self.fields["otp_token"].label = _("Code from your authenticator app, or a backup code")
        self.fields["otp_token"].widget.attrs.update(autocomplete="one-time-code")

    def clean(self):
        # One answer for a wrong address, a wrong password, a wrong or missing code and a
        # throttled authenticator: the page must not tell someone who has only the password
        # that it is right.
        try:
            return super().clean()
        except ValidationError as error:
            raise ValidationError(SIGN_IN_REFUSED, code="invalid_login") from error

    def _update_form(self, user):
        """django-otp would now offer a device picker and send the password back in the
        page (``render_value``); neither is wanted."""

    def _chosen_device(self, user):
        token = (self.cleaned_data.get("otp_token") or "").strip()
        model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
        return model.objects.filter(user=user, confirmed=True).first()


QUEUE_COUNT_CAP = 1000  # the home page counts open cases up to "more than 1000", no further


class SupportCentreSite(OTPAdminSite):
    site_header = _("Support centre")
    site_title = _("Support centre")
    index_title = _("Device Registry support centre")
    login_form = SupportCentreAuthenticationForm
    login_template = "admin/support_centre_login.html"

    def __init__(self, name="admin"):
        super().__init__(name)

    def index(self, request, extra_context=None):
        """The home page: the search box and how the case queue stands."""
        extra_context = extra_context or {}
        if request.user.has_perm("devices.view_case"):
            open_cases = Case.objects.filter(status=Case.Status.OPEN).order_by("opened_at")
            count = open_cases[: QUEUE_COUNT_CAP + 1].count()
            extra_context["open_cases"] = min(count, QUEUE_COUNT_CAP)
            extra_context["more_open_cases"] = count > QUEUE_COUNT_CAP
            extra_context["oldest_case"] = open_cases.first()
        if request.user.has_perm("helpdesk.view_helprequest"):
            waiting = HelpRequest.objects.filter(
                Q(account__isnull=False) | Q(email_confirmed_at__isnull=False),
                status=HelpRequest.Status.NEW,
            ).order_by("updated_at")
            count = waiting[: QUEUE_COUNT_CAP + 1].count()
            extra_context["waiting_help_requests"] = min(count, QUEUE_COUNT_CAP)
            extra_context["more_waiting_help_requests"] = count > QUEUE_COUNT_CAP
            extra_context["oldest_help_request"] = waiting.first()
        return super().index(request, extra_context)

    def get_urls(self):
        return [
            path("search/", self.admin_view(self.search_view), name="search"),
            *super().get_urls(),
        ]

    @method_decorator(replica_reads)
    def search_view(self, request):
        """The one search box: a single match opens its page, several are listed by kind.
        Every look-up is recorded (who searched for what); the rows come from the replica
        where there is one."""
        if not (
            request.user.has_perm("devices.view_unit")
            and request.user.has_perm("accounts.view_user")
        ):
            raise PermissionDenied
        results = search.search(request.GET.get("q", ""))
        if results.term:
            record_search(
                agent=request.user, results=results, client_address=client_address(request)
            )
        match = results.only_match
        if match is not None:
            return redirect(admin_url(match))
        return TemplateResponse(
            request,
            "admin/support/search.html",
            {
                **self.each_context(request),
                "title": _("Search"),
                "results": results,
                "search_term": results.term,
            },
        )

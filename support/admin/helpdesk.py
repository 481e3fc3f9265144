"""Help requests in the support centre: the queue of questions waiting for support, the
conversation, and an answer form. Answering and closing go through ``helpdesk.services``
(e-mailed and audited); nothing here changes a unit's owner."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from devices.services import RegistryError
from helpdesk import forms, services
from helpdesk.models import HelpRequest
from portal.client_address import client_address
from support.admin.base import QueueFilter, ReadOnlyAdmin, form_page, typed_address
from support.links import admin_link

CONFIRMED = Q(account__isnull=False) | Q(email_confirmed_at__isnull=False)


class HelpRequestStatusFilter(QueueFilter):
    """The list opens on the queue: requests waiting for support, oldest first."""

    queue_label = QUEUE_LABEL = _("waiting for support")

    def lookups(self, request, model_admin):
        return [
            (HelpRequest.Status.WAITING, _("waiting for the customer")),
            (HelpRequest.Status.ANSWERED, _("answered")),
            (HelpRequest.Status.CLOSED, _("closed")),
            ("unconfirmed", _("address not verified")),
            ("all", _("all")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if self.shows_all:
            return queryset
        if value == "unconfirmed":
            return queryset.exclude(CONFIRMED)
        if value in (HelpRequest.Status.WAITING, HelpRequest.Status.ANSWERED, "closed"):
            return queryset.filter(status=value)
        return queryset.filter(CONFIRMED, status=HelpRequest.Status.NEW)


@admin.register(HelpRequest)
class HelpRequestAdmin(ReadOnlyAdmin):
    list_display = ["subject", "sender", "state", "waiting", "handler", "topic"]
    list_filter = [HelpRequestStatusFilter, "topic"]
    list_select_related = ["account", "handled_by"]
    search_fields = ["email"]
    search_help_text = _("The sender's e-mail address, or a request's number (#12).")
    fields = [
        "subject",
        "topic",
        "state",
        "sender",
        "sender_name",
        "unit_link",
        "created_at",
        "handler",
    ]
    readonly_fields = fields
    change_form_template = "admin/helpdesk/helprequest/change_form.html"

    def get_ordering(self, request):
        # The queue oldest first (its partial index); every other view newest first.
        return (
            ["-updated_at"]
            if request.GET.get(HelpRequestStatusFilter.parameter_name)
            else ["updated_at"]
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.lstrip("#").isdigit() and len(term) <= 12:
            return queryset.filter(pk=int(term.lstrip("#"))), False
        address = typed_address(term)
        return queryset.filter(Q(email__iexact=address) | Q(account__email__iexact=address)), False

    @admin.display(description=_("status"))
    def state(self, help_request):
        if not help_request.is_confirmed:
            return _("address not verified")
        if help_request.status == HelpRequest.Status.NEW:
            return HelpRequestStatusFilter.QUEUE_LABEL
        return help_request.get_status_display()

    @admin.display(description=_("from"))
    def sender(self, help_request):
        if help_request.account_id:
            return admin_link(help_request.account)
        return format_html(
            "{} ({})",
            help_request.email,
            _("not signed in: address confirmed")
            if help_request.is_confirmed
            else _("not signed in: address not verified"),
        )

    @admin.display(description=_("name"))
    def sender_name(self, help_request):
        if help_request.account_id:
            return help_request.account.full_name or "—"
        return help_request.name or "—"

    @admin.display(description=_("waiting since"), ordering="updated_at")
    def waiting(self, help_request):
        return timesince(help_request.updated_at, depth=1)

    @admin.display(description=_("handled by"))
    def handler(self, help_request):
        return help_request.handled_by.email if help_request.handled_by_id else _("nobody yet")

    @admin.display(description=_("unit"))
    def unit_link(self, help_request):
        return admin_link(help_request.unit) if help_request.unit_id else "—"

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["conversation"] = obj.messages.select_related("agent")
            try:
                services.check_may_answer(obj, request.user)
            except RegistryError as error:
                context["cannot_answer"] = error.message
            else:
                context["answer_form"] = forms.AnswerForm()
            try:
                services.check_may_close(obj, request.user)
            except RegistryError:
                context["can_close"] = False
            else:
                context["can_close"] = True
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/answer/", view(self.answer_view), name="helpdesk_helprequest_answer"),
            path("<int:pk>/close/", view(self.close_view), name="helpdesk_helprequest_close"),
            *super().get_urls(),
        ]

    def _request_for_action(self, request, pk):
        help_request = get_object_or_404(HelpRequest.objects.select_related("account"), pk=pk)
        if not request.user.has_perm("helpdesk.answer_helprequest"):
            raise PermissionDenied
        return help_request

    def answer_view(self, request, pk):
        help_request = self._request_for_action(request, pk)
        if request.method != "POST":  # the form posts here; an address typed in shows the page
            return redirect("admin:helpdesk_helprequest_change", help_request.pk)
        form = forms.AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.answer_help_request(
                    help_request=help_request,
                    agent=request.user,
                    client_address=client_address(request),
                    **form.cleaned_data,
                )
            except RegistryError as error:
                messages.error(request, error.message)
                return redirect("admin:helpdesk_helprequest_change", help_request.pk)
            self.log_change(request, help_request, [{"changed": {"fields": ["status"]}}])
            messages.success(
                request,
                _("Answer sent by e-mail to %(email)s.") % {"email": help_request.sender_email},
            )
            return redirect("admin:helpdesk_helprequest_changelist")
        return form_page(
            request, self, form=form, title=_("Answer the help request"), help_request=help_request
        )

    def close_view(self, request, pk):
        help_request = self._request_for_action(request, pk)
        if request.method != "POST":
            return redirect("admin:helpdesk_helprequest_change", help_request.pk)
        try:
            services.close_help_request(
                help_request=help_request,
                agent=request.user,
                client_address=client_address(request),
            )
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            self.log_change(request, help_request, [{"changed": {"fields": ["status"]}}])
            messages.success(request, _("The help request is closed."))
        return redirect("admin:helpdesk_helprequest_change", help_request.pk)

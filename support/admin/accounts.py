"""The support centre's account pages, least privilege first.

Nobody sets or sees a password here, nobody edits a customer's profile, and a customer's
e-mail address changes only through a verified request with the owner's objection window.
A superuser edits the privilege fields of other accounts, through a service that audits and
announces it. Django's own admin pages for groups, second-factor devices and sign-in
throttling are not offered: they would show secrets (authenticator keys, backup codes) or
let a change bypass the services.
"""

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEmailChange, User
from devices.models import AuditEvent, Registration
from devices.services import RegistryError
from portal.client_address import client_address
from support import forms, roles
from support.admin.base import (
    HideEmptyInlines,
    PendingRequestAdmin,
    ReadOnlyInline,
    RegistryAdmin,
    form_page,
    typed_address,
    yes_or_no,
)
from support.services import accounts as services

for model in (TOTPDevice, StaticDevice, AccessAttempt, AccessLog, AccessFailureLog, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class AccountRegistrationInline(ReadOnlyInline):
    model = Registration
    fk_name = "account"
    fields = ["unit", "source", "store", "started_at", "ended_at", "end_reason"]
    readonly_fields = fields
    ordering = ["-started_at"]
    verbose_name_plural = _("registrations (current and past)")


PROFILE_FIELDS = [
    "email",
    "full_name",
    "language",
    "time_zone",
    "email_verified_at",
    "date_joined",
    "last_login",
    "terms_version",
    "terms_accepted_at",
    "adult_confirmed_at",
]
ACCESS_FIELDS = ["is_active", "is_staff", "is_superuser", "groups"]
READ_ACCESS = ["active", "staff_access", "superuser", "role_names"]


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [
            (str(group.pk), roles.role_label(group)) for group in Group.objects.order_by("name")
        ]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if not self.value().isdigit():
            return queryset.none()
        return queryset.filter(groups__id=int(self.value()))


@admin.register(User)
class AccountAdmin(HideEmptyInlines, RegistryAdmin):
    list_display = ["email", "full_name", "active", "staff_access", "email_verified_at"]
    list_filter = ["is_active", "is_staff", "is_superuser", RoleFilter]
    # Exact, case-insensitive: served by the UPPER(email) unique index on any number of rows.
    search_fields = ["=email"]
    search_help_text = _("The exact e-mail address, in any letter case.")
    ordering = ["-id"]  # newest first, along the primary key (and the filters' indexes)
    inlines = [AccountRegistrationInline]
    form = forms.StaffAccessForm
    change_form_template = "admin/support/account/change_form.html"

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # The privilege fields are a superuser's, and never on their own account.
        return request.user.is_superuser and (obj is None or obj.pk != request.user.pk)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["email", "full_name"]})]
        editable = self.has_change_permission(request, obj)
        fieldsets = [(None, {"fields": PROFILE_FIELDS})]
        # A customer's page shows no empty staff sections; a superuser still sees the
        # access fields, to grant them.
        if editable or obj.is_staff or obj.is_superuser:
            access = ACCESS_FIELDS if editable else READ_ACCESS
            fieldsets.append((_("Support-centre access"), {"fields": [*access, "second_factor"]}))
        if self._limit_events(obj):
            fieldsets.append((_("Flags"), {"fields": ["registration_limit"]}))
        if any(services.pending_requests_of(obj).values()):
            fieldsets.append(
                (_("Waiting support requests this person filed"), {"fields": ["pending_requests"]})
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = ACCESS_FIELDS if self.has_change_permission(request, obj) else []
        fields = [
            *PROFILE_FIELDS,
            *ACCESS_FIELDS,
            "role_names",
            "second_factor",
            "pending_requests",
            "registration_limit",
        ]
        return [name for name in fields if name not in editable]

    @staticmethod
    def _limit_events(account):
        """The days in the last 30 on which the account hit the daily registration limit."""
        since = timezone.now() - datetime.timedelta(days=30)
        return list(
            AuditEvent.objects.filter(
                action=AuditEvent.Action.REGISTRATION_LIMIT_REACHED,
                from_account=account,
                created_at__gte=since,
            ).values_list("created_at", flat=True)[:31]
        )

    @admin.display(description=_("daily registration limit reached"))
    def registration_limit(self, account):
        times = self._limit_events(account)
        if not times:
            return "—"
        return ngettext(
            "%(count)s day in the last 30, the last on %(time)s",
            "%(count)s days in the last 30, the last on %(time)s",
            len(times),
        ) % {
            "count": len(times),
            "time": date_format(timezone.localtime(times[0]), "DATETIME_FORMAT"),
        }

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = forms.NewStaffAccountForm
        return super().get_form(request, obj, change=change, **kwargs)

    active = yes_or_no("is_active", _("active"))
    staff_access = yes_or_no("is_staff", _("support-centre access"))
    superuser = yes_or_no("is_superuser", _("superuser"))

    @admin.display(description=_("Roles"))
    def role_names(self, account):
        return ", ".join(str(roles.role_label(group)) for group in account.groups.all()) or "—"

    @admin.display(description=_("second factor"))
    def second_factor(self, account):
        if TOTPDevice.objects.filter(user=account, confirmed=True).exists():
            return _("authenticator app set up")
        return _("none")

    @admin.display(description=_("pending requests"))
    def pending_requests(self, account):
        pending = services.pending_requests_of(account)
        links = [
            (reverse("admin:devices_ownershipchange_change", args=[change.pk]), str(change))
            for change in pending["ownership_changes"]
        ] + [
            (reverse("admin:accounts_accountemailchange_change", args=[change.pk]), str(change))
            for change in pending["email_changes"]
        ]
        if not links:
            return "—"
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', links)

    def get_search_results(self, request, queryset, search_term):
        # Look-alike spellings (full-width letters, a script ℯ) find the account they imitate.
        typed = search_term.strip()
        results, duplicates = super().get_search_results(
            request, queryset, typed_address(typed) if "@" in typed else typed
        )
        if search_term.strip():
            services.record_account_search(
                agent=request.user,
                term=search_term.strip(),
                found=results.first(),
                client_address=client_address(request),
            )
        return results, duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            account = self.get_object(request, object_id)
            if account is not None and self.has_view_permission(request, account):
                services.record_account_view(
                    agent=request.user, account=account, client_address=client_address(request)
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            user = request.user
            context["can_send_reset"] = user.has_perm("accounts.send_password_reset")
            context["can_change_email"] = (
                user.has_perm("accounts.request_email_change")
                and user.pk != obj.pk
                and (user.is_superuser or not services.is_staff_of_any_kind(obj))
            )
            context["can_reset_second_factor"] = user.is_superuser and user.pk != obj.pk
            context["pending_email_change"] = obj.email_changes.filter(status="pending").first()
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                services.change_staff_access(
                    account=obj,
                    actor=request.user,
                    is_active=data["is_active"],
                    is_staff=data["is_staff"],
                    is_superuser=data["is_superuser"],
                    groups=data["groups"],
                    client_address=client_address(request),
                )
            else:
                created = services.create_staff_account(
                    email=data["email"],
                    full_name=data["full_name"],
                    actor=request.user,
                    client_address=client_address(request),
                )
                obj.pk = created.pk
        except RegistryError as error:
            raise PermissionDenied(error.message) from None

    def save_related(self, request, form, formsets, change):
        """Groups are saved by the service (audited), not by ``form.save_m2m()``; the
        read-only inlines save nothing."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/send-password-reset/",
                view(self.send_password_reset_view),
                name="accounts_user_send_password_reset",
            ),
            path(
                "<int:pk>/change-email/",
                view(self.change_email_view),
                name="accounts_user_change_email",
            ),
            path(
                "<int:pk>/reset-second-factor/",
                view(self.reset_second_factor_view),
                name="accounts_user_reset_second_factor",
            ),
            *super().get_urls(),
        ]

    def _account_action(self, request, pk, *, form_class, perform, title, done):
        account = get_object_or_404(User, pk=pk)
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                perform(account, form.cleaned_data)
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, account, str(title))
                messages.success(request, done)
                return redirect("admin:accounts_user_change", account.pk)
        return form_page(request, self, form=form, title=title, account=account)

    def send_password_reset_view(self, request, pk):
        if not request.user.has_perm("accounts.send_password_reset"):
            raise PermissionDenied
        return self._account_action(
            request,
            pk,
            form_class=forms.ConfirmForm,
            perform=lambda account, data: services.send_password_reset_link(
                account=account, agent=request.user, client_address=client_address(request)
            ),
            title=_("Send a password-reset link"),
            done=_("A password-reset link is on its way to the account's own address."),
        )

    def change_email_view(self, request, pk):
        if not request.user.has_perm("accounts.request_email_change"):
            raise PermissionDenied
        return self._account_action(
            request,
            pk,
            form_class=forms.EmailChangeRequestForm,
            perform=lambda account, data: services.request_email_change(
                account=account,
                agent=request.user,
                client_address=client_address(request),
                **data,
            ),
            title=_("Change the e-mail address"),
            done=_(
                "Requested. The old address is e-mailed a link to object; the change takes "
                "effect after the objection window."
            ),
        )

    def reset_second_factor_view(self, request, pk):
        if not request.user.is_superuser:
            raise PermissionDenied
        return self._account_action(
            request,
            pk,
            form_class=forms.ConfirmForm,
            perform=lambda account, data: services.reset_second_factor(
                account=account, actor=request.user, client_address=client_address(request)
            ),
            title=_("Reset the second factor"),
            done=_("The second factor is reset; the person sets up a new one at next sign-in."),
        )


@admin.register(AccountEmailChange)
class AccountEmailChangeAdmin(PendingRequestAdmin):
    list_display = ["account", "from_email", "to_email", "status", "requested_by", "takes_effect"]
    subject_fields = ["account", "from_email", "to_email"]
    list_filter = ["status"]
    list_select_related = ["account", "requested_by"]
    # The same role applies any support request early (the service checks four eyes).
    apply_permission = "devices.apply_ownership_change"
    apply_service = services.apply_email_change
    cancel_service = services.cancel_email_change
    related = ("account",)

    def page_context(self, change):
        return {"account": change.account, "email_change": change}

    def after_decision(self, change):
        return reverse("admin:accounts_user_change", args=[change.account_id])

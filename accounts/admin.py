from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from devices.admin import ReadOnlyInline
from devices.models import Registration
from portal.paginators import EstimatedCountPaginator


class AccountRegistrationInline(ReadOnlyInline):
    model = Registration
    fk_name = "account"
    fields = ["unit", "source", "store", "started_at", "ended_at", "end_reason"]
    readonly_fields = fields
    ordering = ["-started_at"]
    verbose_name_plural = _("registrations (current and past)")


class AccountCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class AccountChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated and anonymised, never deleted (history)

    add_form = AccountCreationForm
    form = AccountChangeForm
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "is_active",
        "is_staff",
        "email_verified_at",
        "date_joined",
    ]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    # Exact, case-insensitive: served by the UPPER(email) unique index on any number of rows.
    search_fields = ["=email"]
    search_help_text = _("The exact e-mail address, in any letter case.")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = [AccountRegistrationInline]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "language", "email_verified_at"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

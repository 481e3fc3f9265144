"""Stores' API keys (the partner API): supervisors create and revoke them, never for a store
they serve; the secret is shown once; both are audited and announced to the store."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.models import StoreMembership
from api import keys
from api.models import ApiKey
from devices.services import RegistryError
from portal.client_address import client_address
from support.admin.base import ReadOnlyAdmin, form_page


class NewKeyForm(forms.Form):
    membership = forms.ModelChoiceField(
        label=_("Store and the staff member the till acts as"),
        queryset=StoreMembership.objects.none(),
    )
    name = forms.CharField(label=_("Name of the key (the till, the system)"), max_length=100)

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        own_stores = StoreMembership.objects.filter(user=agent, is_active=True).values("store")
        self.fields["membership"].queryset = (
            StoreMembership.objects.filter(is_active=True, store__is_active=True)
            .exclude(store__in=own_stores)
            .select_related("store", "user")
            .order_by("store__name", "user__email")
        )
        self.fields["membership"].label_from_instance = lambda m: f"{m.store.name} — {m.user.email}"


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "store_name",
        "acts_as",
        "prefix",
        "created_at",
        "last_used_at",
        "state",
    ]
    list_select_related = ["membership__store", "membership__user"]
    fields = [
        "name",
        "store_name",
        "acts_as",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
    change_form_template = "admin/api/apikey/change_form.html"

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("api.manage_apikey")

    @admin.display(description=_("store"))
    def store_name(self, key):
        return key.membership.store.name

    @admin.display(description=_("acts as"))
    def acts_as(self, key):
        return key.membership.user.email

    @admin.display(description=_("state"))
    def state(self, key):
        return _("revoked") if key.revoked_at else _("active")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = NewKeyForm(request.POST or None, agent=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                key, token = keys.create_key(
                    agent=request.user,
                    client_address=client_address(request),
                    **form.cleaned_data,
                )
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                self.log_addition(request, key, [{"added": {}}])
                return TemplateResponse(
                    request,
                    "admin/api/apikey/created.html",
                    {
                        **self.admin_site.each_context(request),
                        "opts": self.model._meta,
                        "title": _("API key created"),
                        "key": key,
                        "token": token,
                    },
                )
        return form_page(request, self, form=form, title=_("Create an API key"))

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_revoke"] = (
            obj is not None and obj.is_active and request.user.has_perm("api.manage_apikey")
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/revoke/", view(self.revoke_view), name="api_apikey_revoke"),
            *super().get_urls(),
        ]

    def revoke_view(self, request, pk):
        key = get_object_or_404(ApiKey.objects.select_related("membership__store"), pk=pk)
        if not request.user.has_perm("api.manage_apikey"):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:api_apikey_change", key.pk)
        try:
            keys.revoke_key(key=key, agent=request.user, client_address=client_address(request))
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            self.log_change(request, key, [{"changed": {"fields": ["revoked"]}}])
            messages.success(request, _("The key is revoked: it stops working at once."))
        return redirect("admin:api_apikey_change", key.pk)

"""Stores, staff and claims in the support centre. Supervisors manage stores and staff;
claims are read, filtered and exported, never edited or deleted."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import EmailAddressField
from accounts.models import Store, StoreMembership
from claims.models import Claim, Invitation
from devices.services import RegistryError
from portal.batches import in_batches
from portal.client_address import client_address
from portal.csv_export import streamed_csv
from portal.replica import current_read_alias, replica_reads
from support.admin.base import (
    HideEmptyInlines,
    ReadOnlyAdmin,
    ReadOnlyInline,
    RegistryAdmin,
    form_page,
    yes_or_no,
)
from support.services import stores as services


class StaffInvitationForm(forms.Form):
    email = EmailAddressField(label=_("E-mail of the new staff member"))


class StoreMembershipInline(ReadOnlyInline):
    """Read-only: people join and leave a store's staff through the audited, announced
    buttons, never by editing rows."""

    model = StoreMembership
    fields = ["user", "active", "created_at"]
    readonly_fields = fields
    active = yes_or_no("is_active", _("active"))


@admin.register(Store)
class StoreAdmin(HideEmptyInlines, RegistryAdmin):
    active = yes_or_no("is_active", _("active"))
    list_display = ["name", "kind", "active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]
    fields = ["name", "kind", "address", "contact_email", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [StoreMembershipInline]
    change_form_template = "admin/accounts/store/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/invite-staff/",
                view(self.invite_staff_view),
                name="accounts_store_invite_staff",
            ),
            *super().get_urls(),
        ]

    def invite_staff_view(self, request, pk):
        if not request.user.has_perm("accounts.add_storemembership"):
            raise PermissionDenied
        store = get_object_or_404(Store, pk=pk)
        form = StaffInvitationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user, invited = services.add_store_staff(
                    store=store,
                    email=form.cleaned_data["email"],
                    actor=request.user,
                    client_address=client_address(request),
                )
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, store, f"staff added: {user.email}")
                messages.success(
                    request,
                    _("%(email)s now serves at %(store)s%(invited)s.")
                    % {
                        "email": user.email,
                        "store": store.name,
                        "invited": _(" (invitation e-mailed)") if invited else "",
                    },
                )
                return redirect("admin:accounts_store_change", store.pk)
        return form_page(request, self, form=form, title=_("Invite store staff"), store=store)


@admin.register(StoreMembership)
class StoreMembershipAdmin(ReadOnlyAdmin):
    active = yes_or_no("is_active", _("active"))
    list_display = ["user", "store", "active", "created_at"]
    list_filter = ["is_active", "store"]
    list_select_related = ["user", "store"]
    search_fields = ["=user__email", "store__name"]
    change_form_template = "admin/accounts/storemembership/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/active/",
                view(self.toggle_active_view),
                name="accounts_storemembership_toggle_active",
            ),
            *super().get_urls(),
        ]

    def toggle_active_view(self, request, pk):
        """Take a person off a store's staff, or back on (audited, announced)."""
        if not request.user.has_perm("accounts.change_storemembership"):
            raise PermissionDenied
        membership = get_object_or_404(
            StoreMembership.objects.select_related("user", "store"), pk=pk
        )
        title = (
            _("Remove from the store's staff")
            if membership.is_active
            else _("Add back to the store's staff")
        )
        form = forms.Form(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.set_store_membership_active(
                    membership=membership,
                    actor=request.user,
                    active=not membership.is_active,
                    client_address=client_address(request),
                )
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, membership, str(title))
                messages.success(request, _("Done; the store and the supervisors are told."))
                return redirect("admin:accounts_store_change", membership.store_id)
        return form_page(request, self, form=form, title=title, membership=membership)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "store",
        "invited_by",
        "created_at",
        "accepted_at",
        "closed_at",
        "closed_reason",
    ]
    list_filter = ["store", "closed_reason"]
    list_select_related = ["account", "store", "invited_by"]


class FaultyKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("holder", _("holder")), ("charger", _("charger"))]

    def queryset(self, request, queryset):
        if self.value() in ("holder", "charger"):
            return queryset.filter(faulty_unit__kind=self.value())
        return queryset


CSV_COLUMNS = [
    "time",
    "store",
    "staff",
    "customer",
    "faulty unit",
    "replacement unit",
    "kind",
    "reason",
    "note",
    "out of warranty",
]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "store",
        "faulty_unit",
        "replacement_unit",
        "reason",
        "customer",
        "staff",
        "out_of_warranty",
    ]
    list_filter = [
        "store",
        ("created_at", admin.DateFieldListFilter),
        FaultyKindFilter,
        "reason",
        "out_of_warranty",
    ]
    list_select_related = ["store", "faulty_unit", "replacement_unit", "customer", "staff"]
    date_hierarchy = "created_at"
    change_list_template = "admin/claims/claim/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(replica_reads(self.export_csv)), name="claims_claim_export"),
            *super().get_urls(),
        ]

    def export_csv(self, request):
        """The changelist's filtered claims as CSV, newest first, streamed a batch at a time
        (any size)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request).select_related(
            "store", "staff", "customer", "faulty_unit", "replacement_unit"
        )
        rows = (
            [
                timezone.localtime(claim.created_at).isoformat(),
                claim.store.name,
                claim.staff.email,
                claim.customer.email,
                claim.faulty_unit.production_code,
                claim.replacement_unit.production_code,
                claim.faulty_unit.kind,
                claim.reason,
                claim.note,
                "yes" if claim.out_of_warranty else "no",
            ]
            for claim in in_batches(queryset.using(current_read_alias()), "-created_at")
        )
        return streamed_csv(CSV_COLUMNS, rows, "claims.csv")

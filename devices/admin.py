"""Registry models in the admin: read-mostly; ownership changes only through the services."""

from django.contrib import admin

from devices import codes
from devices.models import AuditEvent, Kit, ProductModel, Registration, Unit


class NoDeleteMixin:
    """History and catalogue are never deleted, by anyone."""

    def has_delete_permission(self, request, obj=None):
        return False


class CodeSearchMixin:
    """Exact, normalised code search through the unique index (the admin's `=` uses UPPER())."""

    code_field = ""
    code_parser = None

    def get_search_results(self, request, queryset, search_term):
        try:
            code = type(self).code_parser(search_term)
        except codes.CodeError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(**{self.code_field: code}), False


@admin.register(ProductModel)
class ProductModelAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class UnitInline(admin.TabularInline):
    model = Unit
    fields = [
        "kind",
        "production_code",
        "product_model",
        "status",
        "lost_or_stolen",
        "warranty_start",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Kit)
class KitAdmin(NoDeleteMixin, CodeSearchMixin, admin.ModelAdmin):
    list_display = ["formatted_code", "imported_at"]
    search_fields = ["=box_code"]
    code_field = "box_code"
    code_parser = staticmethod(codes.parse_box_code)
    readonly_fields = ["box_code", "imported_at"]
    inlines = [UnitInline]
    show_full_result_count = False


class RegistrationInline(admin.TabularInline):
    model = Registration
    fk_name = "unit"
    fields = ["account", "source", "store", "started_at", "ended_at", "end_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-started_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(NoDeleteMixin, CodeSearchMixin, admin.ModelAdmin):
    list_display = [
        "formatted_code",
        "kind",
        "product_model",
        "kit",
        "status",
        "lost_or_stolen",
        "warranty_start",
    ]
    list_filter = ["kind", "status", "lost_or_stolen"]
    list_select_related = ["product_model", "kit"]
    search_fields = ["=production_code"]
    code_field = "production_code"
    code_parser = staticmethod(codes.parse_unit_code)
    readonly_fields = ["kind", "production_code", "kit", "product_model", "warranty_start"]
    inlines = [RegistrationInline]
    show_full_result_count = False


@admin.register(Registration)
class RegistrationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["unit", "account", "source", "store", "started_at", "ended_at", "end_reason"]
    list_filter = ["source", "end_reason"]
    list_select_related = ["unit", "account", "store"]
    search_fields = ["=account__email"]
    readonly_fields = [
        "unit",
        "account",
        "source",
        "store",
        "registered_by",
        "started_at",
        "ended_at",
        "end_reason",
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "action",
        "actor",
        "unit",
        "from_account",
        "to_account",
        "verification_method",
        "client_address",
    ]
    list_filter = ["action"]
    list_select_related = ["actor", "unit", "from_account", "to_account"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

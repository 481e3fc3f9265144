from django.contrib import admin

from claims.models import Store, StoreMembership


class StoreMembershipInline(admin.TabularInline):
    model = StoreMembership
    raw_id_fields = ["user"]
    extra = 0
    can_delete = False


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]
    inlines = [StoreMembershipInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StoreMembership)
class StoreMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "store", "is_active", "created_at"]
    list_filter = ["is_active", "store"]
    list_select_related = ["user", "store"]
    search_fields = ["user__email", "store__name"]
    raw_id_fields = ["user", "store"]

    def has_delete_permission(self, request, obj=None):
        return False

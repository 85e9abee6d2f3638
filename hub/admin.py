from django.contrib import admin
from django.http import HttpRequest

from hub.models import FxRate


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that change only through their services (or never): the admin may look, not touch."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "on", "rate_to_hkd"]
    list_filter = ["currency"]
    date_hierarchy = "on"

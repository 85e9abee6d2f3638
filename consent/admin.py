from django.contrib import admin
from django.http import HttpRequest

from consent.models import Consent


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Read-only: consents change only through their state machine (the SME, the bank, expiry)."""

    list_display = ["id", "bank", "business", "purpose", "status", "created_at", "expires_at"]
    list_filter = ["status", "purpose", "bank"]
    search_fields = ["id", "business__brn", "business__legal_name"]
    list_select_related = ["bank", "business"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

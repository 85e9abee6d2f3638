from django.contrib import admin

from consent.models import Consent
from hub.admin import ReadOnlyAdmin


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    """Consents change only through their state machine (the SME, the bank, expiry)."""

    list_display = ["id", "bank", "business", "purpose", "status", "created_at", "expires_at"]
    list_filter = ["status", "purpose", "bank"]
    search_fields = ["id", "business__brn", "business__legal_name"]
    list_select_related = ["bank", "business"]

from django.contrib import admin

from audit.models import AuditEntry
from hub.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Entries can be looked at and searched, never added, changed or deleted here."""

    list_display = ["sequence", "at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor"]

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hub.admin import ReadOnlyAdmin
from participants.admin import ParticipantAdmin
from participants.models import Participant
from providers.models import FetchSession, Provider, Record, SandboxProvider


@admin.register(Provider)
class ProviderAdmin(ParticipantAdmin):
    kind = Participant.Kind.PROVIDER
    list_display = [*ParticipantAdmin.list_display, "api_base", "data_categories"]


@admin.register(FetchSession)
class FetchSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "consent",
        "provider",
        "category",
        "status",
        "accepted",
        "rejected",
        "duration",
        "latency_ms",
        "error",
    ]
    list_filter = ["status", "category", "provider"]
    search_fields = ["consent__id", "error"]
    list_select_related = ["provider", "consent__bank", "consent__business"]

    @admin.display(description=_("Duration (s)"))
    def duration(self, session: FetchSession) -> float | None:
        return session.duration_seconds


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    """Records arrive only through a fetch or a push and leave only through an audited purge: the admin looks."""

    list_display = [
        "occurred_at",
        "category",
        "external_id",
        "provider",
        "business",
        "amount",
        "currency",
        "amount_hkd",
        "consent_id",
        "ingested_at",
    ]
    list_filter = ["category", "provider"]
    search_fields = ["external_id", "=consent__id", "=business__brn"]
    list_select_related = ["provider", "business"]
    # Counting every record of a large table on each page costs more than it tells.
    show_full_result_count = False


@admin.register(SandboxProvider)
class SandboxProviderAdmin(admin.ModelAdmin):
    list_display = ["participant", "faults"]
    fields = ["participant", "faults"]
    readonly_fields = ["participant"]

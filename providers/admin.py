from django.contrib import admin

from hub.admin import ReadOnlyAdmin
from participants.admin import ParticipantAdmin
from participants.models import Participant
from providers.models import FetchSession, Provider, SandboxProvider


@admin.register(Provider)
class ProviderAdmin(ParticipantAdmin):
    kind = Participant.Kind.PROVIDER
    list_display = [*ParticipantAdmin.list_display, "api_base", "data_categories"]


@admin.register(FetchSession)
class FetchSessionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "provider", "category", "status", "accepted", "rejected", "latency_ms", "error"]
    list_filter = ["status", "category", "provider"]
    search_fields = ["consent__id", "error"]
    list_select_related = ["provider"]


@admin.register(SandboxProvider)
class SandboxProviderAdmin(admin.ModelAdmin):
    list_display = ["participant", "faults"]
    fields = ["participant", "faults"]
    readonly_fields = ["participant"]

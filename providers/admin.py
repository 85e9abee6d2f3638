from django.contrib import admin

from participants.admin import ParticipantAdmin
from participants.models import Participant
from providers.models import Provider


@admin.register(Provider)
class ProviderAdmin(ParticipantAdmin):
    kind = Participant.Kind.PROVIDER
    list_display = [*ParticipantAdmin.list_display, "api_base", "data_categories"]

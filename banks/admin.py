from django.contrib import admin

from banks.models import Bank
from participants.admin import ParticipantAdmin
from participants.models import Participant


@admin.register(Bank)
class BankAdmin(ParticipantAdmin):
    kind = Participant.Kind.BANK

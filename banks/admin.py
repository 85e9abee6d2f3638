from django.contrib import admin

from banks.models import Bank, WebhookDelivery, WebhookSubscription
from hub.admin import ReadOnlyAdmin
from participants.admin import ParticipantAdmin
from participants.models import Participant


@admin.register(Bank)
class BankAdmin(ParticipantAdmin):
    kind = Participant.Kind.BANK


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["bank", "url", "events", "active", "created_at"]
    list_filter = ["active", "bank"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "event", "subscription", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event"]

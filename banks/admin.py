from django.contrib import admin
from django.http import HttpRequest

from banks.models import Bank, WebhookDelivery, WebhookSubscription
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
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "event", "subscription", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

from django.urls import path

from banks.apis import WebhookCollectionApi, WebhookDetailApi

urlpatterns = [
    path("webhooks", WebhookCollectionApi.as_view(), name="api-webhooks"),
    path("webhooks/<uuid:webhook_id>", WebhookDetailApi.as_view(), name="api-webhook"),
]

from django.urls import path

from banks.apis import WebhookCollectionApi, WebhookDetailApi
from banks.loan_apis import LoanCollectionApi, LoanDetailApi

urlpatterns = [
    path("webhooks", WebhookCollectionApi.as_view(), name="api-webhooks"),
    path("webhooks/<uuid:webhook_id>", WebhookDetailApi.as_view(), name="api-webhook"),
    path("loan-applications", LoanCollectionApi.as_view(), name="api-loans"),
    path("loan-applications/<uuid:application_id>", LoanDetailApi.as_view(), name="api-loan"),
]

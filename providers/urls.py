from django.urls import path

from providers.apis import ConsentFetchesApi, ConsentRecordsApi, ProviderRecordsPushApi

urlpatterns = [
    path("consents/<uuid:consent_id>/records", ConsentRecordsApi.as_view(), name="api-consent-records"),
    path("consents/<uuid:consent_id>/fetches", ConsentFetchesApi.as_view(), name="api-consent-fetches"),
    path("provider/records", ProviderRecordsPushApi.as_view(), name="api-provider-records"),
]

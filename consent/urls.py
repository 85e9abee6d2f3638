from django.urls import path

from consent.apis import ConsentCollectionApi, ConsentDetailApi, ConsentRevokeApi

urlpatterns = [
    path("consents", ConsentCollectionApi.as_view(), name="api-consents"),
    path("consents/<uuid:consent_id>", ConsentDetailApi.as_view(), name="api-consent"),
    path("consents/<uuid:consent_id>/revoke", ConsentRevokeApi.as_view(), name="api-consent-revoke"),
]

from django.urls import path

from dossiers.apis import ConsentDossiersApi, DossierDetailApi

urlpatterns = [
    path("consents/<uuid:consent_id>/dossiers", ConsentDossiersApi.as_view(), name="api-consent-dossiers"),
    path("dossiers/<uuid:dossier_id>", DossierDetailApi.as_view(), name="api-dossier"),
]

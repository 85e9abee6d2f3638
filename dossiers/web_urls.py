from django.urls import path

from dossiers.views import sme_dossier, sme_dossier_json

urlpatterns = [
    path("<uuid:consent_id>/dossiers/<uuid:dossier_id>/", sme_dossier, name="sme-dossier"),
    path("<uuid:consent_id>/dossiers/<uuid:dossier_id>/dossier.json", sme_dossier_json, name="sme-dossier-json"),
]

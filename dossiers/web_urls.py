from django.urls import path

from dossiers.views import sme_dossier

urlpatterns = [
    path("<uuid:consent_id>/dossiers/<uuid:dossier_id>/", sme_dossier, name="sme-dossier"),
]

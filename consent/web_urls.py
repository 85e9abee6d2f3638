from django.urls import path

from consent import views

urlpatterns = [
    path("", views.dashboard, name="consent-dashboard"),
    path("<uuid:consent_id>/", views.detail, name="consent-detail"),
    path("<uuid:consent_id>/receipts/<uuid:receipt_id>.jws", views.receipt_download, name="consent-receipt"),
    path("<uuid:consent_id>/<slug:action>/", views.decide, name="consent-decide"),
]

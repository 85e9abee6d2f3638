from django.urls import path

from bench.baseline import baseline_records
from cdi.urls import urlpatterns as hub_urlpatterns

urlpatterns = [
    *hub_urlpatterns,
    path("bench/baseline/<uuid:consent_id>/records", baseline_records),
]

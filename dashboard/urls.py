from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.dashboard, name="operator-dashboard"),
    path("refresh", views.refresh, name="operator-refresh"),
    path("export/<slug:table>.csv", views.export, name="operator-export"),
]

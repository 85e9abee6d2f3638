from django.urls import path

from providers.sandbox import views

urlpatterns = [
    path("<slug:slug>/records", views.records, name="sandbox-records"),
]

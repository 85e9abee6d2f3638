"""The OAuth 2.0 endpoints the hub exposes, and no others (no self-service client pages)."""

from django.urls import path

from consent.authorize import ConsentAuthorizationView
from participants.views import ParticipantIntrospectView, ParticipantRevokeTokenView, ParticipantTokenView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", ConsentAuthorizationView.as_view(), name="authorize"),
    path("token/", ParticipantTokenView.as_view(), name="token"),
    path("revoke_token/", ParticipantRevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", ParticipantIntrospectView.as_view(), name="introspect"),
]

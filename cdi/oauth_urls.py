"""The OAuth 2.0 endpoints the hub exposes, and no others (no self-service client pages)."""

from django.urls import path
from oauth2_provider import views as oauth_views

from consent.authorize import ConsentAuthorizationView
from participants.views import ParticipantIntrospectView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", ConsentAuthorizationView.as_view(), name="authorize"),
    path("token/", oauth_views.TokenView.as_view(), name="token"),
    path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", ParticipantIntrospectView.as_view(), name="introspect"),
]

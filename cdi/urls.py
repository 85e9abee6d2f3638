from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider.views import OAuthServerMetadataView

from banks.views import demo_callback
from dashboard.apis import MetricsApi
from hub import views as hub_views

api_v1 = [
    path("", include("participants.urls")),
    path("", include("consent.urls")),
    path("", include("banks.urls")),
    path("", include("providers.urls")),
    path("", include("dossiers.urls")),
    path("metrics", MetricsApi.as_view(), name="api-metrics"),
]

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("operator/", include("dashboard.urls")),
    path("consents/", include("consent.web_urls")),
    path("consents/", include("dossiers.web_urls")),
    path("o/", include("cdi.oauth_urls")),
    path("api/v1/", include(api_v1)),
    path(".well-known/oauth-authorization-server", OAuthServerMetadataView.as_view(), name="oauth-metadata"),
    path(".well-known/jwks.json", hub_views.jwks, name="jwks"),
    path("healthz", hub_views.healthz, name="healthz"),
    path("sandbox/bank/callback", demo_callback, name="demo-bank-callback"),
    path("sandbox/providers/", include("providers.sandbox.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the docs need no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler404 = "hub.views.page_not_found"

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub import health, keys


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health.check_all()
    healthy = all(check["status"] == "up" for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.public_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An API address that names nothing (a malformed id, say) answers in the API's error shape; pages as usual."""
    if request.path.startswith("/api/"):
        detail = "No such object or address in the API."
        return JsonResponse({"error": "not_found", "detail": detail, "fields": {}}, status=404)
    return defaults.page_not_found(request, exception)

"""A database that cannot answer in time (a lock held past the timeout, a restart) is a 503, not a 500."""

import logging

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        detail = _("The hub's database is busy. Try again shortly.")
        if request.path.startswith(("/api/", "/o/")):
            response = JsonResponse({"error": "temporarily_unavailable", "detail": detail, "fields": {}}, status=503)
        else:
            response = HttpResponse(detail, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

"""One error shape for the whole API: {"error": code, "detail": text, "fields": {...}}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    """An illegal state transition."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "illegal_transition"
    default_detail = "This change is not allowed in the object's current state."


class IllegalTransitionError(Exception):
    """Raised by services when an object's state does not allow a change; the API answers 409."""


class ConsentNotLive(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "consent_not_live"
    default_detail = "The consent does not allow this access now."


_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid_request",
    status.HTTP_401_UNAUTHORIZED: "invalid_token",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_409_CONFLICT: "illegal_transition",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "payload_too_large",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "rate_limited",
}


def describe(error) -> str:
    """A Django ValidationError as one line naming each field, for commands and logs."""
    if hasattr(error, "message_dict"):
        return " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    return str(detail)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, IllegalTransitionError):
        exc = Conflict(str(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(exc.detail, dict):
            fields = {
                key: [str(item) for item in value] if isinstance(value, list) else value
                for key, value in exc.detail.items()
            }
            detail = "Some fields are invalid: " + ", ".join(sorted(fields)) + "."
        else:
            detail = _flatten(exc.detail)
        code = "validation_error"
    else:
        detail = _flatten(exc.detail)
        code = getattr(exc.detail, "code", None) or _CODES.get(response.status_code, "error")
        if isinstance(exc, exceptions.Throttled):
            code = "rate_limited"
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            # RFC 6750's name for a missing, expired, revoked or otherwise unusable token.
            code = "invalid_token"
            request = context.get("request")
            if request is not None and request.META.get("HTTP_AUTHORIZATION"):
                detail = "The access token is invalid, expired or revoked."
    response.data = {"error": code, "detail": detail, "fields": fields}
    return response

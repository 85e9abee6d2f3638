"""The OpenAPI schema at /api/schema/: component names, the error shape, and the answers every endpoint shares."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

_ERROR_DESCRIPTIONS = {
    400: "The request is invalid: `fields` names each invalid field with its messages.",
    401: "The access token is missing, invalid, expired or revoked.",
    403: "The token lacks the scope, the consent's state does not allow this now, or a token issued for one "
    "consent was used for a call on behalf of the whole bank.",
    404: "No such object visible to this caller.",
    409: "The object's current state does not allow this change.",
    413: "The request carries too much.",
    429: "Over the rate limit; retry after the seconds in the Retry-After header.",
    503: "The hub's database is busy; retry after the seconds in the Retry-After header.",
}


class ErrorOutput(serializers.Serializer):
    """Every error the API answers: {"error": code, "detail": text, "fields": {...}}."""

    error = serializers.CharField(
        help_text="A stable code such as validation_error, invalid_token, forbidden, consent_not_live, "
        "consent_bound_token, not_found, illegal_transition, payload_too_large, rate_limited, temporarily_unavailable."
    )
    detail = serializers.CharField(help_text="What went wrong, for a person.")

    def get_fields(self):
        fields = super().get_fields()
        # "fields" would shadow Serializer.fields as a class attribute, so it is added by name.
        fields["fields"] = serializers.DictField(help_text="Each invalid field's messages; empty for other errors.")
        return fields


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error answers an endpoint can give besides those every endpoint shares, for extend_schema."""
    return {status: OpenApiResponse(ErrorOutput, description=_ERROR_DESCRIPTIONS[status]) for status in statuses}


def page_of(serializer: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The response of a cursor-paginated list: {"results": [...], "next": URL or null, "previous": URL or null}.

    Call it once per name and reuse the result: drf-spectacular takes two calls for two components.
    """
    return inline_serializer(
        name,
        {
            "results": serializer(many=True),
            "next": serializers.URLField(allow_null=True, help_text="The next page; null on the last."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page; null on the first."),
        },
    )


class HubAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the hub's conventions.

    - A serializer nested in an API class is named after both (``ConsentCollectionApi.InputSerializer``
      becomes ``ConsentCollectionInput``), so one API's ``InputSerializer`` never replaces another's.
    - A PATCH body is validated whole, as the views do, not as a partial update.
    - An optional query parameter may be sent empty, which counts as not sending it.
    - Every operation documents the errors that its authentication (401), scopes (403), rate limits (429)
      and the database guard (503) can answer; endpoint-specific errors are declared with ``errors()``.
    """

    def get_serializer_name(self, serializer: serializers.Serializer, direction: str) -> str:
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        if not outer:
            return super().get_serializer_name(serializer, direction)
        return outer.removesuffix("Api") + inner.removesuffix("Serializer")

    def get_operation(self, *args, **kwargs) -> dict | None:
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] == "query" and not parameter.get("required"):
                # Django REST Framework reads an empty optional query parameter (?status=) as one not given.
                parameter["allowEmptyValue"] = True
        return operation

    def _get_request_body(self, direction: str = "request") -> dict | None:
        # drf-spectacular describes a PATCH body as a partial update, every field optional. No hub view
        # does partial updates: a PATCH body is validated whole, so it is described as given, and required.
        if self.method != "PATCH":
            return super()._get_request_body(direction)
        self.method = "PUT"
        try:
            body = super()._get_request_body(direction)
        finally:
            self.method = "PATCH"
        return body and {**body, "required": True}

    def _get_response_bodies(self, direction: str = "response") -> dict:
        # extend_schema replaces get_response_serializers, so the shared answers are added here (as
        # drf-standardized-errors does), after the declared ones.
        bodies = super()._get_response_bodies(direction)
        for status, response in errors(*self._shared_error_statuses()).items():
            if str(status) not in bodies:
                bodies[str(status)] = self._get_response_for_code(response, str(status), direction=direction)
        return bodies

    def _shared_error_statuses(self) -> list[int]:
        statuses = []
        if self.view.get_authenticators():
            statuses.append(401)
        if getattr(self.view, "required_scopes", None):
            statuses.append(403)
        if self.view.get_throttles():
            statuses.append(429)
        return [*statuses, 503]

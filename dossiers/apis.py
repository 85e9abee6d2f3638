from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.selectors import consent_for_token, consents_for_token
from dossiers.models import Dossier
from dossiers.services import IdempotencyKeyReused, dossier_read, dossier_request
from hub.openapi import ErrorOutput, errors
from hub.permissions import participant_of


class DossierOutput(serializers.Serializer):
    id = serializers.UUIDField()
    consent_id = serializers.UUIDField()
    status = serializers.CharField()
    progress = serializers.FloatField()
    metrics = serializers.DictField()
    sources = serializers.ListField(child=serializers.DictField())
    # The signed text itself (UTC), not re-rendered in the hub's time zone: equal to the payload's.
    generated_at = serializers.CharField(
        source="generated_at_signed",
        allow_null=True,
        help_text="ISO 8601 in UTC, exactly as in the signed payload; null until the dossier is built",
    )
    signature = serializers.CharField(
        help_text="Compact JWS (ES256) over id, consent_id, metrics, sources, "
        "generated_at; keys at /.well-known/jwks.json"
    )
    failure_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used for another consent."


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Up to 255 visible ASCII characters, unique per request you mean. Sent again with the same "
    "consent, it answers the dossier the first request created (202 again) instead of a new one; with "
    "another consent, 409 idempotency_key_reused.",
)


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if key and (len(key) > 255 or not all(" " <= char <= "~" for char in key) or not key.strip()):
        raise exceptions.ValidationError(
            {"Idempotency-Key": ["Use at most 255 visible ASCII characters (a UUID, say)."]}
        )
    return key.strip()


class ConsentDossiersApi(APIView):
    required_scopes = ["dossiers"]

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: DossierOutput,
            **errors(400, 404),
            409: OpenApiResponse(ErrorOutput, description="The Idempotency-Key was already used for another consent."),
        },
        summary="Ask for a credit dossier",
    )
    def post(self, request: Request, consent_id) -> Response:
        consent = consent_for_token(request.auth, consent_id)
        key = _idempotency_key(request)
        try:
            dossier = dossier_request(consent=consent, bank=participant_of(request), idempotency_key=key)
        except IdempotencyKeyReused as exc:
            raise IdempotencyConflict(str(exc)) from None
        if dossier.status in Dossier.FINISHED:
            # A repeated request answers a dossier already built: that is a read of it, like GET's.
            dossier_read(dossier=dossier)
        return Response(DossierOutput(dossier).data, status=status.HTTP_202_ACCEPTED)


class DossierDetailApi(APIView):
    required_scopes = ["dossiers"]

    @extend_schema(
        responses={200: DossierOutput, **errors(404)},
        summary="A dossier: poll until ready, partial or failed (served only while its consent is live)",
    )
    def get(self, request: Request, dossier_id) -> Response:
        dossier = (
            Dossier.objects.filter(pk=dossier_id, consent__in=consents_for_token(request.auth))
            .select_related("consent")
            .first()
        )
        if dossier is None:
            raise Http404
        dossier_read(dossier=dossier)
        return Response(DossierOutput(dossier).data)

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.permissions import HasClientToken


class MeApi(APIView):
    """Who the calling token belongs to: lets an integration engineer check credentials and scopes."""

    permission_classes = [HasClientToken]

    class OutputSerializer(serializers.Serializer):
        slug = serializers.CharField()
        name = serializers.CharField()
        kind = serializers.CharField()
        scopes = serializers.ListField(child=serializers.CharField())
        expires_at = serializers.DateTimeField()

    # Any valid token will do, whatever its scopes.
    @extend_schema(
        auth=[{"oauth2": []}], responses=OutputSerializer, summary="The participant behind this access token"
    )
    def get(self, request: Request) -> Response:
        token = request.auth
        participant = token.application.participant
        data = {
            "slug": participant.slug,
            "name": participant.name,
            "kind": participant.kind,
            "scopes": sorted(token.scopes),
            "expires_at": token.expires,
        }
        return Response(self.OutputSerializer(data).data)

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.services import metrics_latest, metrics_rollup


class MetricsOutput(serializers.Serializer):
    computed_at = serializers.DateTimeField()
    figures = serializers.DictField()


class MetricsApi(APIView):
    """The operator dashboard's figures; the dashboard shows the very same snapshot."""

    required_scopes = ["operator"]

    @extend_schema(responses=MetricsOutput, summary="The latest rolled-up figures")
    def get(self, request: Request) -> Response:
        return Response(MetricsOutput(metrics_latest()).data)

    @extend_schema(request=None, responses=MetricsOutput, summary="Roll the figures up now")
    def post(self, request: Request) -> Response:
        return Response(MetricsOutput(metrics_rollup()).data)

"""The bank's webhook subscriptions."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from banks.models import WEBHOOK_EVENTS, WebhookSubscription
from banks.services import webhook_delete, webhook_subscribe
from consent.permissions import BANK_WIDE
from hub.fields import http_url_validator
from hub.openapi import errors, page_of
from hub.pagination import NewestFirstCursor, PageQuery
from hub.permissions import participant_of
from hub.serializers import StrictInputSerializer


class WebhookOutput(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class WebhookCollectionApi(APIView):
    required_scopes = ["consents"]
    permission_classes = BANK_WIDE

    class InputSerializer(StrictInputSerializer):
        # What the schema states as a pattern, and no longer than the stored column.
        url = serializers.URLField(max_length=500, validators=[http_url_validator()])
        events = serializers.ListField(child=serializers.ChoiceField(WEBHOOK_EVENTS), allow_empty=False, min_length=1)

    class CreatedOutput(WebhookOutput):
        secret = serializers.CharField(help_text="Signs every delivery (HMAC-SHA256); shown only now.")

    @extend_schema(
        request=InputSerializer, responses={201: CreatedOutput, **errors(400)}, summary="Subscribe to events"
    )
    def post(self, request: Request) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        subscription = webhook_subscribe(bank=participant_of(request), **given.validated_data)
        return Response(self.CreatedOutput(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[PageQuery],
        responses={200: page_of(WebhookOutput, "WebhookPage"), **errors(400, 404)},
        operation_id="v1_webhooks_list",
        summary="Your webhook subscriptions",
    )
    def get(self, request: Request) -> Response:
        queryset = WebhookSubscription.objects.filter(bank=participant_of(request), active=True)
        paginator = NewestFirstCursor()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(WebhookOutput(page, many=True).data)


class WebhookDetailApi(APIView):
    required_scopes = ["consents"]
    permission_classes = BANK_WIDE

    @extend_schema(request=None, responses={204: None, **errors(404)}, summary="Unsubscribe")
    def delete(self, request: Request, webhook_id) -> Response:
        subscription = get_object_or_404(WebhookSubscription, pk=webhook_id, bank=participant_of(request), active=True)
        webhook_delete(subscription=subscription)
        return Response(status=status.HTTP_204_NO_CONTENT)

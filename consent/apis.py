"""The bank's consent API: create, list, get, revoke."""

from urllib.parse import urlencode

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.models import Consent
from consent.permissions import BANK_WIDE
from consent.purposes import PURPOSES
from consent.selectors import consent_for_token, consents_for_token
from consent.services import consent_create, consent_revoke, consents_expire_due
from hub.categories import Category
from hub.openapi import errors, page_of
from hub.pagination import NewestFirstCursor, PageQuery
from hub.permissions import participant_of
from hub.serializers import StrictInputSerializer


def authorize_url(consent: Consent) -> str:
    """Where the bank sends the SME; the bank adds state, code_challenge and code_challenge_method=S256."""
    application = consent.bank.applications.order_by("id").first()
    params = {"response_type": "code", "client_id": application.client_id, "consent_id": str(consent.id)}
    if consent.redirect_uri:
        params["redirect_uri"] = consent.redirect_uri
    return f"{settings.HUB_BASE_URL}/o/authorize/?{urlencode(params)}"


class ConsentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    business_brn = serializers.CharField(source="business.brn")
    business_name = serializers.CharField(source="business.legal_name")
    bank = serializers.CharField(source="bank.slug")
    providers = serializers.SerializerMethodField()
    data_categories = serializers.ListField(child=serializers.CharField())
    purpose = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    expires_at = serializers.DateTimeField()
    redirect_uri = serializers.CharField()
    authorize_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    answer_by = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by = serializers.CharField()

    def get_providers(self, consent: Consent) -> list[str]:
        return sorted(provider.slug for provider in consent.providers.all())

    def get_authorize_url(self, consent: Consent) -> str | None:
        return authorize_url(consent) if consent.status == Consent.Status.AWAITING_AUTHORISATION else None


class ConsentCollectionApi(APIView):
    required_scopes = ["consents"]

    class InputSerializer(StrictInputSerializer):
        business_brn = serializers.RegexField(r"^[0-9]{8}$", error_messages={"invalid": "A BRN is exactly 8 digits."})
        data_categories = serializers.ListField(
            child=serializers.ChoiceField(Category.values), allow_empty=False, min_length=1
        )
        # Leave providers out for every active provider holding a requested category; an empty list names none.
        providers = serializers.ListField(
            child=serializers.SlugField(), required=False, allow_empty=False, min_length=1
        )
        purpose = serializers.ChoiceField(list(PURPOSES))
        date_from = serializers.DateField()
        date_to = serializers.DateField()
        expires_at = serializers.DateTimeField()
        redirect_uri = serializers.URLField(required=False, allow_blank=True, default="")

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(Consent.Status.values, required=False)

    def get_permissions(self):
        # Listing is open to a consent-bound token (it sees its one consent); asking for a new consent is not.
        if self.request.method == "POST":
            return [permission() for permission in BANK_WIDE]
        return super().get_permissions()

    @extend_schema(
        request=InputSerializer, responses={201: ConsentOutput, **errors(400)}, summary="Ask a business for consent"
    )
    def post(self, request: Request) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        consent = consent_create(
            bank=participant_of(request), providers=given.validated_data.pop("providers", None), **given.validated_data
        )
        return Response(ConsentOutput(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[FilterSerializer, PageQuery],
        responses={200: page_of(ConsentOutput, "ConsentPage"), **errors(400, 404)},
        operation_id="v1_consents_list",
        summary="Your consents, newest first",
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        consents_expire_due(among=consents_for_token(request.auth))
        queryset = consents_for_token(request.auth).select_related("business", "bank").prefetch_related("providers")
        if "status" in filters.validated_data:
            queryset = queryset.filter(status=filters.validated_data["status"])
        paginator = NewestFirstCursor()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ConsentOutput(page, many=True).data)


class ConsentDetailApi(APIView):
    required_scopes = ["consents"]

    @extend_schema(responses={200: ConsentOutput, **errors(404)}, summary="One of your consents")
    def get(self, request: Request, consent_id) -> Response:
        return Response(ConsentOutput(consent_for_token(request.auth, consent_id)).data)


class ConsentRevokeApi(APIView):
    required_scopes = ["consents"]

    @extend_schema(
        request=None,
        responses={200: ConsentOutput, **errors(404, 409)},
        summary="Revoke a consent (repeating it is harmless)",
    )
    def post(self, request: Request, consent_id) -> Response:
        consent = consent_for_token(request.auth, consent_id)
        consent = consent_revoke(consent=consent, bank=participant_of(request))
        consent = consent_for_token(request.auth, consent.pk)
        return Response(ConsentOutput(consent).data)

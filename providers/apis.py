"""The bank's records and fetch sessions, and the providers' push."""

import base64
from collections import Counter
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from consent.models import Consent
from consent.selectors import bound_consent_id, consent_for_token
from consent.services import access_reads_record
from hub.categories import Category
from hub.errors import ConsentNotLive
from hub.fx import CENTS
from hub.openapi import errors, page_of
from hub.pagination import CursorField
from hub.permissions import participant_of
from hub.renderers import FastJSONRenderer
from providers import fetcher
from providers.ingest import records_push
from providers.models import FetchSession, Record
from providers.openapi import RecordField

MAX_PUSH = 1000
_RECORD_FIELDS = (
    "id",
    "external_id",
    "category",
    "provider__slug",
    "occurred_at",
    "amount",
    "currency",
    "amount_hkd",
    "fx_rate",
    "attributes",
)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = f"At most {MAX_PUSH} records a call."


def _text(value) -> str | None:
    return None if value is None else str(value)


def _money(value: Decimal | None) -> str | None:
    """An amount as the provider gave it: two decimals unless it has more."""
    if value is None:
        return None
    cents = value.quantize(CENTS)
    return str(cents if cents == value else value.normalize())


def _record(row: dict) -> dict:
    """One record as served: a plain dict, no serializer machinery on the hot path."""
    return {
        "external_id": row["external_id"],
        "provider": row["provider__slug"],
        "category": row["category"],
        "occurred_at": row["occurred_at"].isoformat(),
        "amount": _money(row["amount"]),
        # A record without an amount (profile) has no currency either.
        "currency": row["currency"] or None,
        "amount_hkd": _text(row["amount_hkd"]),
        "fx_rate": _text(row["fx_rate"]),
        **row["attributes"],
    }


def _decode_cursor(value: str | None) -> int:
    """The last record id a page showed; a cursor the hub cannot have issued names no page (404), as on
    every other list (Django REST Framework's cursor pagination)."""
    if not value:
        return 0
    try:
        last_id = int(base64.urlsafe_b64decode(value.encode()).decode())
    except ValueError:
        last_id = 0
    # Ids are positive 64-bit integers; anything else would fail in the database, not here.
    if not 0 < last_id < 2**63:
        raise exceptions.NotFound("This cursor was not issued by the hub.")
    return last_id


class ConsentRecordsApi(APIView):
    """Records are served in the order the hub stored them (by id): a cursor is the last id seen, so
    records added while a bank pages through appear at the end and never repeat."""

    required_scopes = ["data"]
    renderer_classes = [FastJSONRenderer]

    class FilterSerializer(serializers.Serializer):
        category = serializers.ChoiceField(Category.values, required=False)
        provider = serializers.SlugField(required=False)
        to = serializers.DateField(required=False)
        cursor = CursorField()
        page_size = serializers.IntegerField(min_value=1, max_value=500, default=100)

        def get_fields(self):
            fields = super().get_fields()
            # "from" is a Python keyword, so the field is added by name.
            fields["from"] = serializers.DateField(required=False)
            return fields

    @extend_schema(
        parameters=[FilterSerializer],
        responses={
            200: inline_serializer(
                "RecordPage",
                {
                    "results": serializers.ListField(child=RecordField(served=True)),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                },
            ),
            **errors(400, 404),
        },
        summary="The records shared under a live consent",
    )
    def get(self, request: Request, consent_id) -> Response:
        token = request.auth
        bound = bound_consent_id(token)
        if bound is not None and str(bound) != str(consent_id):
            raise exceptions.NotFound()
        given = self.FilterSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        query = given.validated_data
        rows = self._page(token, consent_id, query)
        if not rows:
            self._explain_empty(token, consent_id)
        size = query["page_size"]
        page = rows[:size]
        access_reads_record(consent_id=consent_id, counts=Counter(row["category"] for row in page))
        next_url = None
        if len(rows) > size:
            cursor = base64.urlsafe_b64encode(str(page[-1]["id"]).encode()).decode()
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", cursor)
        return Response({"results": [_record(row) for row in page], "next": next_url, "previous": None})

    @staticmethod
    def _page(token, consent_id, query: dict) -> list[dict]:
        # One query checks the consent (this bank's, live, not past expiry) and reads the page.
        records = Record.objects.filter(
            consent_id=consent_id,
            consent__bank_id=token.application.participant_id,
            consent__status=Consent.Status.AUTHORISED,
            consent__expires_at__gt=timezone.now(),
            id__gt=_decode_cursor(query.get("cursor")),
        )
        if "category" in query:
            records = records.filter(category=query["category"])
        if "provider" in query:
            records = records.filter(provider__slug=query["provider"])
        if "from" in query:
            records = records.filter(occurred_at__date__gte=query["from"])
        if "to" in query:
            records = records.filter(occurred_at__date__lte=query["to"])
        return list(records.order_by("id").values(*_RECORD_FIELDS)[: query["page_size"] + 1])

    @staticmethod
    def _explain_empty(token, consent_id) -> None:
        """An empty page: say why when the consent is not this bank's (404) or not live (403)."""
        consent = consent_for_token(token, consent_id)
        if not consent.is_live():
            raise ConsentNotLive(f"The consent is {consent.status}; no data is served under it.")


class FetchSessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField(source="provider.slug")
    category = serializers.CharField()
    status = serializers.CharField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejections = serializers.ListField(child=serializers.DictField())
    error = serializers.CharField()
    pages = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)


FetchSessionPage = page_of(FetchSessionOutput, "FetchSessionPage")


class ConsentFetchesApi(APIView):
    required_scopes = ["data"]

    @extend_schema(
        operation_id="v1_consents_fetches_list",
        responses={200: FetchSessionPage, **errors(404)},
        summary="The fetch sessions of a consent",
    )
    def get(self, request: Request, consent_id) -> Response:
        consent = consent_for_token(request.auth, consent_id)
        sessions = FetchSession.objects.filter(consent=consent).select_related("provider")[:200]
        return Response({"results": FetchSessionOutput(sessions, many=True).data, "next": None, "previous": None})

    @extend_schema(
        request=None,
        responses={202: FetchSessionPage, **errors(404)},
        summary="Fetch again where the purpose allows; otherwise the sessions as they are",
    )
    def post(self, request: Request, consent_id) -> Response:
        consent = consent_for_token(request.auth, consent_id)
        if not consent.is_live():
            raise ConsentNotLive(f"The consent is {consent.status}; nothing can be fetched under it.")
        sessions = fetcher.fetch_plan(consent=consent)
        return Response(
            {"results": FetchSessionOutput(sessions, many=True).data, "next": None, "previous": None},
            status=status.HTTP_202_ACCEPTED,
        )


class ProviderRecordsPushApi(APIView):
    required_scopes = ["records:write"]

    class InputSerializer(serializers.Serializer):
        # Each record is checked by the ingest itself, which rejects a bad one with its reason. A longer list
        # than max_length never gets here: the view answers it with 413 first.
        records = serializers.ListField(
            child=RecordField(served=False), allow_empty=False, min_length=1, max_length=MAX_PUSH
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "PushResult",
                {
                    "accepted": serializers.IntegerField(),
                    "rejected": serializers.IntegerField(),
                    "rejections": serializers.ListField(child=serializers.DictField()),
                },
            ),
            **errors(400, 413),
        },
        summary="Push records for businesses under live consents naming you",
    )
    def post(self, request: Request) -> Response:
        records = request.data.get("records") if isinstance(request.data, dict) else None
        if isinstance(records, list) and len(records) > MAX_PUSH:
            raise PayloadTooLarge()
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        result = records_push(provider=participant_of(request), records=given.validated_data["records"])
        return Response({"accepted": result.accepted, "rejected": result.rejected, "rejections": result.rejections})

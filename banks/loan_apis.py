from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from banks.loans import loan_decide, loan_submit
from banks.models import LoanApplication
from consent.selectors import consent_for_token, consents_for_token
from hub.fields import MoneyField, NullOnlyField
from hub.openapi import errors, page_of
from hub.pagination import NewestFirstCursor, PageQuery
from hub.permissions import participant_of
from hub.serializers import StrictInputSerializer
from providers.schemas import CURRENCIES


class LoanOutput(serializers.Serializer):
    id = serializers.UUIDField()
    consent_id = serializers.UUIDField()
    business_brn = serializers.CharField(source="business.brn")
    product = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    amount_hkd = serializers.DecimalField(max_digits=16, decimal_places=2)
    fx_rate = serializers.DecimalField(max_digits=18, decimal_places=8)
    status = serializers.CharField()
    approved_amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    approved_amount_hkd = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


def _visible(request: Request) -> QuerySet:
    """The bank's loan applications, or with a consent-bound token those under its one consent."""
    return LoanApplication.objects.filter(bank=participant_of(request), consent__in=consents_for_token(request.auth))


def _own(request: Request, application_id) -> LoanApplication:
    application = _visible(request).select_related("business", "bank").filter(pk=application_id).first()
    if application is None:
        raise Http404
    return application


class LoanCollectionApi(APIView):
    required_scopes = ["loans"]

    class InputSerializer(StrictInputSerializer):
        consent_id = serializers.UUIDField()
        amount = MoneyField()
        currency = serializers.ChoiceField(CURRENCIES)
        product = serializers.CharField(max_length=60)

    @extend_schema(
        request=InputSerializer,
        # 404: the consent_id names no consent of yours.
        responses={201: LoanOutput, **errors(400, 404)},
        summary="Report a loan application",
    )
    def post(self, request: Request) -> Response:
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        consent = consent_for_token(request.auth, data["consent_id"])
        application = loan_submit(
            bank=participant_of(request),
            consent=consent,
            amount=data["amount"],
            currency=data["currency"],
            product=data["product"],
        )
        return Response(LoanOutput(application).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[PageQuery],
        responses={200: page_of(LoanOutput, "LoanPage"), **errors(400, 404)},
        operation_id="v1_loan_applications_list",
        summary="Your loan applications",
    )
    def get(self, request: Request) -> Response:
        queryset = _visible(request).select_related("business")
        paginator = NewestFirstCursor()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(LoanOutput(page, many=True).data)


class LoanDetailApi(APIView):
    required_scopes = ["loans"]

    class DecisionSerializer(StrictInputSerializer):
        status = serializers.ChoiceField(["approved", "declined", "withdrawn"])
        approved_amount = MoneyField(required=False, allow_null=True)

    # The two shapes a decision takes, for the schema; DecisionSerializer and loan_decide enforce them.
    class ApprovalSerializer(serializers.Serializer):
        """An approval, with the amount approved."""

        status = serializers.ChoiceField(["approved"])
        approved_amount = MoneyField(help_text="At most the amount asked, in its currency.")

    class ClosingSerializer(serializers.Serializer):
        """A decline or a withdrawal, which carries no approved amount."""

        status = serializers.ChoiceField(["declined", "withdrawn"])
        approved_amount = NullOnlyField(required=False)

    Decision = PolymorphicProxySerializer(
        component_name="LoanDecision",
        serializers=[ApprovalSerializer, ClosingSerializer],
        resource_type_field_name=None,
    )

    @extend_schema(responses={200: LoanOutput, **errors(404)}, summary="One of your loan applications")
    def get(self, request: Request, application_id) -> Response:
        return Response(LoanOutput(_own(request, application_id)).data)

    @extend_schema(request=Decision, responses={200: LoanOutput, **errors(400, 404, 409)}, summary="Record the outcome")
    def patch(self, request: Request, application_id) -> Response:
        application = _own(request, application_id)
        given = self.DecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        application = loan_decide(
            application=application,
            status=given.validated_data["status"],
            approved_amount=given.validated_data.get("approved_amount"),
        )
        return Response(LoanOutput(_own(request, application.pk)).data)

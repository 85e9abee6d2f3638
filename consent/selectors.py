from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404
from oauth2_provider.models import AbstractAccessToken

from businesses.models import Membership
from consent.models import Consent, ConsentToken
from consent.services import consent_expire_if_due


def bound_consent_id(token: AbstractAccessToken):
    """The consent a redirect-flow token is limited to, or None for a bank's own client token."""
    try:
        return token.consent_binding.consent_id
    except ConsentToken.DoesNotExist:
        return None


def consents_for_token(token: AbstractAccessToken) -> QuerySet:
    """The consents this token reaches: its bank's, or the one consent it is bound to."""
    queryset = Consent.objects.filter(bank_id=token.application.participant_id)
    consent_id = bound_consent_id(token)
    return queryset.filter(pk=consent_id) if consent_id else queryset


def consent_for_token(token: AbstractAccessToken, consent_id) -> Consent:
    consent = (
        consents_for_token(token)
        .select_related("business", "bank")
        .prefetch_related("providers")
        .filter(pk=consent_id)
        .first()
    )
    if consent is None:
        raise Http404
    return consent_expire_if_due(consent=consent)


def consents_for_user(user: AbstractBaseUser) -> QuerySet:
    return Consent.objects.filter(business__memberships__user=user).select_related("bank", "business")


def consent_for_user(user: AbstractBaseUser, consent_id) -> tuple[Consent, Membership]:
    """The consent and the user's membership of its business; 404 for anyone outside it."""
    consent = Consent.objects.select_related("bank", "business").filter(pk=consent_id).first()
    membership = consent and Membership.objects.filter(user=user, business_id=consent.business_id).first()
    if consent is None or membership is None:
        raise Http404
    return consent_expire_if_due(consent=consent), membership

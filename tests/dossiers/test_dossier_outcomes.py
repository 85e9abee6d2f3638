"""How a build ends when it cannot produce a dossier: failed, with its reason, and the bank told once."""

import pytest

from banks.models import WebhookDelivery, WebhookSubscription
from consent import services
from dossiers import services as dossier_services
from dossiers.models import Dossier
from dossiers.services import dossier_build, dossier_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


@pytest.fixture
def subscription(bank_a):
    return WebhookSubscription.objects.create(
        bank=bank_a.participant,
        url="https://bank-a.example/events",
        events=["dossier.ready", "dossier.failed"],
        secret="s",
    )


def test_a_consent_revoked_before_the_build_starts_fails_the_dossier(consent, bank_a, sme, subscription):
    dossier = dossier_request(consent=consent, bank=bank_a.participant)
    services.consent_revoke(consent=consent, user=sme.owner)
    assert dossier_build(dossier_id=dossier.pk) == "failed"
    dossier.refresh_from_db()
    assert (dossier.status, dossier.failure_reason, dossier.progress) == ("failed", "the consent is revoked", 1.0)
    assert dossier.metrics == {} and dossier.signature == ""
    [delivery] = WebhookDelivery.objects.filter(subscription=subscription)
    assert delivery.event == "dossier.failed"
    assert delivery.payload["data"] == {
        "dossier_id": str(dossier.pk),
        "consent_id": str(consent.pk),
        "status": "failed",
        "failure_reason": "the consent is revoked",
    }
    # Asked again, the build finds the dossier finished: no second webhook.
    assert dossier_build(dossier_id=dossier.pk) == "failed"
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 1


def test_a_consent_revoked_while_the_data_is_fetched_fails_the_dossier(consent, bank_a, sme, subscription, monkeypatch):
    def fetch_while_the_sme_revokes(dossier, token):
        services.consent_revoke(consent=consent, user=sme.owner)
        return []

    monkeypatch.setattr(dossier_services, "_fetch", fetch_while_the_sme_revokes)
    dossier = dossier_request(consent=consent, bank=bank_a.participant)
    assert dossier_build(dossier_id=dossier.pk) == "failed"
    dossier.refresh_from_db()
    assert dossier.failure_reason == "the consent is revoked"
    assert dossier.signature == ""
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["dossier.failed"]


def test_a_paused_consent_fails_the_dossier_naming_the_pause(consent, bank_a, sme):
    dossier = Dossier.objects.create(consent=consent, bank=bank_a.participant)
    services.consent_pause(consent=consent, user=sme.owner)
    assert dossier_build(dossier_id=dossier.pk) == "failed"
    assert Dossier.objects.get(pk=dossier.pk).failure_reason == "the consent is paused"

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


def test_a_consent_revoked_while_the_figures_are_worked_out_fails_the_dossier(
    client, consent, bank_a, sme, provider, subscription, monkeypatch
):
    from consent.models import AccessEvent
    from providers.ingest import records_ingest
    from tests.conftest import obtain_token
    from tests.providers.helpers import sale

    records_ingest(consent=consent, provider=provider.participant, category="sales", records=[sale(1)])
    monkeypatch.setattr(dossier_services, "_fetch", lambda dossier, token: [])
    worked_out = dossier_services.DossierMetrics.all

    def figures_while_the_sme_revokes(metrics):
        figures = worked_out(metrics)
        services.consent_revoke(consent=consent, user=sme.owner)
        return figures

    monkeypatch.setattr(dossier_services.DossierMetrics, "all", figures_while_the_sme_revokes)
    dossier = dossier_request(consent=consent, bank=bank_a.participant)
    assert dossier_build(dossier_id=dossier.pk) == "failed"
    dossier.refresh_from_db()
    assert (dossier.failure_reason, dossier.signature, dossier.metrics) == ("the consent is revoked", "", {})
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["dossier.failed"]
    # The bank polling it still learns how it ended, though the consent is revoked.
    auth = {"HTTP_AUTHORIZATION": f"Bearer {obtain_token(client, bank_a)['access_token']}"}
    polled = client.get(f"/api/v1/dossiers/{dossier.pk}", **auth)
    assert polled.status_code == 200
    assert (polled.json()["status"], polled.json()["failure_reason"]) == ("failed", "the consent is revoked")
    assert not AccessEvent.objects.filter(kind="dossier").exists()


def test_a_paused_consent_fails_the_dossier_naming_the_pause(consent, bank_a, sme):
    dossier = Dossier.objects.create(consent=consent, bank=bank_a.participant)
    services.consent_pause(consent=consent, user=sme.owner)
    assert dossier_build(dossier_id=dossier.pk) == "failed"
    assert Dossier.objects.get(pk=dossier.pk).failure_reason == "the consent is paused"

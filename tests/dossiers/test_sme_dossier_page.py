"""The SME's page for a dossier its bank receives."""

import pytest
from django.utils import timezone

from consent import services
from participants.services import participant_register
from providers.ingest import records_push
from tests.providers.helpers import built_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed_dossier(bank_a, sme, make_consent):
    """A dossier over records a provider without an API pushed to the hub."""
    pusher = participant_register(kind="provider", name="Push Only", data_categories=["sales"]).participant
    consent = services.consent_authorise(consent=make_consent(providers=["push-only"]), user=sme.owner)
    today = timezone.localdate().isoformat()
    result = records_push(
        provider=pusher,
        records=[
            {
                "business_brn": sme.brn,
                "category": "sales",
                "external_id": str(n),
                "occurred_at": f"{today}T10:00:00+08:00",
                "amount": "10.00",
                "currency": "HKD",
                "channel": "pos",
                "status": "completed",
                "customer_ref": f"C{n}",
            }
            for n in range(3)
        ],
    )
    assert result.accepted == 3
    dossier = built_dossier(bank_a, consent)
    assert dossier.sources[0]["status"] == "pushed"
    return dossier


def test_it_shows_a_dossier_whose_source_was_pushed_rather_than_fetched(client, sme, pushed_dossier):
    client.force_login(sme.viewer)
    page = client.get(f"/consents/{pushed_dossier.consent_id}/dossiers/{pushed_dossier.pk}/")
    assert page.status_code == 200
    assert "Sent by the provider" in page.content.decode()


def test_another_business_cannot_open_it(client, sme, pushed_dossier):
    client.force_login(sme.outsider)
    assert client.get(f"/consents/{pushed_dossier.consent_id}/dossiers/{pushed_dossier.pk}/").status_code == 404

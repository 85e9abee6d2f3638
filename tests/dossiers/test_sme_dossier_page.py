"""The SME's page for a dossier its bank receives."""

import pytest

from consent import services
from participants.services import participant_register
from providers.ingest import records_push
from tests.providers.helpers import built_dossier, sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed_dossier(bank_a, sme, make_consent):
    """A dossier over records a provider without an API pushed to the hub."""
    pusher = participant_register(kind="provider", name="Push Only", data_categories=["sales"]).participant
    consent = services.consent_authorise(consent=make_consent(providers=["push-only"]), user=sme.owner)
    result = records_push(
        provider=pusher,
        records=[sale(n, business_brn=sme.brn, category="sales", customer_ref=f"C{n}") for n in range(3)],
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


def test_it_shows_every_section_the_bank_receives(client, sme, pushed_dossier):
    client.force_login(sme.viewer)
    page = client.get(f"/consents/{pushed_dossier.consent_id}/dossiers/{pushed_dossier.pk}/")
    html = page.content.decode()
    for figure in (
        "trailing_12m",
        "mom_growth",
        "yoy_growth",
        "volatility_cv",
        "refund_rate",
        "average_order_value",
        "active_customers_12m",
        "top5_customer_share_12m",
        "cash_net_total",
        "days_sales_outstanding",
        "overdue_receivables_ratio",
        "late_payables_ratio",
        "on_time_payment_ratio",
        "delivery_success_rate",
        "return_rate",
        "registry_status",
        "business_age_months",
        "months_with_data",
        "gaps",
        "duplicates_dropped",
        "conversions",
    ):
        assert f'id="fig-{figure}"' in html, figure
    # Three sales of HK$10 today: an average order of HK$10.00, each record named among the inputs.
    assert 'id="fig-average_order_value">HK$10.00<' in html
    assert "Based on 3 records from push-only" in html
    assert page.context["months"][-1]["sales"] == 30.0


def test_the_sme_downloads_the_dossier_exactly_as_the_bank_receives_it(client, bank_a, sme, pushed_dossier):
    from tests.conftest import obtain_token

    client.force_login(sme.viewer)
    download = client.get(f"/consents/{pushed_dossier.consent_id}/dossiers/{pushed_dossier.pk}/dossier.json")
    assert download["Content-Disposition"] == f'attachment; filename="dossier-{pushed_dossier.pk}.json"'
    client.logout()
    token = obtain_token(client, bank_a)["access_token"]
    api = client.get(f"/api/v1/dossiers/{pushed_dossier.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert download.json() == api.json()
    assert download.json()["signature"]


def test_another_business_cannot_download_it(client, sme, pushed_dossier):
    client.force_login(sme.outsider)
    url = f"/consents/{pushed_dossier.consent_id}/dossiers/{pushed_dossier.pk}/dossier.json"
    assert client.get(url).status_code == 404

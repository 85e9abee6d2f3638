"""GET /api/v1/consents/{id}/records: boundaries, filters, stable cursor, liveness, query count."""

import datetime as dt

import pytest
from django.utils import timezone

from consent import services
from consent.models import AccessEvent, Consent
from hub.models import FxRate
from providers.ingest import records_ingest
from tests.conftest import obtain_token


def sale(n: int, day: dt.date, currency: str = "HKD", amount: str = "100.00") -> dict:
    return {
        "external_id": f"S{n}",
        "occurred_at": f"{day.isoformat()}T10:00:00+08:00",
        "amount": amount,
        "currency": currency,
        "channel": "pos",
        "status": "completed",
        "customer_ref": f"C{n % 7}",
    }


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


@pytest.fixture
def bearer(client, bank_a):
    return {"HTTP_AUTHORIZATION": f"Bearer {obtain_token(client, bank_a, scope='data')['access_token']}"}


def ingest(consent, provider, records):
    return records_ingest(consent=consent, provider=provider.participant, category="sales", records=records)


def read_all(client, bearer, consent, **params) -> list[dict]:
    found, url = [], f"/api/v1/consents/{consent.pk}/records"
    query = {"page_size": 7, **params}
    while url:
        body = client.get(url, query, **bearer).json()
        found += body["results"]
        url, query = body["next"], {}
    return found


def test_records_are_served_with_provider_category_and_hkd(client, bearer, consent, provider):
    FxRate.objects.create(currency="USD", on=dt.date(2020, 1, 1), rate_to_hkd="7.8")
    today = timezone.localdate()
    ingest(consent, provider, [sale(1, today, "USD", "10.00")])
    (record,) = client.get(f"/api/v1/consents/{consent.pk}/records", **bearer).json()["results"]
    assert record["provider"] == "shop-one"
    assert record["category"] == "sales"
    assert (record["amount"], record["currency"], record["amount_hkd"]) == ("10.00", "USD", "78.00")
    assert record["fx_rate"] == "7.80000000"
    assert record["channel"] == "pos"


def test_cursor_paging_neither_repeats_nor_loses_records_added_meanwhile(client, bearer, consent, provider):
    today = timezone.localdate()
    ingest(consent, provider, [sale(n, today - dt.timedelta(days=n)) for n in range(20)])
    first = client.get(f"/api/v1/consents/{consent.pk}/records", {"page_size": 7}, **bearer).json()
    ingest(consent, provider, [sale(n, today - dt.timedelta(days=n)) for n in range(20, 25)])
    seen = [r["external_id"] for r in first["results"]]
    url = first["next"]
    while url:
        body = client.get(url, **bearer).json()
        seen += [r["external_id"] for r in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(f"S{n}" for n in range(25))
    assert len(seen) == len(set(seen))


def test_filters_by_category_provider_and_date(client, bearer, consent, provider):
    today = timezone.localdate()
    ingest(consent, provider, [sale(n, today - dt.timedelta(days=n)) for n in range(10)])
    recent = read_all(client, bearer, consent, **{"from": (today - dt.timedelta(days=3)).isoformat()})
    assert sorted(r["external_id"] for r in recent) == ["S0", "S1", "S2", "S3"]
    older = read_all(client, bearer, consent, to=(today - dt.timedelta(days=8)).isoformat())
    assert sorted(r["external_id"] for r in older) == ["S8", "S9"]
    assert len(read_all(client, bearer, consent, category="sales", provider="shop-one")) == 10
    assert read_all(client, bearer, consent, provider="someone-else") == []
    assert read_all(client, bearer, consent, category="payments") == []
    assert client.get(f"/api/v1/consents/{consent.pk}/records", {"category": "gossip"}, **bearer).status_code == 400


def test_records_outside_the_consent_are_never_stored_or_served(client, bearer, consent, provider, make_consent, sme):
    other = services.consent_authorise(consent=make_consent(), user=sme.owner)
    today = timezone.localdate()
    result = ingest(consent, provider, [sale(1, today), sale(2, consent.date_from - dt.timedelta(days=1))])
    assert (result.accepted, result.rejected) == (1, 1)
    assert "outside the consent's range" in result.rejections[0]["reason"]
    ingest(other, provider, [sale(3, today)])
    assert [r["external_id"] for r in read_all(client, bearer, consent)] == ["S1"]


@pytest.mark.parametrize("end", ["pause", "revoke"])
def test_a_consent_that_is_not_live_answers_403(client, bearer, consent, provider, sme, end):
    ingest(consent, provider, [sale(1, timezone.localdate())])
    getattr(services, f"consent_{end}")(consent=consent, user=sme.owner)
    response = client.get(f"/api/v1/consents/{consent.pk}/records", **bearer)
    assert response.status_code == 403
    assert response.json()["error"] == "consent_not_live"


def test_a_consent_past_expiry_is_never_served_sweep_or_not(client, bearer, consent, provider):
    ingest(consent, provider, [sale(1, timezone.localdate())])
    Consent.objects.filter(pk=consent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(f"/api/v1/consents/{consent.pk}/records", **bearer).status_code == 403


def test_another_banks_consent_answers_404(client, consent, provider, bank_b):
    ingest(consent, provider, [sale(1, timezone.localdate())])
    token = obtain_token(client, bank_b, scope="data")["access_token"]
    response = client.get(f"/api/v1/consents/{consent.pk}/records", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 404


def test_a_token_without_the_data_scope_is_refused(client, consent, bank_a):
    token = obtain_token(client, bank_a, scope="consents")["access_token"]
    assert client.get(f"/api/v1/consents/{consent.pk}/records", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403


@pytest.mark.parametrize("page_size", [10, 100])
def test_a_page_costs_three_queries_whatever_its_size(
    client, bearer, consent, provider, page_size, django_assert_num_queries
):
    today = timezone.localdate()
    ingest(consent, provider, [sale(n, today - dt.timedelta(days=n % 300)) for n in range(150)])
    path = f"/api/v1/consents/{consent.pk}/records"
    # The first call on a consent in a process also learns the consent's business, for its rate limit.
    with django_assert_num_queries(4):
        client.get(path, {"page_size": page_size}, **bearer)
    # From then on: the token (with its client, participant and consent binding), the page, the access history.
    with django_assert_num_queries(3):
        body = client.get(path, {"page_size": page_size}, **bearer).json()
    assert len(body["results"]) == page_size


def test_every_read_is_written_to_the_access_history(client, bearer, consent, provider):
    ingest(consent, provider, [sale(n, timezone.localdate()) for n in range(5)])
    client.get(f"/api/v1/consents/{consent.pk}/records", **bearer)
    read = AccessEvent.objects.get(consent=consent, kind="read")
    assert (read.category, read.record_count) == ("sales", 5)


def test_a_profile_is_served_without_an_amount_or_a_currency(client, bearer, make_consent, sme):
    from participants.services import participant_register

    registry = participant_register(kind="provider", name="Registry", data_categories=["profile"]).participant
    consent = services.consent_authorise(
        consent=make_consent(data_categories=["profile"], providers=["registry"]), user=sme.owner
    )
    profile = {
        "external_id": "R-1",
        "occurred_at": f"{timezone.localdate().isoformat()}T00:00:00+08:00",
        "legal_name": "Harbour Tea House Ltd",
        "incorporated_on": "2019-04-01",
        "status": "live",
        "industry_code": "56101",
        # A profile has no amount: one sent anyway is not kept.
        "amount": "1.00",
        "currency": "HKD",
    }
    records_ingest(consent=consent, provider=registry, category="profile", records=[profile])
    (record,) = client.get(f"/api/v1/consents/{consent.pk}/records", **bearer).json()["results"]
    assert (record["amount"], record["currency"], record["amount_hkd"], record["fx_rate"]) == (None, None, None, None)
    assert (record["category"], record["legal_name"], record["status"]) == ("profile", "Harbour Tea House Ltd", "live")

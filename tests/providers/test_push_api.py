"""POST /api/v1/provider/records: under a live consent only, per-record verdicts, idempotent, capped."""

import datetime as dt

import pytest
from django.utils import timezone

from consent import services
from providers.models import Record
from tests.conftest import obtain_token


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


@pytest.fixture
def push(client, provider):
    token = obtain_token(client, provider)["access_token"]

    def send(records):
        return client.post(
            "/api/v1/provider/records",
            {"records": records},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return send


def sale(n: int, brn: str = "12345678", day: dt.date | None = None, **overrides) -> dict:
    day = day or timezone.localdate()
    return {
        "business_brn": brn,
        "category": "sales",
        "external_id": f"P{n}",
        "occurred_at": f"{day.isoformat()}T09:00:00+08:00",
        "amount": "50.00",
        "currency": "HKD",
        "channel": "online",
        "status": "completed",
        "customer_ref": "C1",
        **overrides,
    }


def test_valid_records_are_kept_beside_invalid_neighbours_with_reasons(push, consent):
    response = push([sale(1), sale(2, amount="lots"), sale(3, currency="ZZZ"), None, sale(4)])
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 3)
    assert [r["index"] for r in body["rejections"]] == [1, 2, 3]
    assert "amount" in body["rejections"][0]["reason"]
    assert "currency" in body["rejections"][1]["reason"]
    assert "JSON object" in body["rejections"][2]["reason"]
    assert sorted(Record.objects.values_list("external_id", flat=True)) == ["P1", "P4"]


def test_pushing_the_same_records_twice_stores_each_once(push, consent):
    assert push([sale(1), sale(2)]).json()["accepted"] == 2
    assert push([sale(1), sale(2, amount="75.00")]).json()["accepted"] == 2
    assert Record.objects.count() == 2
    assert str(Record.objects.get(external_id="P2").amount) == "75.0000"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (sale(1, brn="87654321"), "no live consent"),
        (sale(1, category="payments"), "does not declare"),
        (sale(1, day=timezone.localdate() - dt.timedelta(days=800)), "no live consent"),
        ({"category": "sales"}, "business_brn and category are required"),
        ({**sale(1), "business_brn": {"brn": "12345678"}}, "business_brn and category are required"),
        ({**sale(1), "category": ["sales"]}, "business_brn and category are required"),
    ],
)
def test_records_outside_a_live_consent_are_refused(push, consent, record, reason):
    body = push([record]).json()
    assert body["rejected"] == 1
    assert reason in body["rejections"][0]["reason"]
    assert not Record.objects.exists()


def test_nothing_is_accepted_once_the_consent_is_revoked(push, consent, sme):
    services.consent_revoke(consent=consent, user=sme.owner)
    body = push([sale(1)]).json()
    assert (body["accepted"], body["rejected"]) == (0, 1)
    assert "no live consent" in body["rejections"][0]["reason"]
    assert not Record.objects.exists()


def test_a_provider_not_named_in_the_consent_is_refused(client, consent):
    from participants.services import participant_register

    stranger = participant_register(
        kind="provider", name="Other Shop", data_categories=["sales"], api_base="https://other.example"
    )
    token = obtain_token(client, stranger)["access_token"]
    body = client.post(
        "/api/v1/provider/records",
        {"records": [sale(1)]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert body["accepted"] == 0


def test_a_batch_over_1000_is_refused_with_413(push, consent):
    response = push([sale(n) for n in range(1001)])
    assert response.status_code == 413
    assert not Record.objects.exists()


def test_a_malformed_body_answers_400(client, provider):
    token = obtain_token(client, provider)["access_token"]
    response = client.post(
        "/api/v1/provider/records", {"rows": []}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert "records" in response.json()["fields"]


def test_a_bank_cannot_push(client, bank_a):
    token = obtain_token(client, bank_a)["access_token"]
    response = client.post(
        "/api/v1/provider/records",
        {"records": [sale(1)]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403


def test_a_record_sent_again_keeps_the_time_it_first_arrived(push, consent):
    push([sale(1)])
    first = Record.objects.get().ingested_at
    push([sale(1)])
    push([sale(1, amount="60.00")])
    record = Record.objects.get()
    assert record.ingested_at == first
    assert str(record.amount) == "60.0000"

"""GET /api/v1/consents/{id}/fetches: each fetch session of the bank's consent, newest first, with its outcome."""

import datetime as dt

import pytest
from django.utils import timezone

from consent import services
from providers.models import FetchSession
from tests.conftest import obtain_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


@pytest.fixture
def bearer(client, bank_a):
    return {"HTTP_AUTHORIZATION": f"Bearer {obtain_token(client, bank_a, scope='data')['access_token']}"}


def test_it_lists_each_session_with_its_counts_reason_and_duration(client, bearer, consent, provider):
    started = timezone.now() - dt.timedelta(minutes=5)
    older = FetchSession.objects.create(
        consent=consent,
        provider=provider.participant,
        category="sales",
        status="partial",
        created_at=started,
        started_at=started,
        finished_at=started + dt.timedelta(seconds=12.5),
        pages=3,
        attempts=4,
        accepted=1200,
        rejected=1,
        rejections=[{"index": 7, "external_id": "S7", "reason": "amount: must match pattern"}],
        error="1 record(s) rejected by the schema",
    )
    newer = FetchSession.objects.create(consent=consent, provider=provider.participant, category="sales")

    response = client.get(f"/api/v1/consents/{consent.pk}/fetches", **bearer)
    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["previous"]) == (None, None)
    assert [s["id"] for s in body["results"]] == [newer.pk, older.pk]
    listed = body["results"][1]
    for stamp in ("created_at", "started_at", "finished_at"):
        assert dt.datetime.fromisoformat(listed.pop(stamp)) == getattr(older, stamp), stamp
    assert listed == {
        "id": older.pk,
        "provider": "shop-one",
        "category": "sales",
        "status": "partial",
        "accepted": 1200,
        "rejected": 1,
        "rejections": [{"index": 7, "external_id": "S7", "reason": "amount: must match pattern"}],
        "error": "1 record(s) rejected by the schema",
        "pages": 3,
        "duration_seconds": 12.5,
    }
    pending = body["results"][0]
    assert (pending["status"], pending["started_at"], pending["finished_at"], pending["duration_seconds"]) == (
        "pending",
        None,
        None,
        None,
    )


def test_another_banks_consent_answers_404(client, consent, provider, bank_b):
    FetchSession.objects.create(consent=consent, provider=provider.participant, category="sales")
    token = obtain_token(client, bank_b, scope="data")["access_token"]
    response = client.get(f"/api/v1/consents/{consent.pk}/fetches", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 404


def test_a_token_without_the_data_scope_is_refused(client, consent, bank_a):
    token = obtain_token(client, bank_a, scope="consents")["access_token"]
    response = client.get(f"/api/v1/consents/{consent.pk}/fetches", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_the_sessions_of_an_ended_consent_are_still_shown_but_no_new_fetch_is_started(
    client, bearer, consent, provider, sme
):
    FetchSession.objects.create(
        consent=consent, provider=provider.participant, category="sales", status="failed", error="stopped"
    )
    services.consent_revoke(consent=consent, user=sme.owner)
    listed = client.get(f"/api/v1/consents/{consent.pk}/fetches", **bearer)
    assert [s["error"] for s in listed.json()["results"]] == ["stopped"]
    again = client.post(f"/api/v1/consents/{consent.pk}/fetches", content_type="application/json", **bearer)
    assert again.status_code == 403
    assert again.json()["error"] == "consent_not_live"
    assert FetchSession.objects.filter(consent=consent).count() == 1

"""The bank's consent API: shapes, ownership, filters, pagination, revocation, bad input."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from consent import services
from consent.models import Consent
from tests.conftest import obtain_token


@pytest.fixture
def auth_a(client, bank_a):
    return {"HTTP_AUTHORIZATION": f"Bearer {obtain_token(client, bank_a)['access_token']}"}


@pytest.fixture
def auth_b(client, bank_b):
    return {"HTTP_AUTHORIZATION": f"Bearer {obtain_token(client, bank_b)['access_token']}"}


def body(**overrides) -> dict:
    today = timezone.localdate()
    return {
        "business_brn": "12345678",
        "data_categories": ["sales"],
        "purpose": "credit_assessment",
        "date_from": (today - dt.timedelta(days=300)).isoformat(),
        "date_to": today.isoformat(),
        "expires_at": (timezone.now() + dt.timedelta(days=30)).isoformat(),
        **overrides,
    }


def create(client, auth, **overrides):
    return client.post("/api/v1/consents", body(**overrides), content_type="application/json", **auth)


def test_a_bank_creates_a_consent_and_gets_an_authorize_url(client, auth_a, sme, provider, bank_a):
    response = create(client, auth_a, redirect_uri="https://bank-a.example/callback")
    assert response.status_code == 201, response.json()
    consent = response.json()
    assert consent["status"] == "awaiting_authorisation"
    assert consent["providers"] == ["shop-one"]
    assert consent["business_brn"] == "12345678"
    url = urlparse(consent["authorize_url"])
    params = parse_qs(url.query)
    assert url.path == "/o/authorize/"
    assert params["consent_id"] == [consent["id"]]
    assert params["client_id"] == [bank_a.application.client_id]
    assert params["redirect_uri"] == ["https://bank-a.example/callback"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"business_brn": "1234"}, "business_brn"),
        ({"business_brn": "99999999"}, "business_brn"),
        ({"data_categories": ["horoscopes"]}, "data_categories"),
        ({"providers": ["nobody"]}, "providers"),
        ({"purpose": "fun"}, "purpose"),
        ({"date_from": "1969-12-31"}, "date_from"),
        ({"date_from": "2020-01-01"}, "date_from"),
        ({"date_from": "01/02/2025"}, "date_from"),
        ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "next tuesday"}, "expires_at"),
        ({"expires_at": (timezone.now() + dt.timedelta(days=91)).isoformat()}, "expires_at"),
        ({"redirect_uri": "https://elsewhere.example/cb"}, "redirect_uri"),
    ],
)
def test_bad_input_answers_400_naming_the_field_and_writes_nothing(client, auth_a, sme, provider, overrides, field):
    response = create(client, auth_a, **overrides)
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "validation_error"
    assert field in payload["fields"]
    assert not Consent.objects.exists()


def test_a_bank_lists_only_its_own_consents_filtered_and_paginated(client, auth_a, auth_b, sme, provider):
    ids = [create(client, auth_a).json()["id"] for _ in range(3)]
    create(client, auth_b)
    services.consent_reject(consent=Consent.objects.get(pk=ids[0]), user=sme.owner)

    seen, url = [], "/api/v1/consents?page_size=2"
    while url:
        page = client.get(url, **auth_a).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(ids)

    awaiting = client.get("/api/v1/consents?status=awaiting_authorisation", **auth_a).json()["results"]
    assert sorted(c["id"] for c in awaiting) == sorted(ids[1:])
    assert client.get("/api/v1/consents?status=sleeping", **auth_a).json()["fields"]["status"]


def test_another_banks_consent_answers_404(client, auth_a, auth_b, sme, provider):
    consent_id = create(client, auth_a).json()["id"]
    assert client.get(f"/api/v1/consents/{consent_id}", **auth_b).status_code == 404
    response = client.post(f"/api/v1/consents/{consent_id}/revoke", content_type="application/json", **auth_b)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert Consent.objects.get(pk=consent_id).status == "awaiting_authorisation"


def test_revoking_is_idempotent_and_an_illegal_revocation_answers_409(client, auth_a, sme, provider):
    first = create(client, auth_a).json()["id"]
    assert client.post(f"/api/v1/consents/{first}/revoke", content_type="application/json", **auth_a).status_code == 409
    services.consent_authorise(consent=Consent.objects.get(pk=first), user=sme.owner)
    once = client.post(f"/api/v1/consents/{first}/revoke", content_type="application/json", **auth_a)
    twice = client.post(f"/api/v1/consents/{first}/revoke", content_type="application/json", **auth_a)
    assert once.status_code == twice.status_code == 200
    assert once.json()["status"] == twice.json()["status"] == "revoked"
    assert once.json()["revoked_by"] == "bank"
    assert once.json()["revoked_at"] == twice.json()["revoked_at"]


def test_a_consent_past_expiry_is_reported_expired_without_the_sweep(client, auth_a, sme, provider):
    consent_id = create(client, auth_a).json()["id"]
    services.consent_authorise(consent=Consent.objects.get(pk=consent_id), user=sme.owner)
    Consent.objects.filter(pk=consent_id).update(
        created_at=timezone.now() - dt.timedelta(days=40), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(f"/api/v1/consents/{consent_id}", **auth_a).json()["status"] == "expired"


def test_a_list_never_shows_a_consent_past_expiry_as_live(client, auth_a, sme, provider):
    consent_id = create(client, auth_a).json()["id"]
    services.consent_authorise(consent=Consent.objects.get(pk=consent_id), user=sme.owner)
    Consent.objects.filter(pk=consent_id).update(
        created_at=timezone.now() - dt.timedelta(days=40), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get("/api/v1/consents?status=authorised", **auth_a).json()["results"] == []
    expired = client.get("/api/v1/consents?status=expired", **auth_a).json()["results"]
    assert [c["id"] for c in expired] == [consent_id]


def test_a_token_without_the_consents_scope_is_refused_403(client, bank_a, sme, provider):
    token = obtain_token(client, bank_a, scope="data")["access_token"]
    response = client.get("/api/v1/consents", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert response.json()["error"] in {"forbidden", "permission_denied"}


def test_a_provider_token_cannot_use_the_consent_api(client, provider, sme):
    token = obtain_token(client, provider)["access_token"]
    assert (
        client.post(
            "/api/v1/consents", body(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        ).status_code
        == 403
    )


def test_the_client_cannot_set_fields_the_hub_fixes(client, auth_a, sme, provider):
    response = create(client, auth_a, status="authorised", bank="bank-b", id="00000000-0000-0000-0000-000000000001")
    assert response.status_code == 201
    consent = response.json()
    assert consent["status"] == "awaiting_authorisation"
    assert consent["bank"] == "bank-a"
    assert consent["id"] != "00000000-0000-0000-0000-000000000001"

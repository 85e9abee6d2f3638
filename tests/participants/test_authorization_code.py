"""The authorization-code grant: PKCE S256 only, codes single use and short-lived, refresh rotation."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from oauth2_provider.models import Grant

from consent.models import Consent
from tests.conftest import basic_auth, pkce_pair

REDIRECT = "https://bank-a.example/callback"


@pytest.fixture
def sme_user(sme):
    return sme.owner


@pytest.fixture
def consent(make_consent):
    return make_consent()


def authorize(client, bank, *, challenge: str | None, method: str | None = "S256", consent_id=None):
    if consent_id is None:
        consent_id = Consent.objects.filter(bank=bank.participant, status="awaiting_authorisation").first().pk
    params = {
        "consent_id": str(consent_id),
        "response_type": "code",
        "client_id": bank.application.client_id,
        "redirect_uri": REDIRECT,
        "state": "xyz",
        "scope": "data",
    }
    if challenge is not None:
        params["code_challenge"] = challenge
    if method is not None:
        params["code_challenge_method"] = method
    page = client.get("/o/authorize/", params)
    if page.status_code != 200:
        return page
    return client.post("/o/authorize/", {**params, "decision": "approve"})


def query(response) -> dict:
    return {key: values[0] for key, values in parse_qs(urlparse(response["Location"]).query).items()}


def exchange(client, bank, code: str, verifier: str):
    return client.post(
        "/o/token/",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        HTTP_AUTHORIZATION=basic_auth(bank),
    )


def test_it_issues_a_code_and_a_token_with_pkce_s256(client, bank_a, sme_user, consent):
    client.force_login(sme_user)
    verifier, challenge = pkce_pair()
    redirect = authorize(client, bank_a, challenge=challenge)
    assert redirect.status_code == 302
    params = query(redirect)
    assert params["state"] == "xyz"
    token = exchange(client, bank_a, params["code"], verifier)
    assert token.status_code == 200, token.content
    assert token.json()["scope"] == "data"
    assert token.json()["refresh_token"]


def test_it_refuses_a_request_without_pkce(client, bank_a, sme_user, consent):
    client.force_login(sme_user)
    response = authorize(client, bank_a, challenge=None, method=None)
    assert response.status_code == 302
    assert query(response)["error"] == "invalid_request"
    assert not Grant.objects.exists()


def test_it_refuses_the_plain_pkce_method(client, bank_a, sme_user, consent):
    client.force_login(sme_user)
    verifier, _ = pkce_pair()
    response = authorize(client, bank_a, challenge=verifier, method="plain")
    assert "code" not in query(response)
    assert query(response)["error"] == "invalid_request"
    assert not Grant.objects.exists()


def test_it_refuses_a_wrong_code_verifier(client, bank_a, sme_user, consent):
    client.force_login(sme_user)
    _, challenge = pkce_pair()
    code = query(authorize(client, bank_a, challenge=challenge))["code"]
    other_verifier, _ = pkce_pair()
    response = exchange(client, bank_a, code, other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_it_refuses_a_code_used_twice(client, bank_a, sme_user, consent):
    client.force_login(sme_user)
    verifier, challenge = pkce_pair()
    code = query(authorize(client, bank_a, challenge=challenge))["code"]
    assert exchange(client, bank_a, code, verifier).status_code == 200
    second = exchange(client, bank_a, code, verifier)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_it_refuses_a_code_older_than_sixty_seconds(client, bank_a, sme_user, consent):
    client.force_login(sme_user)
    verifier, challenge = pkce_pair()
    code = query(authorize(client, bank_a, challenge=challenge))["code"]
    grant = Grant.objects.get()
    assert grant.expires - timezone.now() <= dt.timedelta(seconds=60)
    Grant.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert exchange(client, bank_a, code, verifier).status_code == 400


def test_it_refuses_another_clients_code(client, bank_a, bank_b, sme_user, consent):
    client.force_login(sme_user)
    verifier, challenge = pkce_pair()
    code = query(authorize(client, bank_a, challenge=challenge))["code"]
    assert exchange(client, bank_b, code, verifier).status_code == 400


def test_refresh_tokens_rotate_and_a_reused_one_is_refused(client, bank_a, sme_user, consent):
    client.force_login(sme_user)
    verifier, challenge = pkce_pair()
    code = query(authorize(client, bank_a, challenge=challenge))["code"]
    first = exchange(client, bank_a, code, verifier).json()["refresh_token"]
    refreshed = client.post(
        "/o/token/", {"grant_type": "refresh_token", "refresh_token": first}, HTTP_AUTHORIZATION=basic_auth(bank_a)
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != first
    reused = client.post(
        "/o/token/", {"grant_type": "refresh_token", "refresh_token": first}, HTTP_AUTHORIZATION=basic_auth(bank_a)
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_a_provider_cannot_use_the_authorization_code_grant(client, provider, sme_user, consent):
    client.force_login(sme_user)
    response = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": provider.application.client_id,
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
            "consent_id": str(consent.pk),
        },
    )
    # The consent is not this client's: the provider learns nothing about it and gets no code.
    assert response.status_code == 404
    assert not Grant.objects.exists()

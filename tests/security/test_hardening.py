"""OWASP-style hardening: CSRF on every form, production's cookie and transport flags, no stack traces,
revoked tokens refused at once, and fields the hub fixes out of a client's reach."""

import json
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from consent import services
from tests.conftest import basic_auth, obtain_token
from tests.hub.test_settings import ROOT, production_keys_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


def test_every_form_refuses_a_post_without_its_csrf_token(sme, consent):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/accounts/login/", {"username": "tea-owner", "password": "x"}).status_code == 403
    owner = get_user_model().objects.get(pk=sme.owner.pk)
    owner.is_staff = True
    owner.save()
    browser.force_login(owner)
    posts = [
        "/accounts/logout/",
        "/i18n/setlang/",
        "/operator/refresh",
        "/o/authorize/",
        *[f"/consents/{consent.pk}/{action}/" for action in ("approve", "reject", "pause", "resume", "revoke")],
    ]
    for path in posts:
        assert browser.post(path, {"language": "zh-hant"}).status_code == 403, path
    consent.refresh_from_db()
    assert consent.status == "authorised"


def test_production_sets_secure_cookies_hsts_and_no_debug(tmp_path):
    script = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps({k: getattr(s, k) for k in ('DEBUG', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', "
        "'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF')}))"
    )
    keys = production_keys_file(tmp_path)
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "cdi.settings.production",
        "SECRET_KEY": "p" * 50,
        "SIGNING_KEYS_FILE": str(keys),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout.strip().splitlines()[-1])
    assert flags["DEBUG"] is False
    assert flags["SESSION_COOKIE_SECURE"] and flags["SESSION_COOKIE_HTTPONLY"] and flags["CSRF_COOKIE_SECURE"]
    assert flags["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and flags["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert flags["SECURE_SSL_REDIRECT"] and flags["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert flags["X_FRAME_OPTIONS"] == "DENY"


def test_an_unexpected_error_shows_no_stack_trace(client, bank_a, monkeypatch):
    from consent import apis

    def explode(*args, **kwargs):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(apis.ConsentCollectionApi, "get", explode)
    token = obtain_token(client, bank_a, scope="consents")["access_token"]
    quiet = Client(raise_request_exception=False)
    response = quiet.get("/api/v1/consents", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "internal detail" not in body


def test_a_revoked_token_is_refused_on_the_very_next_call(client, bank_a):
    token = obtain_token(client, bank_a, scope="consents")["access_token"]
    assert client.get("/api/v1/consents", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert client.post("/o/revoke_token/", {"token": token}, HTTP_AUTHORIZATION=basic_auth(bank_a)).status_code == 200
    refused = client.get("/api/v1/consents", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"


def test_a_loan_application_keeps_what_the_hub_fixes(client, bank_a, bank_b, consent):
    token = obtain_token(client, bank_a, scope="loans")["access_token"]
    response = client.post(
        "/api/v1/loan-applications",
        {
            "consent_id": str(consent.pk),
            "amount": "1000.00",
            "currency": "HKD",
            "product": "term_loan",
            "status": "approved",
            "approved_amount": "1000.00",
            "amount_hkd": "99999999.00",
            "fx_rate": "9.9",
            "bank": bank_b.participant.slug,
            "business_brn": "87654321",
            "id": "00000000-0000-0000-0000-000000000001",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.json()
    loan = response.json()
    assert (loan["status"], loan["amount_hkd"], loan["business_brn"]) == ("submitted", "1000.00", "12345678")
    assert loan["id"] != "00000000-0000-0000-0000-000000000001"
    assert loan.get("approved_amount") in (None, "")
    assert loan.get("bank", bank_a.participant.slug) == bank_a.participant.slug

"""The SME's consent journeys in real headless Chromium, with screenshots kept as artefacts."""

import datetime as dt
from pathlib import Path
from urllib.parse import urlencode

import jwt
import pytest
import requests
from django.utils import timezone

from consent import services
from consent.models import Consent
from participants.services import participant_register
from tests.browser.conftest import log_in, shot
from tests.conftest import pkce_pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_bank(live_server):
    """A bank whose redirect URI is the hub's demo callback page on the live server."""
    return participant_register(
        kind="bank", name="Harbour Bank", redirect_uris=[f"{live_server.url}/sandbox/bank/callback"]
    )


def new_consent(bank, sme_brn: str) -> Consent:
    today = timezone.localdate()
    return services.consent_create(
        bank=bank.participant,
        business_brn=sme_brn,
        data_categories=["sales"],
        providers=None,
        purpose="credit_assessment",
        date_from=today - dt.timedelta(days=365),
        date_to=today,
        expires_at=timezone.now() + dt.timedelta(days=60),
    )


def authorize_url(base_url: str, bank, consent: Consent, challenge: str, state: str) -> str:
    """What the bank sends the SME's browser to, with PKCE and the hub's demo callback as redirect URI."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": bank.application.client_id,
            "redirect_uri": f"{base_url}/sandbox/bank/callback",
            "consent_id": str(consent.pk),
            "scope": "consents data",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{base_url}/o/authorize/?{query}"


def test_redirect_approval_end_to_end_through_the_token_exchange(page, live_server, demo_bank, provider, sme):
    consent = new_consent(demo_bank, sme.brn)
    verifier, challenge = pkce_pair()
    redirect_uri = f"{live_server.url}/sandbox/bank/callback"
    page.goto(authorize_url(live_server.url, demo_bank, consent, challenge, "st-1"))
    log_in(page, live_server.url, "tea-owner")
    page.wait_for_selector("text=Harbour Bank asks for your data")
    shot(page, "redirect-review")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{redirect_uri}?*")
    shot(page, "redirect-callback")
    code = page.inner_text("#param-code")
    assert page.inner_text("#param-state") == "st-1"

    token = requests.post(
        f"{live_server.url}/o/token/",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(demo_bank.application.client_id, demo_bank.client_secret),
        timeout=10,
    ).json()
    assert token["consent_id"] == str(consent.pk)
    seen = requests.get(
        f"{live_server.url}/api/v1/consents/{consent.pk}",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    ).json()
    assert seen["status"] == "authorised"


def test_rejection_in_the_redirect_flow(page, live_server, demo_bank, provider, sme):
    consent = new_consent(demo_bank, sme.brn)
    _, challenge = pkce_pair()
    redirect_uri = f"{live_server.url}/sandbox/bank/callback"
    page.goto(authorize_url(live_server.url, demo_bank, consent, challenge, "st-2"))
    log_in(page, live_server.url, "tea-signatory")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_url(f"{redirect_uri}?*")
    assert page.inner_text("#param-error") == "access_denied"
    shot(page, "redirect-rejected")
    assert Consent.objects.get(pk=consent.pk).status == "rejected"


def test_decoupled_approval_from_the_dashboard(page, live_server, demo_bank, provider, sme):
    consent = new_consent(demo_bank, sme.brn)
    log_in(page, live_server.url, "tea-owner")
    page.wait_for_url("**/consents/")
    pending = page.locator("#group-pending")
    assert "Harbour Bank" in pending.inner_text()
    shot(page, "dashboard-pending")
    pending.get_by_role("link", name="Harbour Bank").click()
    page.click("#action-approve")
    shot(page, "confirm-approve")
    page.click("#confirm")
    page.wait_for_selector("text=You approved the request.")
    assert Consent.objects.get(pk=consent.pk).status == "authorised"
    page.goto(f"{live_server.url}/consents/")
    assert "Harbour Bank" in page.locator("#group-active").inner_text()


def test_pause_resume_and_revoke(page, live_server, demo_bank, provider, sme):
    consent = services.consent_authorise(consent=new_consent(demo_bank, sme.brn), user=sme.owner)
    log_in(page, live_server.url, "tea-owner")
    page.goto(f"{live_server.url}/consents/{consent.pk}/")
    for action, expected, message in [
        ("pause", "paused", "Sharing is paused."),
        ("resume", "authorised", "Sharing has resumed."),
        ("revoke", "revoked", "You revoked the consent."),
    ]:
        page.click(f"#action-{action}")
        page.click("#confirm")
        page.wait_for_selector(f"text={message}")
        shot(page, f"after-{action}")
        assert Consent.objects.get(pk=consent.pk).status == expected
    page.goto(f"{live_server.url}/consents/")
    assert "Harbour Bank" in page.locator("#group-past").inner_text()


def test_the_language_switch_turns_the_pages_into_traditional_chinese(page, live_server, demo_bank, provider, sme):
    consent = new_consent(demo_bank, sme.brn)
    log_in(page, live_server.url, "tea-owner")
    page.goto(f"{live_server.url}/consents/{consent.pk}/")
    page.get_by_role("button", name="繁體中文").click()
    page.wait_for_selector("text=我的同意")
    assert page.get_attribute("html", "lang") == "zh-Hant"
    assert "批准" in page.inner_text("main")
    assert "Approve" not in page.inner_text("main")
    shot(page, "detail-zh-hant")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("text=My consents")


def test_a_receipt_downloads_and_verifies_against_the_jwks_fetched_over_http(
    page, live_server, demo_bank, provider, sme
):
    consent = services.consent_authorise(consent=new_consent(demo_bank, sme.brn), user=sme.owner)
    log_in(page, live_server.url, "tea-viewer")
    page.goto(f"{live_server.url}/consents/{consent.pk}/")
    with page.expect_download() as download_info:
        page.click(".receipt-link")
    compact = Path(download_info.value.path()).read_text()
    signing_key = jwt.PyJWKClient(f"{live_server.url}/.well-known/jwks.json").get_signing_key_from_jwt(compact)
    receipt = jwt.decode(compact, signing_key.key, algorithms=["ES256"])
    assert receipt["consent_id"] == str(consent.pk)
    assert receipt["status"] == "authorised"
    assert receipt["data_subject"]["brn"] == sme.brn


def test_a_phone_can_decide_with_the_keyboard_alone(browser, live_server, demo_bank, provider, sme):
    consent = new_consent(demo_bank, sme.brn)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server.url, "tea-owner")
    page.goto(f"{live_server.url}/consents/{consent.pk}/approve/")
    # No horizontal scrolling at a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.focus("body")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "confirm":
            break
    assert page.evaluate("document.activeElement.id") == "confirm"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=You approved the request.")
    shot(page, "phone-approved")
    context.close()
    assert Consent.objects.get(pk=consent.pk).status == "authorised"

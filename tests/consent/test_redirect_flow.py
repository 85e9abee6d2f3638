"""/o/authorize/ with consent_id: the review page, the decision, the code, the consent-bound token."""

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from oauth2_provider.models import AccessToken

from banks.loans import loan_submit
from banks.models import WebhookSubscription
from consent import services
from consent.models import Consent
from tests.conftest import basic_auth, pkce_pair

REDIRECT = "https://bank-a.example/callback"


def params(bank, consent, challenge) -> dict:
    return {
        "response_type": "code",
        "client_id": bank.application.client_id,
        "redirect_uri": REDIRECT,
        "consent_id": str(consent.pk),
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


def query(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(response["Location"]).query).items()}


def approve(client, bank, consent, scope="data"):
    verifier, challenge = pkce_pair()
    page = client.get("/o/authorize/", params(bank, consent, challenge))
    assert page.status_code == 200
    redirect = client.post("/o/authorize/", {**params(bank, consent, challenge), "scope": scope, "decision": "approve"})
    assert redirect.status_code == 302
    token = client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": query(redirect)["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=basic_auth(bank),
    )
    assert token.status_code == 200, token.content
    return token.json()


def test_the_review_page_shows_the_request_in_plain_words(client, bank_a, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.owner)
    page = client.get("/o/authorize/", params(bank_a, consent, pkce_pair()[1])).content.decode()
    for text in [
        "Bank A",
        "Harbour Tea House Ltd",
        "Sales",
        "Shop One",
        "Credit assessment",
        "90 days",
        ">Approve<",
        ">Reject<",
    ]:
        assert text in page


def test_an_unauthenticated_sme_is_sent_to_log_in_first(client, bank_a, sme, make_consent):
    response = client.get("/o/authorize/", params(bank_a, make_consent(), pkce_pair()[1]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_approval_returns_a_code_whose_token_names_and_reaches_only_that_consent(client, bank_a, sme, make_consent):
    consent, other = make_consent(), make_consent()
    services.consent_authorise(consent=other, user=sme.owner)
    client.force_login(sme.owner)
    token = approve(client, bank_a, consent)
    assert token["consent_id"] == str(consent.pk)
    assert Consent.objects.get(pk=consent.pk).status == "authorised"

    refreshed = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(bank_a),
    ).json()
    # The refreshed token is bound to the same consent, and the one it replaces is gone.
    assert refreshed["consent_id"] == str(consent.pk)
    assert list(AccessToken.objects.filter(consent_binding__consent=consent).values_list("token", flat=True)) == [
        refreshed["access_token"]
    ]
    assert not AccessToken.objects.filter(consent_binding__consent=other).exists()


def test_a_consent_bound_token_cannot_see_another_consent(client, bank_a, sme, make_consent):
    from django.http import Http404

    from consent.selectors import consent_for_token

    consent, other = make_consent(), make_consent()
    client.force_login(sme.owner)
    approve(client, bank_a, consent)
    bound = AccessToken.objects.select_related("application__participant").get(consent_binding__consent=consent)
    assert consent_for_token(bound, consent.pk) == consent
    with pytest.raises(Http404):
        consent_for_token(bound, other.pk)


def test_a_consent_bound_token_reaches_nothing_else_of_the_bank_through_the_api(client, bank_a, sme, make_consent):
    consent = make_consent()
    other = services.consent_authorise(consent=make_consent(), user=sme.owner)
    other_loan = loan_submit(
        bank=bank_a.participant, consent=other, amount=Decimal("1000"), currency="HKD", product="term_loan"
    )
    client.force_login(sme.owner)
    token = approve(client, bank_a, consent, scope="consents data dossiers loans")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token['access_token']}"}
    own_loan = client.post(
        "/api/v1/loan-applications",
        {"consent_id": str(consent.pk), "amount": "5000.00", "currency": "HKD", "product": "overdraft"},
        content_type="application/json",
        **auth,
    )
    assert own_loan.status_code == 201

    assert [c["id"] for c in client.get("/api/v1/consents", **auth).json()["results"]] == [str(consent.pk)]
    loans = client.get("/api/v1/loan-applications", **auth).json()["results"]
    assert [loan["id"] for loan in loans] == [own_loan.json()["id"]]
    assert client.get(f"/api/v1/loan-applications/{other_loan.pk}", **auth).status_code == 404
    # Calls that act for the whole bank want the bank's own client token.
    for method, path, payload in [
        ("post", "/api/v1/consents", {}),
        ("post", "/api/v1/webhooks", {"url": "https://bank-a.example/hook", "events": ["consent.revoked"]}),
        ("get", "/api/v1/webhooks", None),
    ]:
        response = getattr(client, method)(path, payload, content_type="application/json", **auth)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["error"] == "consent_bound_token"
    assert not WebhookSubscription.objects.exists()


def test_a_link_with_a_redirect_uri_the_bank_never_registered_explains_itself_and_redirects_nowhere(
    client, bank_a, sme, make_consent
):
    consent = make_consent()
    client.force_login(sme.owner)
    wrong = {**params(bank_a, consent, pkce_pair()[1]), "redirect_uri": "https://elsewhere.example/cb"}
    page = client.get("/o/authorize/", wrong)
    assert page.status_code == 400
    text = page.content.decode()
    assert "This link from the bank cannot be used" in text
    assert "invalid_request" in text
    assert Consent.objects.get(pk=consent.pk).status == "awaiting_authorisation"


def test_rejection_sends_access_denied_to_the_bank(client, bank_a, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.signatory)
    _, challenge = pkce_pair()
    response = client.post(
        "/o/authorize/", {**params(bank_a, consent, challenge), "scope": "data", "decision": "reject"}
    )
    assert response.status_code == 302
    assert query(response) == {"error": "access_denied", "state": "s1"}
    assert Consent.objects.get(pk=consent.pk).status == "rejected"


def test_a_viewer_sees_the_request_but_cannot_decide(client, bank_a, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.viewer)
    _, challenge = pkce_pair()
    page = client.get("/o/authorize/", params(bank_a, consent, challenge)).content.decode()
    assert "Harbour Tea House Ltd" in page
    assert ">Approve<" not in page
    response = client.post(
        "/o/authorize/", {**params(bank_a, consent, challenge), "scope": "data", "decision": "approve"}
    )
    assert response.status_code == 403
    assert Consent.objects.get(pk=consent.pk).status == "awaiting_authorisation"


def test_a_user_of_another_business_gets_404(client, bank_a, sme, make_consent):
    client.force_login(sme.outsider)
    assert client.get("/o/authorize/", params(bank_a, make_consent(), pkce_pair()[1])).status_code == 404


def test_a_failed_code_issue_approves_nothing(client, bank_a, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.owner)
    _, challenge = pkce_pair()
    response = client.post(
        "/o/authorize/",
        {
            **params(bank_a, consent, challenge),
            "code_challenge_method": "plain",
            "scope": "data",
            "decision": "approve",
        },
    )
    assert "code" not in query(response)
    assert Consent.objects.get(pk=consent.pk).status == "awaiting_authorisation"


def test_revoking_the_consent_revokes_the_tokens_bound_to_it(client, bank_a, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.owner)
    token = approve(client, bank_a, consent)
    services.consent_revoke(consent=Consent.objects.get(pk=consent.pk), user=sme.owner)
    introspected = client.post(
        "/o/introspect/", {"token": token["access_token"]}, HTTP_AUTHORIZATION=basic_auth(bank_a)
    ).json()
    assert introspected == {"active": False}
    refresh = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(bank_a),
    )
    assert refresh.status_code == 400

"""Every object endpoint against every other participant, and every endpoint against every scope."""

import pytest

from banks.models import LoanApplication, WebhookSubscription
from consent import services
from dossiers.models import Dossier
from tests.conftest import obtain_token

BANK_SCOPES = ["consents", "data", "dossiers", "loans"]
# (method, path, the scope it requires); {consent}, {dossier}, {loan}, {webhook} are bank A's objects.
ENDPOINTS = [
    ("get", "/api/v1/consents/{consent}", "consents"),
    ("post", "/api/v1/consents/{consent}/revoke", "consents"),
    ("get", "/api/v1/consents/{consent}/records", "data"),
    ("get", "/api/v1/consents/{consent}/fetches", "data"),
    ("post", "/api/v1/consents/{consent}/fetches", "data"),
    ("post", "/api/v1/consents/{consent}/dossiers", "dossiers"),
    ("get", "/api/v1/dossiers/{dossier}", "dossiers"),
    ("get", "/api/v1/loan-applications/{loan}", "loans"),
    ("patch", "/api/v1/loan-applications/{loan}", "loans"),
    ("delete", "/api/v1/webhooks/{webhook}", "consents"),
]
COLLECTIONS = [
    ("get", "/api/v1/consents", "consents"),
    ("post", "/api/v1/consents", "consents"),
    ("get", "/api/v1/webhooks", "consents"),
    ("post", "/api/v1/webhooks", "consents"),
    ("get", "/api/v1/loan-applications", "loans"),
    ("post", "/api/v1/loan-applications", "loans"),
    ("post", "/api/v1/provider/records", "records:write"),
    ("get", "/api/v1/metrics", "operator"),
]


@pytest.fixture
def objects(bank_a, sme, make_consent):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    return {
        "consent": consent.pk,
        "dossier": Dossier.objects.create(consent=consent, bank=bank_a.participant).pk,
        "loan": LoanApplication.objects.create(
            bank=bank_a.participant,
            consent=consent,
            business=consent.business,
            product="x",
            amount=10,
            currency="HKD",
            amount_hkd=10,
            fx_rate=1,
        ).pk,
        "webhook": WebhookSubscription.objects.create(
            bank=bank_a.participant, url="https://a.example/h", events=["consent.revoked"], secret="s"
        ).pk,
    }


def call(client, method: str, path: str, token: str):
    return getattr(client, method)(path, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_another_bank_gets_404_and_never_the_data(client, objects, bank_b, method, path, scope):
    token = obtain_token(client, bank_b)["access_token"]
    response = call(client, method, path.format(**objects), token)
    assert response.status_code == 404, response.content
    body = response.json()
    assert body["error"] == "not_found"
    assert not any(str(value) in response.content.decode() for value in objects.values())


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS + COLLECTIONS)
@pytest.mark.parametrize("actor", ["provider", "operator_client"])
def test_other_participant_kinds_are_refused_unless_the_scope_is_theirs(
    client, request, objects, actor, method, path, scope
):
    registration = request.getfixturevalue(actor)
    token = obtain_token(client, registration)["access_token"]
    response = call(client, method, path.format(**objects), token)
    own = {"provider": "records:write", "operator_client": "operator"}[actor]
    if scope == own:
        assert response.status_code not in (401, 403), response.content
    else:
        assert response.status_code == 403, response.content


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS + COLLECTIONS[:6])
@pytest.mark.parametrize("granted", BANK_SCOPES)
def test_a_bank_token_reaches_an_endpoint_only_with_its_scope(client, objects, bank_a, granted, method, path, scope):
    token = obtain_token(client, bank_a, scope=granted)["access_token"]
    response = call(client, method, path.format(**objects), token)
    if granted == scope:
        assert response.status_code not in (401, 403, 404), (response.status_code, response.content)
    else:
        assert response.status_code == 403, response.content


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS + COLLECTIONS)
def test_no_token_answers_401(client, objects, method, path, scope):
    response = getattr(client, method)(path.format(**objects), {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_an_sme_user_of_another_business_sees_none_of_it(client, objects, sme):
    client.force_login(sme.outsider)
    consent = objects["consent"]
    for path in [
        f"/consents/{consent}/",
        f"/consents/{consent}/dossiers/{objects['dossier']}/",
        f"/consents/{consent}/revoke/",
    ]:
        assert client.get(path).status_code == 404, path

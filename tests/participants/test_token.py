import base64
import datetime as dt

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from participants.services import participant_suspend
from tests.conftest import basic_auth, obtain_token


def test_it_gives_each_participant_kind_its_own_scopes(client, bank_a, provider, operator_client):
    assert obtain_token(client, bank_a)["scope"].split() == ["consents", "data", "dossiers", "loans"]
    assert obtain_token(client, provider)["scope"] == "records:write"
    assert obtain_token(client, operator_client)["scope"] == "operator"


def test_it_issues_tokens_that_live_ten_minutes_at_most(client, bank_a):
    assert obtain_token(client, bank_a)["expires_in"] <= 600


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_it_answers_a_wrong_secret_with_invalid_client_401_and_a_basic_challenge(client, bank_a):
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(bank_a.application.client_id, bank_a.client_secret + "x"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    # RFC 6749 section 5.2: the challenge names the scheme the client used.
    assert response["WWW-Authenticate"].startswith("Basic realm=")


def test_it_answers_an_unknown_client_with_invalid_client_401(client, bank_a):
    response = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic("no-such-client", "secret")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic realm=")


def test_it_answers_a_wrong_secret_in_the_body_with_invalid_client_401(client, bank_a):
    response = client.post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": bank_a.application.client_id,
            "client_secret": bank_a.client_secret + "x",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_revocation_with_a_wrong_secret_is_refused_with_a_basic_challenge(client, bank_a):
    token = obtain_token(client, bank_a)["access_token"]
    response = client.post(
        "/o/revoke_token/",
        {"token": token},
        HTTP_AUTHORIZATION=basic(bank_a.application.client_id, bank_a.client_secret + "x"),
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic realm=")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


@pytest.mark.parametrize(
    ("actor", "scope"),
    [("provider", "data"), ("bank_a", "records:write"), ("operator_client", "consents"), ("bank_a", "operator")],
)
def test_it_refuses_a_scope_of_another_participant_kind(client, request, actor, scope):
    registration = request.getfixturevalue(actor)
    response = client.post(
        "/o/token/", {"grant_type": "client_credentials", "scope": scope}, HTTP_AUTHORIZATION=basic_auth(registration)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_it_refuses_client_credentials_to_a_suspended_participant(client, bank_a):
    participant_suspend(participant=bank_a.participant)
    response = client.post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(bank_a))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_suspended_participants_live_token_stops_working(client, bank_a):
    token = obtain_token(client, bank_a)["access_token"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    # Suspended by an operator editing the row directly: the check does not rely on the service.
    type(bank_a.participant).objects.filter(pk=bank_a.participant.pk).update(
        status="suspended", suspended_at=timezone.now()
    )
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_it_refuses_an_expired_token(client, bank_a):
    token = obtain_token(client, bank_a)["access_token"]
    AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_it_refuses_a_request_without_a_token(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == {"error", "detail", "fields"}


def test_it_refuses_a_bearer_token_in_the_query_string(client, bank_a):
    token = obtain_token(client, bank_a)["access_token"]
    assert client.get(f"/api/v1/me?access_token={token}").status_code == 401


def test_me_names_the_participant_behind_the_token(client, bank_a):
    token = obtain_token(client, bank_a, scope="consents")["access_token"]
    body = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["slug"] == "bank-a"
    assert body["kind"] == "bank"
    assert body["scopes"] == ["consents"]


def test_client_secrets_are_stored_hashed(bank_a):
    bank_a.application.refresh_from_db()
    assert bank_a.client_secret not in bank_a.application.client_secret
    assert bank_a.application.client_secret.startswith("pbkdf2_") or "$" in bank_a.application.client_secret

import jwt

from participants.services import participant_suspend
from tests.conftest import basic_auth, obtain_token


def introspect(client, caller, token: str) -> dict:
    response = client.post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=basic_auth(caller))
    assert response.status_code == 200, response.content
    return response.json()


def test_a_provider_sees_a_hub_token_active_then_inactive_after_revocation(client, bank_a, provider):
    token = obtain_token(client, bank_a)["access_token"]
    seen = introspect(client, provider, token)
    assert seen["active"] is True
    assert seen["client_id"] == bank_a.application.client_id
    assert set(seen["scope"].split()) == {"consents", "data", "dossiers", "loans"}

    revoked = client.post("/o/revoke_token/", {"token": token}, HTTP_AUTHORIZATION=basic_auth(bank_a))
    assert revoked.status_code == 200
    assert introspect(client, provider, token) == {"active": False}


def test_introspection_reports_a_suspended_participants_token_inactive(client, bank_a, provider):
    token = obtain_token(client, bank_a)["access_token"]
    participant_suspend(participant=bank_a.participant)
    assert introspect(client, provider, token) == {"active": False}


def test_introspection_needs_client_authentication(client, bank_a):
    token = obtain_token(client, bank_a)["access_token"]
    assert client.post("/o/introspect/", {"token": token}).status_code in (401, 403)


def test_it_publishes_rfc_8414_metadata(client, db, settings):
    body = client.get("/.well-known/oauth-authorization-server").json()
    issuer = settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"]
    assert body["issuer"] == issuer
    assert body["token_endpoint"] == f"{issuer}/o/token/"
    assert body["introspection_endpoint"] == f"{issuer}/o/introspect/"
    assert body["revocation_endpoint"] == f"{issuer}/o/revoke_token/"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert "implicit" not in body["grant_types_supported"]


def test_jwks_publishes_the_signing_key_and_a_signature_verifies_against_it(client, db):
    from hub import keys

    body = client.get("/.well-known/jwks.json").json()
    assert body["keys"] and all(key["kid"] and "d" not in key for key in body["keys"])
    signed = keys.sign({"hello": "world"})
    header = jwt.get_unverified_header(signed)
    published = next(key for key in body["keys"] if key["kid"] == header["kid"])
    public_key = jwt.PyJWK(published).key
    assert jwt.decode(signed, public_key, algorithms=["ES256"]) == {"hello": "world"}

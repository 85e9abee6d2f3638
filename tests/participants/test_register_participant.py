import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from participants.models import Application, Participant


def register(*args: str) -> dict:
    out = StringIO()
    call_command("register_participant", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_one_line_of_json_with_exactly_slug_client_id_and_client_secret(db):
    out = StringIO()
    call_command("register_participant", "bank", "Harbour Bank", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert set(json.loads(lines[0])) == {"slug", "client_id", "client_secret"}


def test_its_output_works_at_the_token_endpoint_as_is(client, db):
    output = register("bank", "Harbour Bank", "--redirect-uri", "https://harbour.example/cb")
    assert output["slug"] == "harbour-bank"
    response = client.post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": output["client_id"],
            "client_secret": output["client_secret"],
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "consents data dossiers loans"


def test_a_second_registration_with_the_same_name_fails_and_changes_nothing(db):
    register("provider", "ShopLane", "--api-base", "https://shoplane.example/api", "--categories", "sales")
    with pytest.raises(CommandError, match="already registered"):
        register("bank", "ShopLane")
    assert Participant.objects.count() == 1
    assert Application.objects.count() == 1


def test_a_provider_declares_its_api_base_and_categories(db):
    output = register("provider", "PayBridge", "--api-base", "https://pay.example/api/", "--categories", "payments")
    participant = Participant.objects.get(slug=output["slug"])
    assert participant.api_base == "https://pay.example/api"
    assert participant.data_categories == ["payments"]


def test_it_refuses_an_unknown_category(db):
    with pytest.raises(CommandError, match="--categories: Unknown categories: horoscopes"):
        register("provider", "Odd", "--categories", "horoscopes")
    assert not Participant.objects.exists()


@pytest.mark.parametrize("api_base", ["not a url", "ftp://shop.example/cdi", "javascript:alert(1)", "https://"])
def test_it_refuses_an_api_base_that_is_not_an_http_url_and_writes_nothing(db, api_base):
    with pytest.raises(CommandError, match=r"--api-base: .* is not an http or https URL"):
        register("provider", "Odd Shop", "--api-base", api_base, "--categories", "sales")
    assert not Participant.objects.exists()
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "uri",
    ["javascript:alert(1)", "not a uri", "https://bank.example/cb#fragment", "ftp://bank.example/cb", "https://"],
)
def test_it_refuses_a_redirect_uri_the_authorization_server_would_not_accept_and_writes_nothing(db, uri):
    with pytest.raises(CommandError, match="--redirect-uri: Not a redirect URI the hub accepts"):
        register("bank", "Odd Bank", "--redirect-uri", "https://odd-bank.example/cb", "--redirect-uri", uri)
    assert not Participant.objects.exists()
    assert not Application.objects.exists()


def test_only_a_bank_declares_redirect_uris(db):
    with pytest.raises(CommandError, match="--redirect-uri: Only banks"):
        register("provider", "Odd Shop", "--redirect-uri", "https://shop.example/cb")
    assert not Participant.objects.exists()


def test_a_name_whose_slug_another_participant_has_is_refused(db):
    register("bank", "Bank A")
    with pytest.raises(CommandError, match=r"NAME: .*slug 'bank-a'"):
        register("bank", "bank a")
    assert Participant.objects.count() == 1


def test_an_operator_client_may_obtain_only_the_operator_scope(client, db):
    output = register("operator", "Monitoring")
    auth = {"client_id": output["client_id"], "client_secret": output["client_secret"]}
    assert client.post("/o/token/", {"grant_type": "client_credentials", **auth}).json()["scope"] == "operator"
    refused = client.post("/o/token/", {"grant_type": "client_credentials", "scope": "data", **auth})
    assert refused.json()["error"] == "invalid_scope"


def test_the_registration_is_in_the_audit_log(db):
    from audit.models import AuditEntry

    output = register("operator", "Monitoring")
    entry = AuditEntry.objects.get(object_type="participant", object_id=output["slug"])
    assert (entry.action, entry.actor) == ("participant.registered", "command:register_participant")

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from participants.models import Application, Participant


def register(*args: str) -> dict:
    out = StringIO()
    call_command("register_participant", *args, stdout=out)
    return json.loads(out.getvalue())


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
    with pytest.raises(CommandError, match="data_categories"):
        register("provider", "Odd", "--categories", "horoscopes")
    assert not Participant.objects.exists()


def test_an_operator_client_may_obtain_only_the_operator_scope(client, db):
    output = register("operator", "Monitoring")
    auth = {"client_id": output["client_id"], "client_secret": output["client_secret"]}
    assert client.post("/o/token/", {"grant_type": "client_credentials", **auth}).json()["scope"] == "operator"
    refused = client.post("/o/token/", {"grant_type": "client_credentials", "scope": "data", **auth})
    assert refused.json()["error"] == "invalid_scope"

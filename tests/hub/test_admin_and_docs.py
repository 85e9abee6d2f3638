import re

import pytest
from django.contrib.auth import get_user_model
from oauth2_provider.models import AccessToken

from participants.models import Participant
from tests.conftest import obtain_token


@pytest.fixture
def staff_client(client, db):
    staff = get_user_model().objects.create_superuser(username="op", password="op-password-123")
    client.force_login(staff)
    return client


def test_an_operator_onboards_a_bank_in_the_admin_and_sees_its_secret_once(staff_client):
    response = staff_client.post(
        "/admin/banks/bank/add/", {"name": "Peak Bank", "redirect_uris": "https://peak.example/cb"}, follow=True
    )
    assert response.status_code == 200
    bank = Participant.objects.get(name="Peak Bank")
    assert bank.kind == "bank"
    message = next(str(m) for m in response.context["messages"])
    secret = re.search(r"client secret (\S+):", message).group(1)
    application = bank.applications.get()
    token = staff_client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "client_id": application.client_id, "client_secret": secret},
    )
    assert token.status_code == 200


def test_the_suspend_action_revokes_live_tokens(staff_client, bank_a):
    obtain_token(staff_client, bank_a)
    response = staff_client.post(
        "/admin/banks/bank/", {"action": "suspend", "_selected_action": [bank_a.participant.pk]}, follow=True
    )
    assert response.status_code == 200
    bank_a.participant.refresh_from_db()
    assert bank_a.participant.status == "suspended"
    assert not AccessToken.objects.filter(application__participant=bank_a.participant).exists()


def test_businesses_are_listed_in_the_admin(staff_client):
    assert staff_client.get("/admin/businesses/business/").status_code == 200


def test_the_api_docs_load_every_asset_from_the_hub(client, db):
    page = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets), assets
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/consent/consent/",
        "/admin/providers/fetchsession/",
        "/admin/providers/record/",
        "/admin/providers/sandboxprovider/",
        "/admin/banks/webhookdelivery/",
        "/admin/banks/webhooksubscription/",
        "/admin/hub/fxrate/",
        "/admin/providers/provider/",
        "/admin/banks/bank/",
    ],
)
def test_the_operator_sees_each_admin_list(staff_client, path):
    assert staff_client.get(path).status_code == 200

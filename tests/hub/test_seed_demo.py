from django.contrib.auth import get_user_model
from django.core.management import call_command

from businesses.models import Business, Membership
from participants.models import Application, Participant


def snapshot() -> dict:
    return {
        "participants": sorted(Participant.objects.values_list("slug", "kind", "api_base")),
        "applications": sorted(Application.objects.values_list("client_id", "client_secret")),
        "businesses": Business.objects.count(),
        "memberships": sorted(Membership.objects.values_list("user__username", "business__brn", "role")),
        "users": get_user_model().objects.count(),
    }


def test_it_seeds_the_demo_world_and_a_second_run_changes_nothing(db, settings, tmp_path):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo.json"
    call_command("seed_demo")
    first = snapshot()
    kinds = [kind for _, kind, _ in first["participants"]]
    assert kinds.count("bank") == 3
    assert kinds.count("provider") == 5
    providers = Participant.objects.filter(kind="provider")
    assert {c for p in providers for c in p.data_categories} == {
        "sales",
        "payments",
        "invoices",
        "logistics",
        "utilities",
        "profile",
    }
    assert first["businesses"] == 50
    assert {role for _, _, role in first["memberships"]} == {"owner", "signatory", "viewer"}
    assert get_user_model().objects.get(username="operator").is_staff

    call_command("seed_demo")
    assert snapshot() == first


def test_the_demo_credentials_obtain_tokens(client, db, settings, tmp_path):
    import json

    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo.json"
    call_command("seed_demo")
    clients = json.loads(settings.DEMO_CREDENTIALS_FILE.read_text())["clients"]
    for demo_client in clients.values():
        response = client.post(
            "/o/token/",
            {
                "grant_type": "client_credentials",
                "client_id": demo_client["client_id"],
                "client_secret": demo_client["client_secret"],
            },
        )
        assert response.status_code == 200, demo_client

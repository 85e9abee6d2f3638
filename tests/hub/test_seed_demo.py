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


def test_it_seeds_loan_applications_in_every_one_of_the_last_24_months(db, settings, tmp_path):
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from banks.models import LoanApplication

    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo.json"
    call_command("seed_demo")
    now = timezone.now()
    # Month by month back from now (not calendar months, which the first and last would cut short).
    for back in range(24):
        start, end = now - relativedelta(months=back + 1), now - relativedelta(months=back)
        loans = LoanApplication.objects.filter(created_at__gte=start, created_at__lt=end)
        assert loans.count() >= 5, (back, start, end)
        assert loans.filter(status="approved").exists() or back == 0, (back, start, end)
    assert not LoanApplication.objects.filter(created_at__lt=now - relativedelta(months=24, days=1)).exists()
    banks = set(Participant.objects.filter(kind="bank").values_list("slug", flat=True))
    assert set(LoanApplication.objects.values_list("bank__slug", flat=True)) == banks


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


def test_a_second_run_after_the_hub_moved_moves_the_sandbox_providers_and_the_demo_banks_callback(
    db, settings, tmp_path
):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo.json"
    settings.HUB_BASE_URL = "http://127.0.0.1:8000"
    call_command("seed_demo")
    settings.HUB_BASE_URL = "https://hub.example:8443"
    call_command("seed_demo")
    for provider in Participant.objects.filter(kind="provider"):
        assert provider.api_base.startswith("https://hub.example:8443/sandbox/providers/"), provider.api_base
    banks = Participant.objects.filter(kind="bank")
    assert banks.count() == 3
    for application in Application.objects.filter(participant__in=banks):
        assert application.redirect_uris == "https://hub.example:8443/sandbox/bank/callback"
        assert application.redirect_uri_allowed("https://hub.example:8443/sandbox/bank/callback")
        assert not application.redirect_uri_allowed("http://127.0.0.1:8000/sandbox/bank/callback")

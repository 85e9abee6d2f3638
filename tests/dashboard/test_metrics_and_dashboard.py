import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from banks.models import LoanApplication
from consent.models import Consent
from dashboard.metrics import metrics_compute
from hub.demo_history import seed_history
from participants.models import Participant
from providers.models import FetchSession
from tests.conftest import obtain_token

FINISHED = ("completed", "partial", "failed")


@pytest.fixture
def history(db, bank_a, bank_b, provider, sme):
    from businesses.models import Business

    Business.objects.create(brn="11112222", legal_name="Third Ltd")
    assert seed_history()
    assert not seed_history()


def test_every_figure_equals_a_direct_count_of_the_rows(history):
    figures = metrics_compute()
    loans = LoanApplication.objects.all()
    approved = loans.filter(status="approved")
    decided = loans.filter(status__in=["approved", "declined"]).count()
    headline = figures["headline"]
    assert headline["loan_applications"] == loans.count()
    assert headline["credit_approved_hkd"] == round(float(approved.aggregate(s=Sum("approved_amount_hkd"))["s"]), 2)
    assert headline["approval_rate"] == round(approved.count() / decided, 4)
    assert headline["active_consents"] == Consent.objects.live().count()
    assert headline["banks"] == Participant.objects.filter(kind="bank", status="active").count()
    funnel = figures["funnel"]
    assert funnel["requested"] == Consent.objects.count()
    assert funnel["rejected"] == Consent.objects.filter(status="rejected").count()
    assert funnel["abandoned"] == Consent.objects.filter(status="expired", decided_at__isnull=True).count()
    assert funnel["authorised"] + funnel["rejected"] + funnel["abandoned"] + funnel["awaiting"] == funnel["requested"]
    assert sum(row["loan_applications"] for row in figures["per_bank"]) == loans.count()
    assert sum(row["loan_applications"] for row in figures["monthly"]) == loans.count()
    assert len(figures["monthly"]) == 24
    by_bank = {row["bank"]: row for row in figures["per_bank"]}
    assert by_bank["bank-a"]["approved"] == approved.filter(bank__slug="bank-a").count()


def test_smes_and_the_consent_funnel_equal_a_count_of_the_consents(history):
    figures = metrics_compute()
    consents = list(Consent.objects.all())
    sharing = {c.business_id for c in consents if c.decided_at is not None and c.status != "rejected"}
    assert figures["headline"]["smes"] == len(sharing) > 0
    funnel = figures["funnel"]
    assert funnel["revoked"] == sum(c.status == "revoked" for c in consents) > 0
    assert funnel["expired_after_use"] == sum(c.status == "expired" and c.decided_at is not None for c in consents) > 0
    assert funnel["active"] == sum(c.status in ("authorised", "paused") for c in consents)
    assert funnel["authorised"] == sum(c.decided_at is not None and c.status != "rejected" for c in consents)
    assert funnel["revoked"] + funnel["expired_after_use"] + funnel["active"] == funnel["authorised"]


def test_provider_health_equals_a_count_of_the_fetch_sessions(history, provider):
    FetchSession.objects.create(
        consent=Consent.objects.first(),
        provider=provider.participant,
        category="sales",
        status="failed",
        finished_at=timezone.now(),
        latency_ms=4321,
        error="the very latest error",
    )
    [row] = [row for row in metrics_compute()["providers"] if row["provider"] == provider.participant.slug]
    finished = [s for s in FetchSession.objects.filter(provider=provider.participant) if s.status in FINISHED]
    assert row["sessions"] == len(finished) > 20
    assert row["completed"] == sum(s.status == "completed" for s in finished)
    assert row["failed"] == sum(s.status == "failed" for s in finished) > 0
    assert row["success_rate"] == round(row["completed"] / len(finished), 4)
    latencies = sorted(s.latency_ms for s in finished)
    middle = len(latencies) // 2
    median = latencies[middle] if len(latencies) % 2 else (latencies[middle - 1] + latencies[middle]) / 2
    assert row["median_latency_ms"] == round(median)
    # The nearest rank at 95 % of the way from the smallest to the largest.
    assert row["p95_latency_ms"] == latencies[round(0.95 * (len(latencies) - 1))]
    assert row["p95_latency_ms"] >= row["median_latency_ms"]
    assert (row["last_error"], row["last_error_at"]) == ("the very latest error", finished_at(provider))


def finished_at(provider) -> str:
    latest = FetchSession.objects.filter(provider=provider.participant).exclude(error="").latest("finished_at")
    return latest.finished_at.isoformat()


def test_the_metrics_api_is_for_operator_clients_only(client, history, operator_client, bank_a):
    operator_token = obtain_token(client, operator_client)["access_token"]
    body = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {operator_token}").json()
    assert body["figures"]["headline"]["loan_applications"] == LoanApplication.objects.count()
    bank_token = obtain_token(client, bank_a)["access_token"]
    assert client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {bank_token}").status_code == 403


def test_the_dashboard_and_the_api_read_the_same_snapshot(client, history, operator_client):
    staff = get_user_model().objects.create_user(username="op", password="x", is_staff=True)
    client.force_login(staff)
    page = client.get("/operator/")
    token = obtain_token(client, operator_client)["access_token"]
    api = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert page.context["figures"] == api["figures"]
    LoanApplication.objects.all().delete()
    client.post("/operator/refresh")
    refreshed = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert refreshed["figures"]["headline"]["loan_applications"] == 0


def test_the_dashboard_is_for_staff_only(client, sme):
    client.force_login(sme.owner)
    response = client.get("/operator/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_each_table_exports_as_csv(client, history):
    client.force_login(get_user_model().objects.create_user(username="op", password="x", is_staff=True))
    for table in ["monthly", "per_bank", "funnel", "providers"]:
        response = client.get(f"/operator/export/{table}.csv")
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert rows, table
    per_bank = list(csv.DictReader(io.StringIO(client.get("/operator/export/per_bank.csv").content.decode())))
    assert sum(int(r["loan_applications"]) for r in per_bank) == LoanApplication.objects.count()

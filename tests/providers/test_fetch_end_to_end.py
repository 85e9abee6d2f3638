"""Authorised consent -> fetch from every sandbox provider over HTTP by a real worker -> pages for the bank."""

import pytest
import requests

from providers.models import FetchSession, Record
from providers.sandbox import generator
from tests.conftest import obtain_token
from tests.providers.helpers import authorised_consent, wait_for_sessions

pytestmark = pytest.mark.django_db(transaction=True)
ALL = ["sales", "payments", "invoices", "logistics", "utilities", "profile"]


def read_all(hub_url: str, token: str, consent_id, **params) -> list[dict]:
    records, url = [], f"{hub_url}/api/v1/consents/{consent_id}/records"
    query = {"page_size": 200, **params}
    while url:
        page = requests.get(url, params=query, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert page.status_code == 200, page.text
        body = page.json()
        records += body["results"]
        url, query = body["next"], None
    return records


def test_an_authorised_consent_is_fetched_from_every_provider_and_served_page_by_page(
    client, celery_worker, hub_url, sandboxes, bank_a, sme
):
    consent = authorised_consent(bank_a, sme, ALL, months=12)
    sessions = wait_for_sessions(consent, expected=6)
    assert {(s.provider.slug, s.category, s.status) for s in sessions} == {
        ("shoplane", "sales", "completed"),
        ("paybridge", "payments", "completed"),
        ("ledgerleaf", "invoices", "completed"),
        ("ledgerleaf", "profile", "completed"),
        ("swiftship", "logistics", "completed"),
        ("citygrid", "utilities", "completed"),
    }
    assert all(s.accepted > 0 and s.rejected == 0 and s.duration_seconds is not None for s in sessions)

    token = obtain_token(client, bank_a, scope="data")["access_token"]
    served = read_all(hub_url, token, consent.pk)
    assert len(served) == Record.objects.filter(consent=consent).count() == sum(s.accepted for s in sessions)
    assert len({(r["provider"], r["category"], r["external_id"]) for r in served}) == len(served)
    assert {r["category"] for r in served} == set(ALL)
    sale = next(r for r in served if r["category"] == "sales")
    assert {
        "external_id",
        "occurred_at",
        "amount",
        "currency",
        "amount_hkd",
        "fx_rate",
        "provider",
        "channel",
        "status",
        "customer_ref",
    } <= set(sale)
    assert consent.access_events.filter(kind="fetch").count() >= 6
    assert consent.access_events.filter(kind="read").exists()

    # What the sandbox holds for the range is exactly what was stored.
    expected_sales = sum(
        1 for _ in generator.iterate(sme.brn, "sales", consent.date_from, consent.date_to, consent.date_to)
    )
    assert Record.objects.filter(consent=consent, category="sales").count() == expected_sales


@pytest.mark.parametrize(
    ("fault", "status", "error_contains"),
    [
        ("slow", "completed", ""),
        ("flaky", "completed", ""),
        ("error", "failed", "HTTP 503"),
        ("timeout", "failed", "Timeout"),
        ("malformed", "partial", "rejected"),
    ],
)
def test_each_sandbox_failure_mode_ends_in_the_right_status_with_a_reason(
    celery_worker, sandboxes, bank_a, sme, settings, fault, status, error_contains
):
    _, sandbox = sandboxes["shoplane"]
    sandbox.faults = {sme.brn: fault}
    sandbox.save()
    consent = authorised_consent(bank_a, sme, ["sales"], months=2)
    (session,) = wait_for_sessions(consent, expected=1, timeout=120)
    assert session.status == status, session.error
    assert error_contains in session.error
    stored = Record.objects.filter(consent=consent).count()
    assert stored == session.accepted
    if fault == "flaky":
        assert session.attempts >= 3
    if fault in ("error", "timeout"):
        assert session.attempts == settings.FETCH_MAX_RETRIES + 1
        assert stored == 0
    if fault == "malformed":
        total = sum(1 for _ in generator.iterate(sme.brn, "sales", consent.date_from, consent.date_to, consent.date_to))
        assert session.rejected > 0
        assert session.accepted + session.rejected == total
        assert all(r["reason"] for r in session.rejections)
    if fault == "slow":
        assert session.latency_ms >= 300


def test_revocation_purges_the_consents_records_and_writes_a_deletion_receipt(
    client, celery_worker, sandboxes, bank_a, sme
):
    from audit.models import AuditEntry
    from consent import services
    from tests.providers.helpers import wait_until

    consent = authorised_consent(bank_a, sme, ["sales", "payments"], months=2)
    wait_for_sessions(consent, expected=2)
    held = Record.objects.filter(consent=consent).count()
    assert held > 0
    services.consent_revoke(consent=consent, user=sme.owner)
    wait_until(lambda: AuditEntry.objects.filter(action="consent.data_purged", object_id=str(consent.pk)).exists())
    assert not Record.objects.filter(consent=consent).exists()
    receipt = AuditEntry.objects.get(action="consent.data_purged", object_id=str(consent.pk))
    assert receipt.data["total"] == held
    assert receipt.data["reason"] == "consent_revoked"
    assert FetchSession.objects.filter(consent=consent).exists()

"""Purging a consent's records: on revocation and expiry, in audited batches, and the hourly safety net."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_verify
from consent import services
from consent.models import Consent
from participants.services import participant_register
from providers import retention
from providers.ingest import records_ingest
from providers.models import Record
from providers.retention import consent_data_purge, records_purge_past_retention
from tests.providers.helpers import wait_until


def sales(count: int) -> list[dict]:
    day = timezone.localdate().isoformat()
    return [
        {
            "external_id": f"S{n}",
            "occurred_at": f"{day}T10:00:00+08:00",
            "amount": "10.00",
            "currency": "HKD",
            "channel": "pos",
            "status": "completed",
            "customer_ref": "C1",
        }
        for n in range(count)
    ]


def receipts(consent) -> list[dict]:
    entries = AuditEntry.objects.filter(action="consent.data_purged", object_id=str(consent.pk)).order_by("sequence")
    return [entry.data for entry in entries]


@pytest.fixture
def consent(make_consent, sme, provider):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    records_ingest(consent=consent, provider=provider.participant, category="sales", records=sales(7))
    return consent


@pytest.mark.django_db
def test_each_batch_is_deleted_with_its_own_audit_entry(consent, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 3)
    assert consent_data_purge(consent_id=consent.pk, reason="consent_revoked") == 7
    assert [r["total"] for r in receipts(consent)] == [3, 3, 1]
    assert all(r["deleted"] == {"sales": r["total"]} and r["reason"] == "consent_revoked" for r in receipts(consent))
    assert not Record.objects.filter(consent=consent).exists()
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_purge_that_dies_midway_has_accounted_for_every_record_it_deleted(consent, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 3)
    real_audit_record, calls = retention.audit_record, []

    def dies_on_the_second_batch(**entry):
        calls.append(entry)
        if len(calls) == 2:
            raise RuntimeError("the worker died")
        return real_audit_record(**entry)

    monkeypatch.setattr(retention, "audit_record", dies_on_the_second_batch)
    with pytest.raises(RuntimeError):
        consent_data_purge(consent_id=consent.pk, reason="consent_revoked")
    # The second batch's deletion went back with its audit entry; the first is deleted and accounted for.
    assert [r["total"] for r in receipts(consent)] == [3]
    assert Record.objects.filter(consent=consent).count() == 4


@pytest.mark.django_db
def test_a_consent_holding_nothing_still_gets_its_deletion_receipt(make_consent, sme):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    assert consent_data_purge(consent_id=consent.pk, reason="consent_revoked") == 0
    assert receipts(consent) == [{"reason": "consent_revoked", "deleted": {}, "total": 0}]


@pytest.mark.django_db
@pytest.mark.parametrize("end", ["revoked", "expired"])
def test_the_hourly_sweep_purges_records_still_held_under_an_ended_consent(consent, sme, make_consent, provider, end):
    # Outside a transactional test the purge the transition queues never runs: as if its task were lost.
    if end == "revoked":
        services.consent_revoke(consent=consent, user=sme.owner)
    else:
        Consent.objects.filter(pk=consent.pk).update(
            created_at=timezone.now() - dt.timedelta(days=2), expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        services.consents_expire_due()
    live = services.consent_authorise(consent=make_consent(), user=sme.owner)
    records_ingest(consent=live, provider=provider.participant, category="sales", records=sales(2))
    assert Record.objects.filter(consent=consent).count() == 7

    assert records_purge_past_retention() == 7
    assert not Record.objects.filter(consent=consent).exists()
    assert Record.objects.filter(consent=live).count() == 2
    assert receipts(consent) == [{"reason": f"consent_{end}", "deleted": {"sales": 7}, "total": 7}]


@pytest.mark.django_db(transaction=True)
def test_a_consent_that_expires_has_its_records_purged_by_the_worker(celery_worker, make_consent, sme):
    # A provider that pushes: nothing to fetch, so the worker has only the purge to do.
    pusher = participant_register(kind="provider", name="Push Shop", data_categories=["sales"]).participant
    consent = services.consent_authorise(consent=make_consent(providers=["push-shop"]), user=sme.owner)
    records_ingest(consent=consent, provider=pusher, category="sales", records=sales(5))
    Consent.objects.filter(pk=consent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert services.consents_expire_due() == 1

    wait_until(lambda: receipts(consent))
    assert receipts(consent) == [{"reason": "consent_expired", "deleted": {"sales": 5}, "total": 5}]
    assert not Record.objects.filter(consent=consent).exists()

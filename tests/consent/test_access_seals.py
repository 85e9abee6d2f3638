"""Every data access ends up in the hash-chained audit log: access events are sealed into it in batches."""

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from audit.services import audit_verify
from consent import services
from consent.models import AccessEvent
from consent.tasks import seal_access


@pytest.fixture
def accesses(make_consent, sme, provider):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    AccessEvent.objects.create(
        consent=consent, kind="fetch", provider=provider.participant, category="sales", record_count=120
    )
    services.access_reads_record(consent_id=consent.pk, counts={"sales": 100})
    services.access_reads_record(consent_id=consent.pk, counts={"sales": 20})
    return consent


def test_a_seal_covers_every_access_written_since_the_last(accesses):
    assert services.access_seal() == 3
    seal = AuditEntry.objects.get(action="access.sealed")
    assert seal.data["count"] == 3
    assert set(AccessEvent.objects.values_list("seal", flat=True)) == {seal.pk}
    assert services.access_seal() == 0

    services.access_reads_record(consent_id=accesses.pk, counts={"sales": 5})
    assert seal_access() == 1
    assert AuditEntry.objects.filter(action="access.sealed").count() == 2
    assert audit_verify().ok
    call_command("verify_audit_log")


def test_the_seal_is_on_the_beat_schedule(settings):
    assert "consent.seal_access" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def first(**filters) -> AccessEvent:
    return AccessEvent.objects.filter(**filters).order_by("id").first()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda: AccessEvent.objects.filter(pk=first(kind="read").pk).update(record_count=1),
        lambda: AccessEvent.objects.filter(kind="fetch").delete(),
        lambda: AccessEvent.objects.update(category="payments"),
        lambda: AccessEvent.objects.all().delete(),
    ],
    ids=["changed count", "removed one", "changed category", "removed all"],
)
def test_changing_or_removing_a_sealed_access_breaks_the_log(accesses, tamper):
    services.access_seal()
    seal = AuditEntry.objects.get(action="access.sealed")
    tamper()
    result = audit_verify()
    assert not result.ok
    assert result.broken_at == seal.sequence
    with pytest.raises(CommandError, match=f"BROKEN at entry {seal.sequence}"):
        call_command("verify_audit_log")


def test_an_access_moved_under_another_seal_breaks_the_log(accesses):
    services.access_seal()
    services.access_reads_record(consent_id=accesses.pk, counts={"sales": 5})
    services.access_seal()
    earlier, later = AuditEntry.objects.filter(action="access.sealed").order_by("sequence")
    AccessEvent.objects.filter(pk=first(seal=earlier).pk).update(seal=later)
    assert audit_verify().broken_at == earlier.sequence

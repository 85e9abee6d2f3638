"""Purging raw records: when a consent ends, and when a purpose's retention period runs out."""

from collections import Counter

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.services import audit_record
from consent.models import FINAL
from consent.purposes import PURPOSES
from providers.models import Record

BATCH = 2000


def _purge(records: QuerySet, *, consent_id, reason: str, receipt_when_empty: bool = False) -> int:
    """Deletes ``records`` (all of one consent) in batches and returns how many it deleted.

    Each batch is deleted in one transaction with its own audit entry, so a purge that dies midway leaves
    every record it deleted accounted for, and a large consent never holds one huge transaction open.
    The audit entry is written last, so the chain's head is locked only for the commit.
    """
    total = 0
    while True:
        with transaction.atomic():
            # Rows that another purge of the same records has locked are its to delete and to account for.
            locked = records.select_for_update(skip_locked=True, of=("self",))
            batch = list(locked.values_list("id", "category")[:BATCH])
            if not batch and not (receipt_when_empty and total == 0):
                return total
            Record.objects.filter(id__in=[record_id for record_id, _ in batch]).delete()
            audit_record(
                actor="hub",
                action="consent.data_purged",
                object_type="consent",
                object_id=str(consent_id),
                data={"reason": reason, "deleted": dict(Counter(c for _, c in batch)), "total": len(batch)},
            )
        total += len(batch)
        if len(batch) < BATCH:
            return total


def consent_data_purge(*, consent_id, reason: str) -> int:
    """Deletes every record held for the consent and writes the deletion receipt to the audit log (one entry
    per batch of up to BATCH records; one entry, with a total of 0, when nothing was held)."""
    held = Record.objects.filter(consent_id=consent_id)
    return _purge(held, consent_id=consent_id, reason=reason, receipt_when_empty=True)


def records_purge_past_retention() -> int:
    """The hourly sweep: records kept longer than their purpose allows and, as a safety net, any still held
    under a consent that has ended (its purge task lost, say). Returns how many it deleted."""
    now = timezone.now()
    total = 0
    for code, spec in PURPOSES.items():
        expired = Record.objects.filter(consent__purpose=code, ingested_at__lte=now - spec.retention)
        for consent_id in expired.values_list("consent_id", flat=True).distinct():
            total += _purge(expired.filter(consent_id=consent_id), consent_id=consent_id, reason="retention_ended")
    ended = Record.objects.filter(consent__status__in=FINAL)
    for consent_id, status in ended.values_list("consent_id", "consent__status").distinct():
        total += _purge(ended.filter(consent_id=consent_id), consent_id=consent_id, reason=f"consent_{status}")
    return total

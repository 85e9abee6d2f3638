"""Purging raw records: when a consent ends, and when a purpose's retention period runs out."""

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from audit.services import audit_record
from consent.purposes import PURPOSES
from providers.models import Record

BATCH = 5000


def _delete(queryset) -> dict[str, int]:
    counts = dict(queryset.values_list("category").annotate(n=Count("id")).order_by())
    # In batches, so a large consent does not hold one huge transaction open.
    while True:
        ids = list(queryset.values_list("id", flat=True)[:BATCH])
        if not ids:
            break
        Record.objects.filter(id__in=ids).delete()
    return counts


def consent_data_purge(*, consent_id, reason: str) -> int:
    """Deletes every record held for the consent and writes the deletion receipt to the audit log."""
    counts = _delete(Record.objects.filter(consent_id=consent_id))
    with transaction.atomic():
        audit_record(
            actor="hub",
            action="consent.data_purged",
            object_type="consent",
            object_id=str(consent_id),
            data={"reason": reason, "deleted": counts, "total": sum(counts.values())},
        )
    return sum(counts.values())


def records_purge_past_retention() -> int:
    now = timezone.now()
    total = 0
    for code, spec in PURPOSES.items():
        expired = Record.objects.filter(consent__purpose=code, ingested_at__lte=now - spec.retention)
        for consent_id in expired.values_list("consent_id", flat=True).distinct():
            counts = _delete(expired.filter(consent_id=consent_id))
            with transaction.atomic():
                audit_record(
                    actor="hub",
                    action="consent.data_purged",
                    object_type="consent",
                    object_id=str(consent_id),
                    data={"reason": "retention_ended", "deleted": counts, "total": sum(counts.values())},
                )
            total += sum(counts.values())
    return total

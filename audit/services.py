"""Appending to and verifying the hash-chained audit log."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.models import AuditEntry, ChainHead


def canonical_content(
    *, sequence: int, at: datetime, actor: str, action: str, object_type: str, object_id: str, data: dict
) -> bytes:
    content = {
        "sequence": sequence,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


def audit_record(*, actor: str, action: str, object_type: str, object_id: str, data: dict | None = None) -> AuditEntry:
    """Appends an entry. Call it inside the transaction that makes the change it records."""
    # Stored and hashed as the JSON database round trip will give it back.
    data = json.loads(json.dumps(data or {}, default=str))
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        sequence = head.length + 1
        at = timezone.now()
        fields = {
            "sequence": sequence,
            "at": at,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "data": data,
        }
        entry_hash = chain_hash(head.last_hash, canonical_content(**fields))
        entry = AuditEntry.objects.create(**fields, prev_hash=head.last_hash, hash=entry_hash)
        head.last_hash, head.length = entry_hash, sequence
        head.save(update_fields=["last_hash", "length"])
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def audit_verify() -> Verification:
    """Walks the chain from the start; reports the first entry whose link does not hold.

    The hub goes on writing meanwhile. An entry and the chain head are committed together, so the walk
    covers the entries up to the head read first; an entry appended later is left to the next check
    rather than taken for one removed from the end."""
    head = ChainHead.objects.filter(id=1).first()
    entries = AuditEntry.objects.order_by("sequence")
    if head is not None:
        entries = entries.filter(sequence__lte=head.length)
    prev_hash = "0" * 64
    checked = 0
    for entry in entries.iterator(chunk_size=2000):
        checked += 1
        if entry.sequence != checked:
            return Verification(False, checked, entry.sequence, f"entry {checked} is missing")
        if entry.prev_hash != prev_hash:
            return Verification(False, checked, entry.sequence, "prev_hash does not match the entry before it")
        content = canonical_content(
            sequence=entry.sequence,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            data=entry.data,
        )
        if chain_hash(prev_hash, content) != entry.hash:
            return Verification(False, checked, entry.sequence, "content does not match its hash")
        prev_hash = entry.hash
    if head is None:
        return _seals_verify(checked)
    if head.length != checked or head.last_hash != prev_hash:
        return Verification(False, checked, checked + 1, "entries after this one were removed")
    # The newest entry is read before the head: every entry committed by then is counted in the head
    # read after it, so one beyond it was written around the log.
    newest = AuditEntry.objects.aggregate(newest=Max("sequence"))["newest"] or 0
    if newest > ChainHead.objects.get(id=1).length:
        return Verification(False, checked, newest, "an entry was added without extending the chain")
    return _seals_verify(checked)


def _seals_verify(checked: int) -> Verification:
    # Data accesses are written beside the chain and sealed into it in batches; their seals are part of it.
    from consent.services import access_seals_verify

    seals = access_seals_verify()
    return Verification(seals.ok, checked, seals.broken_at, seals.reason)

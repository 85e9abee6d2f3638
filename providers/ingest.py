"""Turning providers' records into stored rows: validate, convert to HKD, upsert idempotently."""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from consent.models import AccessEvent, Consent
from hub.fx import NoRate, RateBook
from participants.models import Participant
from providers.models import Record
from providers.schemas import InvalidRecord, Normalised, normalise

# Stored reasons are capped; the counts are always complete.
MAX_REASONS = 100
# What a repeat of a record may change. ingested_at is not among them: the retention clock runs from
# when the record first arrived.
_UPDATED = ["occurred_at", "amount", "currency", "amount_hkd", "fx_rate", "fx_date", "attributes"]


class ConsentEnded(Exception):
    """The consent stopped being live while its records were on their way: none of them is stored."""


def _why_not_live(consent_id) -> str:
    consent = Consent.objects.filter(pk=consent_id).only("status", "expires_at").first()
    return "the consent no longer exists" if consent is None else consent.not_live_reason() or "the consent ended"


@dataclass
class IngestResult:
    accepted: int = 0
    rejected: int = 0
    rejections: list[dict] = field(default_factory=list)

    def reject(self, index: int, record, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REASONS:
            external_id = record.get("external_id") if isinstance(record, dict) else None
            self.rejections.append({"index": index, "external_id": external_id, "reason": reason})


def rate_book_for(records: list) -> RateBook:
    currencies = {r.get("currency") for r in records if isinstance(r, dict) and isinstance(r.get("currency"), str)}
    return RateBook(currencies)


def build_row(
    *,
    consent: Consent,
    provider: Participant,
    category: str,
    raw: dict,
    rates: RateBook,
    record: Normalised | None = None,
) -> Record:
    """One validated, converted row for ``consent``; raises InvalidRecord with the reason."""
    record = record or normalise(category, raw)
    day = timezone.localdate(record.occurred_at)
    if not consent.date_from <= day <= consent.date_to:
        raise InvalidRecord(
            f"occurred_at: {day.isoformat()} is outside the consent's range "
            f"{consent.date_from.isoformat()} to {consent.date_to.isoformat()}"
        )
    amount_hkd = fx_rate = fx_date = None
    if record.amount is not None:
        try:
            amount_hkd, fx_rate, fx_date = rates.to_hkd(record.amount, record.currency, day)
        except NoRate as exc:
            raise InvalidRecord(f"currency: {exc}") from None
    return Record(
        consent=consent,
        business_id=consent.business_id,
        provider=provider,
        category=category,
        external_id=record.external_id,
        occurred_at=record.occurred_at,
        amount=record.amount,
        currency=record.currency,
        amount_hkd=amount_hkd,
        fx_rate=fx_rate,
        fx_date=fx_date,
        attributes=record.attributes,
        ingested_at=timezone.now(),
    )


def records_store(rows: list[Record]) -> None:
    """Upserts on (consent, provider, category, external_id): a repeat updates, never duplicates."""
    # The last version of a record within one batch wins, as it would across batches.
    unique = list({(r.consent_id, r.provider_id, r.category, r.external_id): r for r in rows}.values())
    if not unique:
        return
    if connection.vendor == "postgresql":
        _upsert_through_copy(unique)
        return
    Record.objects.bulk_create(
        unique,
        update_conflicts=True,
        unique_fields=["consent", "provider", "category", "external_id"],
        update_fields=_UPDATED,
        batch_size=1000,
    )


_COLUMNS = ["consent_id", "business_id", "provider_id", "category", "external_id", *_UPDATED, "ingested_at"]


def _upsert_through_copy(rows: list[Record]) -> None:
    """PostgreSQL: COPY the batch into a temporary table, then one INSERT ... ON CONFLICT from it.

    The ingest's profile showed bulk_create spending most of a push preparing each field of
    each row; COPY takes the rows as they are. The temporary table empties itself at commit.
    """
    columns = ", ".join(_COLUMNS)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in _UPDATED)
    # A record sent again unchanged is left alone: no new row version, no index writes.
    changed = (
        f"({', '.join(f'providers_record.{c}' for c in _UPDATED)}) IS DISTINCT FROM "
        f"({', '.join(f'EXCLUDED.{c}' for c in _UPDATED)})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS record_upsert ON COMMIT DELETE ROWS AS "  # noqa: S608 - fixed names
            f"SELECT {columns} FROM providers_record WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY record_upsert ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    (
                        row.consent_id,
                        row.business_id,
                        row.provider_id,
                        row.category,
                        row.external_id,
                        row.occurred_at,
                        row.amount,
                        row.currency,
                        row.amount_hkd,
                        row.fx_rate,
                        row.fx_date,
                        json.dumps(row.attributes),
                        row.ingested_at,
                    )
                )
        cursor.execute(
            f"INSERT INTO providers_record ({columns}) SELECT {columns} FROM record_upsert "  # noqa: S608 - fixed names
            f"ON CONFLICT (consent_id, provider_id, category, external_id) DO UPDATE SET {updates} WHERE {changed}"
        )
        cursor.execute("DELETE FROM record_upsert")


def records_ingest(
    *,
    consent: Consent,
    provider: Participant,
    category: str,
    records: list,
    offset: int = 0,
    rates: RateBook | None = None,
) -> IngestResult:
    """Stores a page a provider served for one consent and category; bad records are set aside with reasons.

    Raises ConsentEnded, storing nothing, when the consent is no longer live.
    """
    result = IngestResult()
    rates = rates or rate_book_for(records)
    rows = []
    for index, raw in enumerate(records, start=offset):
        try:
            rows.append(build_row(consent=consent, provider=provider, category=category, raw=raw, rates=rates))
        except InvalidRecord as exc:
            result.reject(index, raw, str(exc))
    with transaction.atomic():
        if not Consent.objects.filter(pk=consent.pk).live_locked():
            raise ConsentEnded(f"{_why_not_live(consent.pk)}, no longer live: nothing more is stored under it")
        records_store(rows)
        if rows:
            AccessEvent.objects.create(
                consent=consent,
                kind=AccessEvent.Kind.FETCH,
                provider=provider,
                category=category,
                record_count=len(rows),
            )
    result.accepted = len(rows)
    return result


def _covering(consents: list[Consent], brn: str, category: str, day: date) -> list[Consent]:
    return [
        c
        for c in consents
        if c.business.brn == brn and category in c.data_categories and c.date_from <= day <= c.date_to
    ]


def records_push(*, provider: Participant, records: list) -> IngestResult:
    """A provider's push: each record is kept for every live consent naming this provider that covers it.

    The consents are looked up and locked in the transaction that stores the records, so a record whose
    consent ended meanwhile is rejected (no live consent covers it) rather than stored after the purge.
    """
    result = IngestResult()
    # Each record is checked against its schema first, outside the transaction that holds the consents' locks.
    checked = []
    for index, raw in enumerate(records):
        try:
            checked.append((index, raw, _push_record(provider, raw)))
        except InvalidRecord as exc:
            result.reject(index, raw, str(exc))
    brns = {raw["business_brn"] for _, raw, _ in checked}
    rates = rate_book_for([raw for _, raw, _ in checked])
    with transaction.atomic():
        consents = Consent.objects.filter(providers=provider, business__brn__in=brns)
        live = list(Consent.objects.filter(pk__in=consents.live_locked()).select_related("business"))
        rows: list[Record] = []
        for index, raw, normalised in checked:
            try:
                rows += _push_rows(provider, raw, normalised, live, rates)
            except InvalidRecord as exc:
                result.reject(index, raw, str(exc))
                continue
            result.accepted += 1
        records_store(rows)
        counts = Counter((row.consent_id, row.category) for row in rows)
        AccessEvent.objects.bulk_create(
            [
                AccessEvent(
                    consent_id=consent_id,
                    kind=AccessEvent.Kind.FETCH,
                    provider=provider,
                    category=category,
                    record_count=count,
                )
                for (consent_id, category), count in counts.items()
            ]
        )
    return result


def _push_record(provider: Participant, raw) -> Normalised:
    """A pushed record checked on its own: its shape, its category, its schema."""
    if not isinstance(raw, dict):
        raise InvalidRecord("a record must be a JSON object")
    brn, category = raw.get("business_brn"), raw.get("category")
    if not isinstance(brn, str) or not isinstance(category, str):
        raise InvalidRecord("business_brn and category are required")
    if category not in provider.data_categories:
        raise InvalidRecord(f"category: this provider does not declare {category!r}")
    return normalise(category, raw)


def _push_rows(
    provider: Participant, raw: dict, normalised: Normalised, consents: list[Consent], rates: RateBook
) -> list[Record]:
    """The rows of a checked record, one for each live consent that covers it."""
    brn, category = raw["business_brn"], raw["category"]
    covering = _covering(consents, brn, category, timezone.localdate(normalised.occurred_at))
    if not covering:
        raise InvalidRecord("no live consent naming this provider covers this business, category and date")
    return [
        build_row(consent=c, provider=provider, category=category, raw=raw, rates=rates, record=normalised)
        for c in covering
    ]

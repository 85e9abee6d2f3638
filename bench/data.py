"""Synthetic rows for the benchmarks, written with COPY so setting up a million takes seconds."""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone

from businesses.models import Business
from consent.models import Consent
from participants.models import Participant

CATEGORIES = [("sales", 0.6), ("payments", 0.15), ("invoices", 0.1), ("logistics", 0.1), ("utilities", 0.05)]
COLUMNS = [
    "consent_id",
    "business_id",
    "provider_id",
    "category",
    "external_id",
    "occurred_at",
    "amount",
    "currency",
    "amount_hkd",
    "fx_rate",
    "fx_date",
    "attributes",
    "ingested_at",
]


def authorised_consent(
    *, bank: Participant, business: Business, providers: list[Participant], purpose: str = "credit_assessment"
) -> Consent:
    """An authorised consent written directly: the benchmark measures reads and builds, not the approval."""
    now = timezone.now()
    today = timezone.localdate()
    consent = Consent.objects.create(
        business=business,
        bank=bank,
        purpose=purpose,
        data_categories=[c for c, _ in CATEGORIES] + ["profile"],
        date_from=today - timedelta(days=729),
        date_to=today,
        expires_at=now + timedelta(days=60),
        status=Consent.Status.AUTHORISED,
        decided_at=now,
    )
    consent.providers.set(providers)
    return consent


def _attributes(category: str, rng: random.Random, day: datetime) -> dict:
    if category == "sales":
        return {
            "channel": "pos",
            "status": "refunded" if rng.random() < 0.05 else "completed",
            "customer_ref": f"C{rng.randint(1, 2000):05d}",
        }
    if category == "payments":
        return {"direction": "in" if rng.random() < 0.7 else "out", "counterparty_ref": "X", "method": "fps"}
    if category == "invoices":
        issued = day.date()
        paid = issued + timedelta(days=rng.randint(5, 60))
        return {
            "direction": "receivable" if rng.random() < 0.6 else "payable",
            "issued_at": issued.isoformat(),
            "due_at": (issued + timedelta(days=30)).isoformat(),
            "paid_at": paid.isoformat(),
            "counterparty_ref": "K",
        }
    if category == "logistics":
        return {
            "shipped_at": day.isoformat(),
            "delivered_at": None,
            "destination": "HK",
            "status": "delivered" if rng.random() < 0.93 else "returned",
        }
    issued = day.date()
    return {
        "utility_type": "electricity",
        "billing_period": issued.strftime("%Y-%m"),
        "due_at": (issued + timedelta(days=21)).isoformat(),
        "paid_at": (issued + timedelta(days=rng.randint(5, 30))).isoformat(),
    }


def rows(consent: Consent, provider: Participant, count: int, seed: int = 1, prefix: str = "R"):
    """``count`` records spread over the consent's two years, in every category."""
    rng = random.Random(seed)
    start = datetime.combine(consent.date_from, datetime.min.time(), UTC)
    span = (consent.date_to - consent.date_from).days * 86400
    weights = [w for _, w in CATEGORIES]
    names = [c for c, _ in CATEGORIES]
    now = timezone.now()
    for index in range(count):
        category = rng.choices(names, weights)[0]
        at = start + timedelta(seconds=rng.randrange(span))
        amount = f"{rng.uniform(20, 2000):.2f}"
        yield (
            str(consent.pk),
            consent.business_id,
            provider.pk,
            category,
            f"{prefix}{index}",
            at,
            amount,
            "HKD",
            amount,
            "1",
            at.date(),
            json.dumps(_attributes(category, rng, at)),
            now,
        )


def copy_records(row_iter) -> int:
    """COPY rows into the records table; returns how many."""
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY providers_record ({', '.join(COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in row_iter:
            copy.write_row(row)
            written += 1
    return written


def business(n: int) -> Business:
    return Business.objects.get_or_create(brn=f"{70000000 + n:08d}", defaults={"legal_name": f"Bench {n} Ltd"})[0]


def unique_slug() -> str:
    return uuid.uuid4().hex[:8]

"""Two years of consent, loan and fetch history for the demo banks, so the dashboard tells a story.

Seeded straight into the tables (the history happened "before" the hub started), from a fixed
random seed, and only when no history is there yet.
"""

import random
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from banks.models import LoanApplication
from businesses.models import Business
from consent.models import Consent
from participants.models import Participant
from providers.models import FetchSession

MONTHS = 24
VOLUME = {0: 11, 1: 7, 2: 4}
PRODUCTS = ["term_loan", "revolving_credit", "trade_finance", "invoice_financing"]
ERRORS = [
    "TransientFetchError: HTTP 503 from the provider",
    "ReadTimeout: read timed out (read timeout=20)",
    "12 record(s) rejected by the schema",
]


def _consent(rng: random.Random, bank, business, created, now) -> Consent:
    purpose = "credit_monitoring" if rng.random() < 0.2 else "credit_assessment"
    day = timezone.localdate(created)
    consent = Consent(
        bank=bank,
        business=business,
        purpose=purpose,
        created_at=created,
        status_changed_at=created,
        data_categories=["sales", "payments", "invoices"]
        if purpose == "credit_monitoring"
        else ["sales", "payments", "invoices", "utilities", "logistics", "profile"],
        date_from=day - relativedelta(months=11),
        date_to=day,
        expires_at=created + timedelta(days=300 if purpose == "credit_monitoring" else 60),
    )
    roll = rng.random()
    if roll < 0.72:
        consent.decided_at = created + timedelta(minutes=rng.randint(3, 1200))
        consent.status = Consent.Status.AUTHORISED
        end_roll = rng.random()
        if consent.expires_at < now:
            consent.status = Consent.Status.EXPIRED if end_roll > 0.12 else Consent.Status.REVOKED
        elif end_roll < 0.05:
            consent.status = Consent.Status.PAUSED
        elif end_roll < 0.10:
            consent.status = Consent.Status.REVOKED
        if consent.status == Consent.Status.REVOKED:
            consent.revoked_at = consent.decided_at + timedelta(days=rng.randint(1, 30))
            consent.revoked_by = rng.choice(["sme", "bank"])
    elif roll < 0.84:
        consent.decided_at = created + timedelta(minutes=rng.randint(3, 1200))
        consent.status = Consent.Status.REJECTED
    else:
        consent.status = (
            Consent.Status.EXPIRED if created + timedelta(hours=24) < now else Consent.Status.AWAITING_AUTHORISATION
        )
    return consent


def _loan(rng: random.Random, consent: Consent, now) -> LoanApplication | None:
    created = consent.decided_at + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
    if created >= now or rng.random() > 0.78:
        return None
    currency, rate = ("USD", Decimal("7.80")) if rng.random() < 0.1 else ("HKD", Decimal(1))
    amount = Decimal(rng.randrange(100_000, 5_000_000, 10_000)) / (rate if currency == "USD" else 1)
    amount = amount.quantize(Decimal("0.01"))
    loan = LoanApplication(
        bank=consent.bank,
        consent=consent,
        business=consent.business,
        created_at=created,
        product=rng.choice(PRODUCTS),
        amount=amount,
        currency=currency,
        fx_rate=rate,
        amount_hkd=(amount * rate).quantize(Decimal("0.01")),
    )
    roll = rng.random()
    if created > now - timedelta(days=20) and roll < 0.5:
        return loan
    loan.decided_at = created + timedelta(days=rng.randint(2, 15))
    if loan.decided_at >= now:
        loan.decided_at = None
        return loan
    if roll < 0.70:
        loan.status = "approved"
        loan.approved_amount = (amount * Decimal(rng.uniform(0.6, 1.0))).quantize(Decimal("0.01"))
        loan.approved_amount_hkd = (loan.approved_amount * rate).quantize(Decimal("0.01"))
    elif roll < 0.94:
        loan.status = "declined"
    else:
        loan.status = "withdrawn"
    return loan


def _sessions(rng: random.Random, consent: Consent, providers: list[Participant]) -> list[FetchSession]:
    sessions = []
    for provider in providers:
        for category in set(provider.data_categories) & set(consent.data_categories):
            roll = rng.random()
            status = "completed" if roll < 0.94 else "partial" if roll < 0.97 else "failed"
            started = consent.decided_at + timedelta(seconds=rng.randint(1, 30))
            latency = int(rng.lognormvariate(5.3 + 0.15 * (provider.pk % 3), 0.45))
            sessions.append(
                FetchSession(
                    consent=consent,
                    provider=provider,
                    category=category,
                    status=status,
                    created_at=started,
                    started_at=started,
                    finished_at=started + timedelta(milliseconds=latency * rng.randint(2, 20)),
                    pages=rng.randint(1, 15),
                    accepted=0 if status == "failed" else rng.randint(50, 6000),
                    rejected=12 if status == "partial" else 0,
                    latency_ms=latency,
                    error="" if status == "completed" else rng.choice(ERRORS),
                )
            )
    return sessions


def seed_history() -> bool:
    """Seeds the history once. Returns False when it is already there."""
    if LoanApplication.objects.exists():
        return False
    rng = random.Random(2026)
    now = timezone.now()
    banks = list(Participant.objects.filter(kind="bank").order_by("id"))
    providers = list(Participant.objects.filter(kind="provider").order_by("id"))
    businesses = list(Business.objects.order_by("brn"))
    consents, loans, sessions, links = [], [], [], []
    for offset in range(MONTHS, 0, -1):
        month_start = now - relativedelta(months=offset)
        growth = 1 + 0.05 * (MONTHS - offset)
        for index, bank in enumerate(banks):
            for _ in range(int(VOLUME.get(index, 3) * growth * rng.uniform(0.7, 1.3))):
                created = month_start + timedelta(days=rng.uniform(0, 29))
                consents.append(_consent(rng, bank, rng.choice(businesses), created, now))
    with transaction.atomic():
        Consent.objects.bulk_create(consents, batch_size=500)
        for consent in consents:
            chosen = [p for p in providers if set(p.data_categories) & set(consent.data_categories)]
            links += [Consent.providers.through(consent_id=consent.pk, participant_id=p.pk) for p in chosen]
            if consent.decided_at and consent.status != Consent.Status.REJECTED:
                sessions += _sessions(rng, consent, chosen)
                loan = _loan(rng, consent, now)
                if loan is not None:
                    loans.append(loan)
        Consent.providers.through.objects.bulk_create(links, batch_size=1000)
        FetchSession.objects.bulk_create(sessions, batch_size=1000)
        LoanApplication.objects.bulk_create(loans, batch_size=500)
    return True

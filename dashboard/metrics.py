"""The operator's figures, each computed with GROUP BY queries over the underlying rows."""

import statistics
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone

from banks.models import LoanApplication
from consent.models import Consent
from participants.models import Participant
from providers.models import FetchSession

HK = ZoneInfo("Asia/Hong_Kong")
TREND_MONTHS = 24
APPROVED = Q(status="approved")
DECIDED = Q(status__in=["approved", "declined"])


def _rate(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _money(value) -> float:
    return round(float(value or Decimal(0)), 2)


def _month(value: datetime) -> str:
    return value.astimezone(HK).strftime("%Y-%m") if value.tzinfo else value.strftime("%Y-%m")


def headline(at: datetime) -> dict:
    loans = LoanApplication.objects.aggregate(
        applications=Count("id"),
        approved=Count("id", filter=APPROVED),
        decided=Count("id", filter=DECIDED),
        credit=Sum("approved_amount_hkd", filter=APPROVED),
    )
    participants = Participant.objects.filter(status="active").values("kind").annotate(n=Count("id"))
    by_kind = {row["kind"]: row["n"] for row in participants}
    return {
        "loan_applications": loans["applications"],
        "credit_approved_hkd": _money(loans["credit"]),
        "approval_rate": _rate(loans["approved"], loans["decided"]),
        "active_consents": Consent.objects.live(at).count(),
        "smes": Consent.objects.filter(decided_at__isnull=False)
        .exclude(status="rejected")
        .values("business")
        .distinct()
        .count(),
        "banks": by_kind.get("bank", 0),
        "providers": by_kind.get("provider", 0),
    }


def monthly(at: datetime) -> list[dict]:
    start = (at.astimezone(HK) - relativedelta(months=TREND_MONTHS - 1)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    loans = (
        LoanApplication.objects.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at", tzinfo=HK))
        .values("month")
        .annotate(
            applications=Count("id"),
            approved=Count("id", filter=APPROVED),
            credit=Sum("approved_amount_hkd", filter=APPROVED),
        )
        .order_by()
    )
    consents = (
        Consent.objects.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at", tzinfo=HK))
        .values("month")
        .annotate(
            requested=Count("id"), authorised=Count("id", filter=Q(decided_at__isnull=False) & ~Q(status="rejected"))
        )
        .order_by()
    )
    by_month = {_month(row["month"]): row for row in loans}
    consent_months = {_month(row["month"]): row for row in consents}
    rows = []
    for offset in range(TREND_MONTHS):
        key = (start + relativedelta(months=offset)).strftime("%Y-%m")
        loan, consent = by_month.get(key, {}), consent_months.get(key, {})
        rows.append(
            {
                "month": key,
                "loan_applications": loan.get("applications", 0),
                "approved": loan.get("approved", 0),
                "credit_approved_hkd": _money(loan.get("credit")),
                "consents_requested": consent.get("requested", 0),
                "consents_authorised": consent.get("authorised", 0),
            }
        )
    return rows


def per_bank(at: datetime) -> list[dict]:
    banks = Participant.objects.filter(kind="bank").order_by("name")
    consents = {
        row["bank"]: row
        for row in Consent.objects.values("bank")
        .annotate(
            requested=Count("id"),
            authorised=Count("id", filter=Q(decided_at__isnull=False) & ~Q(status="rejected")),
            active=Count("id", filter=Q(status="authorised", expires_at__gt=at)),
        )
        .order_by()
    }
    loans = {
        row["bank"]: row
        for row in LoanApplication.objects.values("bank")
        .annotate(
            applications=Count("id"),
            approved=Count("id", filter=APPROVED),
            decided=Count("id", filter=DECIDED),
            credit=Sum("approved_amount_hkd", filter=APPROVED),
        )
        .order_by()
    }
    rows = []
    for bank in banks:
        consent, loan = consents.get(bank.pk, {}), loans.get(bank.pk, {})
        rows.append(
            {
                "bank": bank.slug,
                "name": bank.name,
                "consents_requested": consent.get("requested", 0),
                "consents_authorised": consent.get("authorised", 0),
                "active_consents": consent.get("active", 0),
                "loan_applications": loan.get("applications", 0),
                "approved": loan.get("approved", 0),
                "credit_approved_hkd": _money(loan.get("credit")),
                "approval_rate": _rate(loan.get("approved", 0), loan.get("decided", 0)),
            }
        )
    return rows


def funnel(at: datetime) -> dict:
    """requested -> authorised / rejected / abandoned (expired unanswered) / awaiting;
    authorised -> revoked / expired / active."""
    answered = Q(decided_at__isnull=False)
    counts = Consent.objects.aggregate(
        requested=Count("id"),
        authorised=Count("id", filter=answered & ~Q(status="rejected")),
        rejected=Count("id", filter=Q(status="rejected")),
        abandoned=Count("id", filter=Q(status="expired", decided_at__isnull=True)),
        awaiting=Count("id", filter=Q(status="awaiting_authorisation")),
        revoked=Count("id", filter=Q(status="revoked")),
        expired_after_use=Count("id", filter=Q(status="expired", decided_at__isnull=False)),
        active=Count("id", filter=Q(status__in=["authorised", "paused"])),
    )
    counts["authorisation_rate"] = _rate(counts["authorised"], counts["requested"])
    return counts


def _percentile(values: list[int], fraction: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def provider_health() -> list[dict]:
    finished = FetchSession.objects.filter(status__in=FetchSession.FINISHED)
    counts = {
        row["provider"]: row
        for row in finished.values("provider")
        .annotate(
            sessions=Count("id"),
            completed=Count("id", filter=Q(status="completed")),
            partial=Count("id", filter=Q(status="partial")),
            failed=Count("id", filter=Q(status="failed")),
        )
        .order_by()
    }
    # Latency percentiles over each provider's latest thousand sessions, all providers in one query.
    latest = finished.filter(latency_ms__isnull=False).annotate(
        rank=Window(RowNumber(), partition_by=F("provider"), order_by=F("finished_at").desc())
    )
    latencies: dict[int, list[int]] = {}
    for provider_id, latency in latest.filter(rank__lte=1000).values_list("provider", "latency_ms"):
        latencies.setdefault(provider_id, []).append(latency)
    last_error = finished.filter(provider=OuterRef("pk")).exclude(error="").order_by("-finished_at")
    providers = (
        Participant.objects.filter(kind="provider")
        .order_by("name")
        .annotate(
            last_error=Subquery(last_error.values("error")[:1]),
            last_error_at=Subquery(last_error.values("finished_at")[:1]),
        )
    )
    rows = []
    for provider in providers:
        row, values = counts.get(provider.pk, {}), latencies.get(provider.pk, [])
        rows.append(
            {
                "provider": provider.slug,
                "name": provider.name,
                "sessions": row.get("sessions", 0),
                "completed": row.get("completed", 0),
                "partial": row.get("partial", 0),
                "failed": row.get("failed", 0),
                "success_rate": _rate(row.get("completed", 0), row.get("sessions", 0)),
                "median_latency_ms": round(statistics.median(values)) if values else None,
                "p95_latency_ms": _percentile(values, 0.95),
                "last_error": provider.last_error or "",
                "last_error_at": provider.last_error_at.isoformat() if provider.last_error_at else None,
            }
        )
    return rows


def metrics_changed_since(at: datetime) -> bool:
    """Whether a row the figures count has changed since ``at``: a few EXISTS queries, no aggregation."""
    return (
        LoanApplication.objects.filter(Q(created_at__gt=at) | Q(decided_at__gt=at)).exists()
        # Every consent transition (an expiry by the sweep included) stamps status_changed_at.
        or Consent.objects.filter(Q(created_at__gt=at) | Q(status_changed_at__gt=at)).exists()
        or FetchSession.objects.filter(finished_at__gt=at).exists()
        or Participant.objects.filter(created_at__gt=at).exists()
    )


def metrics_compute(at: datetime | None = None) -> dict:
    at = at or timezone.now()
    return {
        "as_of": at.isoformat(),
        "headline": headline(at),
        "monthly": monthly(at),
        "per_bank": per_bank(at),
        "funnel": funnel(at),
        "providers": provider_health(),
    }

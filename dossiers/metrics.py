"""The credit dossier's metrics, computed in the database.

Every figure comes from GROUP BY queries through the ORM (portable between PostgreSQL and
SQLite); Python only sees monthly aggregates and a handful of rows, never the raw records,
so memory stays flat whatever the record count. The formulas and edge cases are written out
in docs/dossier.md.
"""

import statistics
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db.models import CharField, Count, DecimalField, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncMonth

from consent.models import Consent
from providers.models import FetchSession, Record

HK = ZoneInfo("Asia/Hong_Kong")
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=2))


def _key(name: str) -> Cast:
    """A JSON attribute as plain text, so ISO dates compare as strings on every database."""
    return Cast(KeyTextTransform(name, "attributes"), output_field=CharField())


def _f(value) -> float | None:
    return None if value is None else round(float(value), 4)


def _ratio(part, whole) -> float | None:
    """part / whole, or None when the denominator is zero or missing."""
    if not whole:
        return None
    return round(float(part or 0) / float(whole), 4)


def _growth(current, previous) -> float | None:
    """Relative change; None when the base is missing, zero or negative (a change from a loss has no sign)."""
    if current is None or previous is None or previous <= 0:
        return None
    return round((float(current) - float(previous)) / float(previous), 4)


def month_keys(start: date, end: date) -> list[str]:
    months, cursor = [], start.replace(day=1)
    while cursor <= end:
        months.append(cursor.strftime("%Y-%m"))
        cursor += relativedelta(months=1)
    return months


def complete_month_keys(start: date, end: date) -> list[str]:
    """The months the period covers from their first day to their last. A period ending today (as most do)
    ends in a partial month, and one starting mid-month begins in one: comparing such a month with a full one
    would distort growth, trailing sums and volatility."""
    first = start if start.day == 1 else start.replace(day=1) + relativedelta(months=1)
    last = end.replace(day=1) - timedelta(days=1) if (end + timedelta(days=1)).day != 1 else end
    return month_keys(first, last) if first <= last else []


def _month_start(key: str) -> datetime:
    """The first instant of a "YYYY-MM" month in Hong Kong time."""
    year, month = (int(part) for part in key.split("-"))
    return datetime(year, month, 1, tzinfo=HK)


def _month(value) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(HK) if value.tzinfo else value
    return value.strftime("%Y-%m")


class DossierMetrics:
    def __init__(self, consent: Consent):
        self.consent = consent
        self.records = Record.objects.filter(consent=consent)
        self.start, self.end = consent.date_from, consent.date_to
        self.months = month_keys(self.start, self.end)
        self.complete_months = complete_month_keys(self.start, self.end)
        # One pass over the consent's records by (category, provider, month) answers coverage,
        # sources and record counts, instead of a scan for each of them.
        self.grouped = list(
            self.records.annotate(month=TruncMonth("occurred_at", tzinfo=HK))
            .values("category", "provider__slug", "month")
            .annotate(n=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
            .order_by()
        )
        self.sources = self._sources()

    def _sources(self) -> dict[str, list[str]]:
        sources: dict[str, set[str]] = {}
        for row in self.grouped:
            sources.setdefault(row["category"], set()).add(row["provider__slug"])
        return {category: sorted(slugs) for category, slugs in sources.items()}

    def _count(self, category: str) -> int:
        return sum(row["n"] for row in self.grouped if row["category"] == category)

    def _inputs(self, category: str, records: int, start: date | None = None, end: date | None = None) -> dict:
        return {
            "records": records,
            "period": {"from": (start or self.start).isoformat(), "to": (end or self.end).isoformat()},
            "sources": self.sources.get(category, []),
        }

    def _of(self, category: str) -> QuerySet:
        return self.records.filter(category=category)

    def _monthly(self, queryset: QuerySet, **sums) -> dict[str, dict]:
        rows = (
            queryset.annotate(month=TruncMonth("occurred_at", tzinfo=HK))
            .values("month")
            .annotate(n=Count("id"), **sums)
            .order_by("month")
        )
        return {_month(row.pop("month")): row for row in rows}

    def all(self) -> dict:
        return {
            "coverage": self.coverage(),
            "revenue": self.revenue(),
            "cash_flow": self.cash_flow(),
            "invoices": self.invoices(),
            "utilities": self.utilities(),
            "logistics": self.logistics(),
            "profile": self.profile(),
        }

    def coverage(self) -> dict:
        per_source: dict[tuple[str, str], dict] = {}
        for row in self.grouped:
            source = per_source.setdefault(
                (row["category"], row["provider__slug"]), {"records": 0, "first": row["first"], "last": row["last"]}
            )
            source["records"] += row["n"]
            source["first"], source["last"] = min(source["first"], row["first"]), max(source["last"], row["last"])
        months_with_data = {_month(row["month"]) for row in self.grouped}
        stored = sum(row["n"] for row in self.grouped)
        fetched = FetchSession.objects.filter(consent=self.consent).aggregate(n=Coalesce(Sum("accepted"), 0))["n"]
        conversions = (
            self.records.exclude(currency__in=["HKD", ""])
            .values("currency")
            .annotate(records=Count("id"), min_rate=Min("fx_rate"), max_rate=Max("fx_rate"))
            .order_by("currency")
        )
        return {
            "inputs": {
                "records": stored,
                "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
                "sources": sorted({row["provider__slug"] for row in self.grouped}),
            },
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat(), "months": len(self.months)},
            "months_with_data": len(months_with_data),
            "gaps": [m for m in self.months if m not in months_with_data],
            "by_source": [
                {
                    "provider": provider,
                    "category": category,
                    "records": source["records"],
                    "first": _month(source["first"]),
                    "last": _month(source["last"]),
                }
                for (category, provider), source in sorted(per_source.items())
            ],
            "records": stored,
            # A record delivered more than once is stored once: the difference is what was dropped.
            "duplicates_dropped": max(0, fetched - stored),
            "conversions": [
                {
                    "currency": row["currency"],
                    "records": row["records"],
                    "min_rate": _f(row["min_rate"]),
                    "max_rate": _f(row["max_rate"]),
                }
                for row in conversions
            ],
        }

    def revenue(self) -> dict:
        sales = self._of("sales")
        completed = Q(attributes__status="completed")
        refunded = Q(attributes__status="refunded")
        monthly = self._monthly(
            sales,
            sales=Coalesce(Sum("amount_hkd", filter=completed), ZERO),
            refunds=Coalesce(Sum("amount_hkd", filter=refunded), ZERO),
            orders=Count("id", filter=completed),
        )
        series = [
            {
                "month": m,
                "net": _f(monthly[m]["sales"] - monthly[m]["refunds"]) if m in monthly else 0.0,
                "sales": _f(monthly[m]["sales"]) if m in monthly else 0.0,
                "refunds": _f(monthly[m]["refunds"]) if m in monthly else 0.0,
            }
            for m in self.months
        ]
        # The totals are the monthly figures added up: no second scan.
        totals = {
            key: sum((row[key] for row in monthly.values()), Decimal(0) if key != "orders" else 0)
            for key in ("sales", "refunds", "orders")
        }
        window = self.complete_months[-12:]
        return {
            "monthly": series,
            **self._trends(series, has_sales=bool(monthly)),
            "refund_rate": _ratio(totals["refunds"], totals["sales"]),
            "average_order_value": _f(totals["sales"] / totals["orders"]) if totals["orders"] else None,
            **self._customers(sales.filter(completed), window if monthly else []),
            "inputs": self._inputs("sales", self._count("sales")),
            "inputs_12m": self._window_inputs("sales", window),
        }

    def _trends(self, series: list[dict], *, has_sales: bool) -> dict:
        """Trailing sum, growth and volatility, over whole months only. Within the period, a complete month
        without sales records is a month of zero sales: the sales providers were asked for all of it."""
        net_of = {row["month"]: row["net"] for row in series}
        nets = [net_of[m] for m in self.complete_months] if has_sales else []
        complete = self.complete_months
        return {
            "complete_months": {
                "from": complete[0] if complete else None,
                "to": complete[-1] if complete else None,
                "months": len(complete),
            },
            "trailing_12m": {"value": round(sum(nets[-12:]), 2) if nets else None, "months": len(complete[-12:])},
            "mom_growth": _growth(nets[-1], nets[-2]) if len(nets) >= 2 else None,
            "yoy_growth": _growth(sum(nets[-12:]), sum(nets[-24:-12])) if len(nets) >= 24 else None,
            "volatility_cv": self._cv(nets),
        }

    def _window_inputs(self, category: str, window: list[str]) -> dict:
        """The inputs of the figures over ``window`` (consecutive months): its records, dates and sources."""
        if not window:
            return {"records": 0, "period": None, "sources": []}
        rows = [r for r in self.grouped if r["category"] == category and _month(r["month"]) in window]
        last_day = (_month_start(window[-1]) + relativedelta(months=1)).date() - timedelta(days=1)
        return {
            "records": sum(row["n"] for row in rows),
            "period": {"from": _month_start(window[0]).date().isoformat(), "to": last_day.isoformat()},
            "sources": sorted({row["provider__slug"] for row in rows}),
        }

    def _customers(self, completed: QuerySet, window: list[str]) -> dict:
        """Distinct customers and the five largest customers' share of completed sales over ``window``.
        The count and the total are one aggregate; only the five largest customers come back as rows."""
        if not window:
            return {"active_customers_12m": None, "top5_customer_share_12m": None}
        in_window = completed.filter(
            occurred_at__gte=_month_start(window[0]),
            occurred_at__lt=_month_start(window[-1]) + relativedelta(months=1),
        ).annotate(ref=_key("customer_ref"))
        spread = in_window.aggregate(customers=Count("ref", distinct=True), total=Sum("amount_hkd"))
        top5 = in_window.values("ref").annotate(total=Sum("amount_hkd")).order_by("-total", "ref")[:5]
        return {
            "active_customers_12m": spread["customers"],
            "top5_customer_share_12m": _ratio(sum(row["total"] for row in top5), spread["total"]),
        }

    @staticmethod
    def _cv(values: list[float]) -> float | None:
        """Coefficient of variation of monthly net revenue (population standard deviation / mean)."""
        if len(values) < 2:
            return None
        mean = statistics.fmean(values)
        return round(statistics.pstdev(values) / mean, 4) if mean > 0 else None

    def cash_flow(self) -> dict:
        payments = self._of("payments")
        monthly = self._monthly(
            payments,
            inflow=Coalesce(Sum("amount_hkd", filter=Q(attributes__direction="in")), ZERO),
            outflow=Coalesce(Sum("amount_hkd", filter=Q(attributes__direction="out")), ZERO),
        )
        series = [
            {
                "month": m,
                "inflow": _f(monthly[m]["inflow"]) if m in monthly else 0.0,
                "outflow": _f(monthly[m]["outflow"]) if m in monthly else 0.0,
            }
            for m in self.months
        ]
        for row in series:
            row["net"] = round(row["inflow"] - row["outflow"], 2)
        return {
            "monthly": series,
            "net_total": round(sum(r["net"] for r in series), 2),
            "inputs": self._inputs("payments", self._count("payments")),
        }

    def invoices(self) -> dict:
        end = self.end.isoformat()
        invoices = self._of("invoices").annotate(paid=_key("paid_at"), due=_key("due_at"), issued=_key("issued_at"))
        invoices = invoices.filter(issued__lte=end)
        receivable = invoices.filter(attributes__direction="receivable")
        payable = invoices.filter(attributes__direction="payable")
        open_at_end = Q(paid__isnull=True) | Q(paid__gt=end)
        last365 = (self.end - timedelta(days=365)).isoformat()
        figures = receivable.aggregate(
            outstanding=Sum("amount_hkd", filter=open_at_end),
            overdue=Sum("amount_hkd", filter=open_at_end & Q(due__lt=end)),
            credit_sales=Sum("amount_hkd", filter=Q(issued__gt=last365)),
        )
        payables = payable.filter(due__lte=end).aggregate(
            total=Count("id"),
            late=Count("id", filter=Q(paid__gt=F("due")) | Q(paid__isnull=True)),
        )
        dso = _ratio(figures["outstanding"], figures["credit_sales"])
        return {
            "days_sales_outstanding": round(dso * 365, 1) if dso is not None else None,
            "overdue_receivables_ratio": _ratio(figures["overdue"], figures["outstanding"]),
            "late_payables_ratio": _ratio(payables["late"], payables["total"]),
            "inputs": self._inputs("invoices", self._count("invoices")),
        }

    def utilities(self) -> dict:
        end = self.end.isoformat()
        bills = self._of("utilities").annotate(paid=_key("paid_at"), due=_key("due_at")).filter(due__lte=end)
        counts = bills.aggregate(total=Count("id"), on_time=Count("id", filter=Q(paid__lte=F("due"))))
        return {
            "on_time_payment_ratio": _ratio(counts["on_time"], counts["total"]),
            "inputs": self._inputs("utilities", counts["total"]),
        }

    def logistics(self) -> dict:
        shipments = self._of("logistics")
        counts = shipments.aggregate(
            delivered=Count("id", filter=Q(attributes__status="delivered")),
            returned=Count("id", filter=Q(attributes__status="returned")),
            lost=Count("id", filter=Q(attributes__status="lost")),
            records=Count("id"),
        )
        settled = counts["delivered"] + counts["returned"] + counts["lost"]
        return {
            "delivery_success_rate": _ratio(counts["delivered"], settled),
            "return_rate": _ratio(counts["returned"], settled),
            "inputs": self._inputs("logistics", counts["records"]),
        }

    def profile(self) -> dict:
        latest = self._of("profile").order_by("-occurred_at").values("attributes").first()
        if latest is None:
            return {"business_age_months": None, "registry_status": None, "inputs": self._inputs("profile", 0)}
        attributes = latest["attributes"]
        incorporated = date.fromisoformat(attributes["incorporated_on"])
        age = relativedelta(self.end, incorporated)
        return {
            "business_age_months": max(0, age.years * 12 + age.months),
            "registry_status": attributes["status"],
            "legal_name": attributes["legal_name"],
            "inputs": self._inputs("profile", 1),
        }

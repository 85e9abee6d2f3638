"""Converting amounts to HKD with the hub's dated FX table."""

import bisect
import csv
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db import transaction

from hub.models import FxRate

HKD = "HKD"
CENTS = Decimal("0.01")


class NoRate(LookupError):
    """No rate for the currency on or before the date."""


class RateBook:
    """The rates of some currencies, loaded in one query, answering 'the rate on or before a date'."""

    def __init__(self, currencies: set[str], until: date | None = None):
        wanted = currencies - {HKD}
        rows = FxRate.objects.filter(currency__in=wanted).order_by("currency", "on")
        if until is not None:
            rows = rows.filter(on__lte=until)
        self._days: dict[str, list[date]] = defaultdict(list)
        self._rates: dict[str, list[Decimal]] = defaultdict(list)
        for currency, on, rate in rows.values_list("currency", "on", "rate_to_hkd"):
            self._days[currency].append(on)
            self._rates[currency].append(rate)

    def rate(self, currency: str, on: date) -> tuple[Decimal, date]:
        if currency == HKD:
            return Decimal(1), on
        index = bisect.bisect_right(self._days.get(currency, []), on) - 1
        if index < 0:
            raise NoRate(f"no FX rate for {currency} on or before {on.isoformat()}")
        return self._rates[currency][index], self._days[currency][index]

    def to_hkd(self, amount: Decimal, currency: str, on: date) -> tuple[Decimal, Decimal, date]:
        rate, rate_date = self.rate(currency, on)
        return (amount * rate).quantize(CENTS, rounding=ROUND_HALF_UP), rate, rate_date


def fx_load_csv(*, path: Path) -> int:
    """Upserts rates from a CSV with the columns date, currency, rate_to_hkd. Returns the row count."""
    with path.open(newline="") as source:
        rows = [
            FxRate(
                on=date.fromisoformat(row["date"]),
                currency=row["currency"].strip().upper(),
                rate_to_hkd=Decimal(row["rate_to_hkd"]),
            )
            for row in csv.DictReader(source)
        ]
    with transaction.atomic():
        FxRate.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["currency", "on"],
            update_fields=["rate_to_hkd"],
            batch_size=1000,
        )
    return len(rows)

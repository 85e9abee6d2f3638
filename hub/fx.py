"""Converting amounts to HKD with the hub's dated FX table."""

import bisect
import csv
import re
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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


class InvalidRates(ValueError):
    """A rates file that cannot be loaded; ``problems`` names each one by its line and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


_COLUMNS = ("date", "currency", "rate_to_hkd")
# ISO 4217's shape: three capital letters.
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# What FxRate.rate_to_hkd holds: 18 digits, 8 of them after the point.
_LARGEST_RATE = Decimal(10) ** 10


def _rate_row(row: dict) -> tuple[FxRate | None, list[str]]:
    """One CSV row as a rate, or what is wrong with it, field by field."""
    problems = []
    values = {column: (row.get(column) or "").strip() for column in _COLUMNS}
    try:
        on = date.fromisoformat(values["date"])
    except ValueError:
        problems.append(f"date: {values['date']!r} is not a YYYY-MM-DD date")
    currency = values["currency"].upper()
    if not _CURRENCY.match(currency):
        problems.append(f"currency: {values['currency']!r} is not an ISO 4217 code (three letters)")
    elif currency == HKD:
        problems.append("currency: HKD is the reporting currency and takes no rate")
    try:
        rate = Decimal(values["rate_to_hkd"])
    except InvalidOperation:
        problems.append(f"rate_to_hkd: {values['rate_to_hkd']!r} is not a number")
    else:
        if not rate.is_finite() or not 0 < rate < _LARGEST_RATE:
            problems.append(f"rate_to_hkd: {values['rate_to_hkd']!r} must be above 0 and below {_LARGEST_RATE:,}")
        elif rate.as_tuple().exponent < -8:
            problems.append(f"rate_to_hkd: {values['rate_to_hkd']!r} has more than 8 decimal places")
    if problems:
        return None, problems
    return FxRate(on=on, currency=currency, rate_to_hkd=rate), []


def _read_rates(source) -> list[FxRate]:
    reader = csv.DictReader(source)
    missing = [column for column in _COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise InvalidRates([f"line 1: the header lacks {', '.join(missing)} (expected {','.join(_COLUMNS)})"])
    rates, problems, seen = [], [], {}
    for row in reader:
        rate, wrong = _rate_row(row)
        problems += [f"line {reader.line_num}: {problem}" for problem in wrong]
        if rate is None:
            continue
        key = (rate.currency, rate.on)
        if key in seen:
            problems.append(f"line {reader.line_num}: {rate.currency} on {rate.on} is already on line {seen[key]}")
        seen[key] = reader.line_num
        rates.append(rate)
    if problems:
        raise InvalidRates(problems)
    return rates


def fx_load_csv(*, path: Path) -> int:
    """Upserts rates from a CSV with the columns date, currency, rate_to_hkd. Returns the row count.

    Loads nothing when any row is wrong: raises InvalidRates naming every bad line and field.
    """
    with path.open(newline="") as source:
        rows = _read_rates(source)
    with transaction.atomic():
        FxRate.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["currency", "on"],
            update_fields=["rate_to_hkd"],
            batch_size=1000,
        )
    return len(rows)

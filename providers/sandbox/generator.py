"""Deterministic synthetic records per brn: the sandbox providers' data.

Every business gets its own character from a hash of its brn: size, trend, seasonality,
refund rate, share of foreign currency, how late it pays, and whether its history is thin or
has a gap. Each day's records come from a generator seeded with (brn, category, day), so any
page can be produced on its own and the same request always gets the same answer.

Everything that places a business in time (when its history starts, its gap, the origin of
its growth trend, its incorporation) is counted from one fixed day, ANCHOR, never from
today, so a past day's records are the same on whatever day they are asked for. Only what
has not happened yet by today is left open: an invoice or a bill not yet paid, a parcel
still in transit, and the days after today, which hold nothing.
"""

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

HK = timezone(timedelta(hours=8))
# The day every business's history is laid out from: where it starts, its gap, the origin of its
# trend. A fixed day, not today, so that the past does not move as the clock does; the history runs
# on from it to whatever today is.
ANCHOR = date(2026, 11, 1)
# Most businesses have traded for this long before the anchor (27 months, from August 2024).
HISTORY_DAYS = 27 * 31
DESTINATIONS = ["HK", "HK", "HK", "CN", "CN", "SG", "TW", "JP", "US", "GB", "AU"]
INDUSTRIES = ["47190", "56101", "10710", "46900", "18110", "47730", "49410", "62010"]


@dataclass(frozen=True)
class Character:
    daily_orders: float
    order_value: float
    yearly_growth: float
    refund_rate: float
    foreign_share: float
    late_payer: float
    customers: int
    thin: bool
    history_start: date
    gap: tuple[date, date] | None


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


def character(brn: str) -> Character:
    """The business's own traits, from its brn alone."""
    rng = random.Random(_seed("character", brn))
    thin = rng.random() < 0.12
    # A thin history starts 4 to 5 months before the anchor.
    start = ANCHOR - timedelta(days=rng.randint(120, 160) if thin else HISTORY_DAYS)
    gap = None
    if not thin and rng.random() < 0.15:
        gap_start = ANCHOR - timedelta(days=rng.randint(200, 500))
        gap = (gap_start, gap_start + timedelta(days=rng.randint(30, 75)))
    return Character(
        daily_orders=rng.uniform(2.0, 14.0),
        order_value=rng.uniform(80, 650),
        yearly_growth=rng.uniform(-0.35, 0.6),
        refund_rate=rng.uniform(0.01, 0.09),
        foreign_share=rng.choice([0.0, 0.05, 0.15, 0.3]),
        late_payer=rng.uniform(0.03, 0.45),
        customers=rng.randint(40, 900),
        thin=thin,
        history_start=start,
        gap=gap,
    )


def _active(who: Character, day: date) -> bool:
    if day < who.history_start:
        return False
    return not (who.gap and who.gap[0] <= day <= who.gap[1])


def _level(who: Character, day: date) -> float:
    """Trading level on a day: trend times seasonality (a summer lull, Lunar New Year and December peaks)."""
    # At its typical level on the anchor day, growing (or shrinking) by yearly_growth a year either side.
    trend = (1 + who.yearly_growth) ** ((day - ANCHOR).days / 365.0)
    season = 1 + 0.18 * math.sin(2 * math.pi * (day.month - 4) / 12)
    if day.month == 12:
        season += 0.35
    if day.month in (1, 2):
        season += 0.2
    return max(0.05, trend * season)


def _currency(rng: random.Random, who: Character) -> str:
    if rng.random() >= who.foreign_share:
        return "HKD"
    return rng.choice(["CNY", "CNY", "USD", "EUR"])


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 21), rng.randint(0, 59), rng.randint(0, 59)), HK)


def _money(value: float) -> str:
    return f"{max(value, 1.0):.2f}"


def _sales(brn: str, day: date, who: Character, today: date, rng: random.Random) -> list[dict]:
    count = int(who.daily_orders * _level(who, day) * rng.uniform(0.5, 1.5))
    records = []
    for i in range(count):
        roll = rng.random()
        status = "refunded" if roll < who.refund_rate else "cancelled" if roll < who.refund_rate + 0.02 else "completed"
        records.append(
            {
                "external_id": f"S-{brn}-{day:%Y%m%d}-{i}",
                "occurred_at": _at(day, rng).isoformat(),
                "amount": _money(rng.lognormvariate(math.log(who.order_value), 0.5)),
                "currency": _currency(rng, who),
                "channel": rng.choice(["online", "pos", "marketplace"]),
                "status": status,
                "customer_ref": f"C{int(who.customers * rng.random() ** 2) + 1:05d}",
            }
        )
    return records


def _payments(brn: str, day: date, who: Character, today: date, rng: random.Random) -> list[dict]:
    takings = who.daily_orders * who.order_value * _level(who, day)
    flows = [("in", takings * rng.uniform(0.7, 1.2), "settlement", "PSP-SETTLE")]
    if rng.random() < 0.4:
        flows.append(("out", takings * rng.uniform(1.0, 3.0), "bank_transfer", f"SUP{rng.randint(1, 25):03d}"))
    if day.day == 25:
        flows.append(("out", who.order_value * who.daily_orders * 6, "payroll", "PAYROLL"))
    return [
        {
            "external_id": f"P-{brn}-{day:%Y%m%d}-{i}",
            "occurred_at": _at(day, rng).isoformat(),
            "amount": _money(v),
            "currency": "HKD",
            "direction": direction,
            "counterparty_ref": ref,
            "method": method,
        }
        for i, (direction, v, method, ref) in enumerate(flows)
    ]


def _invoices(brn: str, day: date, who: Character, today: date, rng: random.Random) -> list[dict]:
    records = []
    for i, direction in enumerate(["receivable", "payable"]):
        if rng.random() > (0.5 if direction == "receivable" else 0.3):
            continue
        due = day + timedelta(days=30)
        late = rng.random() < who.late_payer
        paid = due + timedelta(days=rng.randint(5, 75)) if late else day + timedelta(days=rng.randint(3, 30))
        # Drawn whatever today is, so the records after this one do not depend on whether it is paid yet.
        never_paid = rng.random() < 0.03
        unpaid = never_paid or paid > today
        records.append(
            {
                "external_id": f"I-{brn}-{day:%Y%m%d}-{i}",
                "occurred_at": _at(day, rng).isoformat(),
                "amount": _money(who.order_value * rng.uniform(8, 40)),
                "currency": _currency(rng, who),
                "direction": direction,
                "issued_at": day.isoformat(),
                "due_at": due.isoformat(),
                "paid_at": None if unpaid else paid.isoformat(),
                "counterparty_ref": f"K{rng.randint(1, 60):03d}",
            }
        )
    return records


def _logistics(brn: str, day: date, who: Character, today: date, rng: random.Random) -> list[dict]:
    count = int(who.daily_orders * 0.4 * _level(who, day) * rng.uniform(0.5, 1.5))
    records = []
    for i in range(count):
        shipped = _at(day, rng)
        roll = rng.random()
        status = "lost" if roll < 0.01 else "returned" if roll < 0.05 else "delivered"
        delivered = shipped + timedelta(days=rng.randint(1, 6))
        if delivered.date() > today:
            status = "in_transit"
        records.append(
            {
                "external_id": f"L-{brn}-{day:%Y%m%d}-{i}",
                "occurred_at": shipped.isoformat(),
                "amount": _money(rng.uniform(20, 180)),
                "currency": "HKD",
                "shipped_at": shipped.isoformat(),
                "delivered_at": delivered.isoformat() if status == "delivered" else None,
                "status": status,
                "destination": rng.choice(DESTINATIONS),
            }
        )
    return records


def _utilities(brn: str, day: date, who: Character, today: date, rng: random.Random) -> list[dict]:
    if day.day != 5:
        return []
    period = (day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    records = []
    for kind in ["electricity", "water", "telecom"]:
        due = day + timedelta(days=21)
        paid = (
            due + timedelta(days=rng.randint(3, 40))
            if rng.random() < who.late_payer
            else due - timedelta(days=rng.randint(0, 15))
        )
        records.append(
            {
                "external_id": f"U-{brn}-{period}-{kind}",
                "occurred_at": _at(day, rng).isoformat(),
                "amount": _money(rng.uniform(300, 4000) if kind == "electricity" else rng.uniform(80, 900)),
                "currency": "HKD",
                "utility_type": kind,
                "billing_period": period,
                "due_at": due.isoformat(),
                "paid_at": None if paid > today else paid.isoformat(),
            }
        )
    return records


_DAILY = {
    "sales": _sales,
    "payments": _payments,
    "invoices": _invoices,
    "logistics": _logistics,
    "utilities": _utilities,
}


def profile(brn: str, legal_name: str, as_of: date) -> dict:
    """The registry's entry for the business as of a day; only its occurred_at depends on that day."""
    rng = random.Random(_seed("profile", brn))
    who = character(brn)
    # A business with a thin history is young; the others were incorporated up to 25 years before trading here.
    incorporated = who.history_start - timedelta(days=rng.randint(20, 200) if who.thin else rng.randint(200, 9000))
    return {
        "external_id": f"R-{brn}",
        "occurred_at": datetime.combine(as_of, time(0, 0), HK).isoformat(),
        "legal_name": legal_name,
        "incorporated_on": incorporated.isoformat(),
        "status": "live" if rng.random() > 0.03 else "dormant",
        "industry_code": rng.choice(INDUSTRIES),
    }


def records_for_day(brn: str, category: str, day: date, today: date) -> list[dict]:
    """The day's records as known on ``today``: none for a day after it."""
    who = character(brn)
    if not _active(who, day) or day > today:
        return []
    return _DAILY[category](brn, day, who, today, random.Random(_seed(brn, category, day.isoformat())))


def iterate(
    brn: str, category: str, start: date, end: date, today: date, skip: int = 0
) -> Iterator[tuple[date, int, dict]]:
    """Every record from ``start`` to ``end`` as (day, index within the day, record)."""
    day = start
    while day <= end:
        for index, record in enumerate(records_for_day(brn, category, day, today)):
            if day == start and index < skip:
                continue
            yield day, index, record
        day += timedelta(days=1)

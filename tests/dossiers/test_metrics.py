"""The dossier's formulas against values computed by hand on small fixtures (see docs/dossier.md)."""

import datetime as dt
from decimal import Decimal

import pytest

from consent import services
from dossiers.metrics import DossierMetrics
from providers.models import FetchSession, Record


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(
        consent=make_consent(
            data_categories=["sales", "payments", "invoices", "utilities", "logistics", "profile"],
            date_from=dt.date(2025, 1, 1),
            date_to=dt.date(2026, 12, 31),
        ),
        user=sme.owner,
    )


@pytest.fixture
def add(consent, provider):
    counter = iter(range(10_000))

    def add(category: str, day: str, amount: str | None = None, target=None, **attributes):
        target = target or consent
        Record.objects.create(
            consent=target,
            business=target.business,
            provider=provider.participant,
            category=category,
            external_id=f"X{next(counter)}",
            occurred_at=dt.datetime.fromisoformat(f"{day}T12:00:00+08:00"),
            amount=Decimal(amount) if amount else None,
            currency="HKD" if amount else "",
            amount_hkd=Decimal(amount) if amount else None,
            fx_rate=Decimal(1) if amount else None,
            attributes=attributes,
        )

    return add


def test_revenue_figures_match_the_hand_computed_values(consent, add):
    add("sales", "2025-01-05", "100", status="completed", customer_ref="A")
    add("sales", "2025-01-06", "300", status="completed", customer_ref="B")
    add("sales", "2025-01-07", "50", status="refunded", customer_ref="A")
    add("sales", "2025-02-01", "200", status="completed", customer_ref="C")
    add("sales", "2025-02-02", "999", status="cancelled", customer_ref="C")
    add("sales", "2026-12-01", "500", status="completed", customer_ref="A")
    # Refunds larger than sales in a month: that month's net revenue is negative.
    add("sales", "2026-12-02", "600", status="refunded", customer_ref="B")
    revenue = DossierMetrics(consent).revenue()
    by_month = {row["month"]: row for row in revenue["monthly"]}
    assert len(revenue["monthly"]) == 24
    assert by_month["2025-01"] == {"month": "2025-01", "net": 350.0, "sales": 400.0, "refunds": 50.0}
    assert by_month["2025-02"]["net"] == 200.0
    assert by_month["2026-12"]["net"] == -100.0
    assert by_month["2026-06"]["net"] == 0.0
    # The period runs from a month's first day to another's last: every month is complete.
    assert revenue["complete_months"] == {"from": "2025-01", "to": "2026-12", "months": 24}
    assert revenue["trailing_12m"] == {"value": -100.0, "months": 12}
    # The base month (2026-11) is zero: no growth figure.
    assert revenue["mom_growth"] is None
    assert revenue["yoy_growth"] == pytest.approx((-100 - 550) / 550, abs=1e-4)
    # Over all 24 months, the 21 without sales counting as 0: mean 18.75, variance 172500 / 24 - 18.75².
    assert revenue["volatility_cv"] == pytest.approx((172500 / 24 - 18.75**2) ** 0.5 / 18.75, abs=1e-4)
    assert revenue["volatility_cv"] == pytest.approx(4.4096, abs=1e-4)
    assert revenue["refund_rate"] == pytest.approx(650 / 1100, abs=1e-4)
    assert revenue["average_order_value"] == 275.0
    assert revenue["active_customers_12m"] == 1
    assert revenue["top5_customer_share_12m"] == 1.0
    assert revenue["inputs"]["records"] == 7
    assert revenue["inputs"]["sources"] == ["shop-one"]
    assert revenue["inputs"]["period"] == {"from": "2025-01-01", "to": "2026-12-31"}
    # The 12-month figures name their own window and the records in it (both from December 2026).
    assert revenue["inputs_12m"] == {
        "records": 2,
        "period": {"from": "2026-01-01", "to": "2026-12-31"},
        "sources": ["shop-one"],
    }


def test_growth_trailing_sum_and_volatility_leave_out_partial_first_and_last_months(make_consent, sme, add):
    # 15 January to 10 April: only February and March are whole months.
    mid_month = services.consent_authorise(
        consent=make_consent(date_from=dt.date(2026, 1, 15), date_to=dt.date(2026, 4, 10)), user=sme.owner
    )
    add("sales", "2026-01-20", "9000", target=mid_month, status="completed", customer_ref="A")
    add("sales", "2026-02-03", "60", target=mid_month, status="completed", customer_ref="B")
    add("sales", "2026-02-13", "40", target=mid_month, status="completed", customer_ref="C")
    add("sales", "2026-03-09", "180", target=mid_month, status="completed", customer_ref="B")
    add("sales", "2026-03-10", "30", target=mid_month, status="refunded", customer_ref="B")
    add("sales", "2026-04-02", "5", target=mid_month, status="completed", customer_ref="D")
    revenue = DossierMetrics(mid_month).revenue()
    assert [row["month"] for row in revenue["monthly"]] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert revenue["complete_months"] == {"from": "2026-02", "to": "2026-03", "months": 2}
    # February 100, March 180 - 30 = 150.
    assert revenue["trailing_12m"] == {"value": 250.0, "months": 2}
    assert revenue["mom_growth"] == 0.5
    # Mean 125, population standard deviation 25.
    assert revenue["volatility_cv"] == 0.2
    assert revenue["yoy_growth"] is None
    # Customers over the same whole months: B and C (not A in January, not D in April).
    assert revenue["active_customers_12m"] == 2
    assert revenue["top5_customer_share_12m"] == 1.0
    assert revenue["inputs_12m"] == {
        "records": 4,
        "period": {"from": "2026-02-01", "to": "2026-03-31"},
        "sources": ["shop-one"],
    }
    # Refund rate and order value still cover the whole period: 30 / 9285 and 9285 / 5.
    assert revenue["refund_rate"] == pytest.approx(30 / 9285, abs=1e-4)
    assert revenue["average_order_value"] == 1857.0


def test_a_month_without_sales_inside_the_period_counts_as_zero(make_consent, sme, add):
    quarter = services.consent_authorise(
        consent=make_consent(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 31)), user=sme.owner
    )
    add("sales", "2026-02-10", "300", target=quarter, status="completed", customer_ref="A")
    revenue = DossierMetrics(quarter).revenue()
    # March sold nothing: (0 - 300) / 300.
    assert revenue["mom_growth"] == -1.0
    assert revenue["trailing_12m"] == {"value": 300.0, "months": 3}
    # 0, 300, 0: mean 100, population standard deviation 141.42.
    assert revenue["volatility_cv"] == pytest.approx(2**0.5, abs=1e-4)


def test_the_top_five_customers_share_with_more_than_five_customers(consent, add):
    # C1 to C7 bought 100, 200, ... 700 in 2026 (C1 in two sales); the largest five bought 2500 of 2800.
    for n in range(1, 8):
        if n == 1:
            add("sales", "2026-03-01", "40", status="completed", customer_ref="C1")
            add("sales", "2026-04-01", "60", status="completed", customer_ref="C1")
        else:
            add("sales", f"2026-0{n}-01", str(100 * n), status="completed", customer_ref=f"C{n}")
    # Neither a sale before the 12 months, nor a refund, nor a cancelled order makes an active customer.
    add("sales", "2025-11-30", "10000", status="completed", customer_ref="OLD")
    add("sales", "2026-05-05", "90", status="refunded", customer_ref="R")
    add("sales", "2026-05-06", "90", status="cancelled", customer_ref="X")
    revenue = DossierMetrics(consent).revenue()
    assert revenue["active_customers_12m"] == 7
    assert revenue["top5_customer_share_12m"] == pytest.approx(2500 / 2800, abs=1e-4)
    assert revenue["top5_customer_share_12m"] == 0.8929


def test_it_never_loads_a_row_per_customer(consent, add):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(30):
        add("sales", "2026-06-01", "10", status="completed", customer_ref=f"C{n:02}")
    metrics = DossierMetrics(consent)
    with CaptureQueriesContext(connection) as queries:
        customers = metrics._customers(metrics._of("sales"), metrics.complete_months[-12:])
    assert customers == {"active_customers_12m": 30, "top5_customer_share_12m": round(5 / 30, 4)}
    # One aggregate for the count and the total, one query for at most five customers.
    assert len(queries) == 2
    assert "LIMIT 5" in queries[1]["sql"]


def test_cash_flow_is_inflow_outflow_and_net_per_month(consent, add):
    add("payments", "2025-01-10", "1000", direction="in", counterparty_ref="X", method="fps")
    add("payments", "2025-01-11", "400", direction="out", counterparty_ref="Y", method="fps")
    add("payments", "2026-12-11", "300", direction="out", counterparty_ref="Y", method="fps")
    cash = DossierMetrics(consent).cash_flow()
    by_month = {row["month"]: row for row in cash["monthly"]}
    assert by_month["2025-01"] == {"month": "2025-01", "inflow": 1000.0, "outflow": 400.0, "net": 600.0}
    assert by_month["2026-12"]["net"] == -300.0
    assert cash["net_total"] == 300.0


def test_invoice_ratios(consent, add):
    def invoice(direction, amount, issued, due, paid):
        add(
            "invoices",
            issued,
            amount,
            direction=direction,
            issued_at=issued,
            due_at=due,
            paid_at=paid,
            counterparty_ref="K",
        )

    invoice("receivable", "1000", "2026-10-01", "2026-10-31", "2026-10-20")
    invoice("receivable", "500", "2026-11-15", "2026-12-15", None)
    invoice("receivable", "300", "2026-12-10", "2027-01-09", None)
    invoice("receivable", "200", "2025-06-01", "2025-07-01", "2025-06-20")
    invoice("payable", "10", "2026-04-01", "2026-05-01", "2026-05-10")
    invoice("payable", "10", "2026-05-01", "2026-06-01", "2026-05-30")
    invoice("payable", "10", "2026-11-01", "2026-12-01", None)
    invoice("payable", "10", "2026-12-15", "2027-01-15", None)
    figures = DossierMetrics(consent).invoices()
    assert figures["days_sales_outstanding"] == round(800 / 1800 * 365, 1)
    assert figures["overdue_receivables_ratio"] == 0.625
    assert figures["late_payables_ratio"] == pytest.approx(2 / 3, abs=1e-4)
    assert figures["inputs"]["records"] == 8


def test_utilities_logistics_and_profile(consent, add):
    for due, paid in [
        ("2026-01-26", "2026-01-20"),
        ("2026-02-26", "2026-03-05"),
        ("2026-03-26", None),
        ("2027-01-26", None),
    ]:
        add("utilities", due[:8] + "05", "100", utility_type="water", billing_period=due[:7], due_at=due, paid_at=paid)
    for status, n in [("delivered", 8), ("returned", 1), ("lost", 1), ("in_transit", 2)]:
        for _ in range(n):
            add(
                "logistics",
                "2026-06-01",
                "20",
                status=status,
                shipped_at="2026-06-01T10:00:00+08:00",
                delivered_at=None,
                destination="HK",
            )
    add(
        "profile",
        "2026-12-31",
        legal_name="Harbour Tea House Ltd",
        incorporated_on="2020-06-15",
        status="live",
        industry_code="56101",
    )
    metrics = DossierMetrics(consent)
    assert metrics.utilities()["on_time_payment_ratio"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics.logistics()["delivery_success_rate"] == 0.8
    assert metrics.logistics()["return_rate"] == 0.1
    assert metrics.profile()["business_age_months"] == 78
    assert metrics.profile()["registry_status"] == "live"


def test_no_data_gives_no_figures_rather_than_zeros(consent):
    metrics = DossierMetrics(consent).all()
    assert metrics["revenue"]["refund_rate"] is None
    assert metrics["revenue"]["average_order_value"] is None
    assert metrics["revenue"]["volatility_cv"] is None
    assert metrics["revenue"]["yoy_growth"] is None
    assert metrics["invoices"]["days_sales_outstanding"] is None
    assert metrics["utilities"]["on_time_payment_ratio"] is None
    assert metrics["logistics"]["delivery_success_rate"] is None
    assert metrics["profile"]["business_age_months"] is None
    assert metrics["coverage"]["months_with_data"] == 0
    assert len(metrics["coverage"]["gaps"]) == 24
    # No sales at all: no trailing sum, no customers, rather than zeros.
    assert metrics["revenue"]["trailing_12m"] == {"value": None, "months": 12}
    assert metrics["revenue"]["active_customers_12m"] is None
    assert metrics["revenue"]["top5_customer_share_12m"] is None
    assert metrics["revenue"]["mom_growth"] is None


def test_one_month_of_data(make_consent, sme, add):
    short = services.consent_authorise(
        consent=make_consent(date_from=dt.date(2026, 12, 1), date_to=dt.date(2026, 12, 31)), user=sme.owner
    )
    add("sales", "2026-12-03", "100", target=short, status="completed", customer_ref="A")
    revenue = DossierMetrics(short).revenue()
    assert revenue["trailing_12m"] == {"value": 100.0, "months": 1}
    assert revenue["mom_growth"] is None
    assert revenue["yoy_growth"] is None
    assert revenue["volatility_cv"] is None
    assert revenue["refund_rate"] == 0.0


def test_coverage_names_months_sources_gaps_and_conversions(consent, add):
    add("sales", "2025-01-05", "100", status="completed", customer_ref="A")
    add("payments", "2025-03-05", "100", direction="in", counterparty_ref="A", method="fps")
    Record.objects.filter(category="payments").update(currency="USD", fx_rate=Decimal("7.8"))
    coverage = DossierMetrics(consent).coverage()
    assert coverage["months_with_data"] == 2
    assert "2025-02" in coverage["gaps"]
    assert len(coverage["gaps"]) == 22
    assert {(s["provider"], s["category"], s["records"]) for s in coverage["by_source"]} == {
        ("shop-one", "payments", 1),
        ("shop-one", "sales", 1),
    }
    assert coverage["conversions"] == [{"currency": "USD", "records": 1, "min_rate": 7.8, "max_rate": 7.8}]
    assert coverage["inputs"] == {
        "records": 2,
        "period": {"from": "2025-01-01", "to": "2026-12-31"},
        "sources": ["shop-one"],
    }


def test_records_delivered_more_than_once_are_counted_as_duplicates_dropped(consent, add, provider):
    # The fetches delivered five sales records, two of them twice over: three are stored.
    FetchSession.objects.create(
        consent=consent, provider=provider.participant, category="sales", status="completed", accepted=5
    )
    for day in ("2025-01-05", "2025-01-06", "2025-01-07"):
        add("sales", day, "100", status="completed", customer_ref="A")
    coverage = DossierMetrics(consent).coverage()
    assert coverage["records"] == 3
    assert coverage["duplicates_dropped"] == 2

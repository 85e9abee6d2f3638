"""The sandbox providers: their synthetic history, and their Provider Data API's refusals."""

import datetime as dt

import pytest
import requests
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from providers.fetcher import fetcher_token
from providers.sandbox import generator

CATEGORIES = ["sales", "payments", "invoices", "logistics", "utilities"]
# An ordinary business, one with a thin history (10000000) and one with a gap (10000039).
BRNS = ["12345678", "10000000", "10000039"]
TODAYS = [dt.date(2026, 12, 1), dt.date(2027, 6, 1), dt.date(2030, 1, 1)]


def history(brn: str, category: str, start: dt.date, end: dt.date, today: dt.date) -> list[dict]:
    return [record for _, _, record in generator.iterate(brn, category, start, end, today)]


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_past_range_gives_the_same_records_whatever_day_it_is_asked_on(category):
    # It covers the thin history and the gap, and ended long enough ago for every invoice, bill and parcel
    # in it to be settled on each of those days.
    start, end = dt.date(2025, 6, 1), dt.date(2026, 7, 31)
    for brn in BRNS:
        asked = [history(brn, category, start, end, today) for today in TODAYS]
        assert asked[0], brn
        assert all(records == asked[0] for records in asked), brn


def test_the_profile_is_the_same_whatever_day_it_is_asked_for():
    one = generator.profile("12345678", "Harbour Tea House Ltd", dt.date(2026, 1, 1))
    other = generator.profile("12345678", "Harbour Tea House Ltd", dt.date(2027, 6, 1))
    assert {**one, "occurred_at": None} == {**other, "occurred_at": None}
    assert dt.date.fromisoformat(one["incorporated_on"]) < generator.character("12345678").history_start


def test_an_ordinary_business_has_24_months_of_history_up_to_today():
    today = timezone.localdate()
    first_month = today - relativedelta(months=24)
    for category in CATEGORIES:
        assert history("12345678", category, first_month, first_month + dt.timedelta(days=31), today), category
        assert history("12345678", category, today - dt.timedelta(days=31), today, today), category


def test_some_businesses_have_a_thin_history_or_a_gap():
    today = dt.date(2026, 11, 27)
    thin = generator.character("10000000")
    assert thin.thin and thin.history_start > today - dt.timedelta(days=200)
    before = thin.history_start - dt.timedelta(days=1)
    assert not history("10000000", "sales", before - dt.timedelta(days=60), before, today)
    gap_start, gap_end = generator.character("10000039").gap
    assert not history("10000039", "sales", gap_start, gap_end, today)
    assert history("10000039", "sales", gap_end + dt.timedelta(days=1), gap_end + dt.timedelta(days=30), today)


def test_the_history_has_refunds_late_payers_several_currencies_and_seasons():
    today = dt.date(2026, 11, 27)
    sales = history("12345678", "sales", dt.date(2025, 1, 1), dt.date(2025, 12, 31), today)
    assert {"completed", "refunded", "cancelled"} == {s["status"] for s in sales}
    assert {"HKD", "CNY"} <= {s["currency"] for s in sales}
    invoices = history("12345678", "invoices", dt.date(2025, 1, 1), dt.date(2025, 12, 31), today)
    assert any(i["paid_at"] and i["paid_at"] > i["due_at"] for i in invoices)
    per_month = {}
    for sale in sales:
        month = sale["occurred_at"][:7]
        per_month[month] = per_month.get(month, 0) + 1
    # December's peak over the summer lull.
    assert per_month["2025-12"] > per_month["2025-07"]


@pytest.fixture
def sandbox_url(sandboxes, hub_url) -> str:
    return f"{hub_url}/sandbox/providers/shoplane/records"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("header", [None, "Bearer not-a-token-the-hub-issued", "Basic c29tZTpvbmU="])
def test_the_sandbox_refuses_a_missing_or_invalid_token_with_401(sandbox_url, header):
    headers = {"Authorization": header} if header else {}
    answer = requests.get(sandbox_url, params={"brn": "12345678", "category": "sales"}, headers=headers, timeout=10)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "2026-01-01:many"}, "cursor"),
        ({"brn": "123"}, "brn"),
        ({"category": "payments"}, "serves sales"),
        ({"from": "yesterday"}, "dates"),
    ],
)
def test_the_sandbox_refuses_a_request_it_cannot_answer_with_400(sandbox_url, params, detail):
    headers = {"Authorization": f"Bearer {fetcher_token()}"}
    query = {"brn": "12345678", "category": "sales", **params}
    answer = requests.get(sandbox_url, params=query, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert detail in answer.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_answers_a_valid_token_and_follows_its_own_cursor(sandbox_url):
    headers = {"Authorization": f"Bearer {fetcher_token()}"}
    query = {"brn": "12345678", "category": "sales", "from": "2026-01-01", "to": "2026-01-31", "limit": 50}
    first = requests.get(sandbox_url, params=query, headers=headers, timeout=10).json()
    second = requests.get(sandbox_url, params={**query, "cursor": first["next_cursor"]}, headers=headers, timeout=10)
    expected = history("12345678", "sales", dt.date(2026, 1, 1), dt.date(2026, 1, 31), timezone.localdate())
    assert first["records"] + second.json()["records"] == expected[:100]

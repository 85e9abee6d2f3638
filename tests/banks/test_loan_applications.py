import datetime as dt
from decimal import Decimal

import pytest

from banks.models import LoanApplication
from consent import services
from hub.models import FxRate
from tests.conftest import obtain_token


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


@pytest.fixture
def bank(client, bank_a):
    token = obtain_token(client, bank_a)["access_token"]

    def call(method: str, path: str, body: dict | None = None):
        return getattr(client, method)(
            path, body or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return call


def submit(bank, consent, **overrides):
    return bank(
        "post",
        "/api/v1/loan-applications",
        {"consent_id": str(consent.pk), "amount": "1000000.00", "currency": "HKD", "product": "term_loan", **overrides},
    )


def test_a_bank_reports_an_application_in_another_currency_converted_at_the_days_rate(bank, consent):
    FxRate.objects.create(currency="USD", on=dt.date(2020, 1, 1), rate_to_hkd="7.75")
    response = submit(bank, consent, amount="100000.00", currency="USD")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["amount_hkd"], body["fx_rate"]) == ("submitted", "775000.00", "7.75000000")
    assert body["business_brn"] == "12345678"


def test_the_days_rate_is_the_latest_on_or_before_today_not_an_older_or_later_one(bank, consent):
    from django.utils import timezone

    today = timezone.localdate()
    FxRate.objects.create(currency="USD", on=today - dt.timedelta(days=30), rate_to_hkd="7.75")
    FxRate.objects.create(currency="USD", on=today - dt.timedelta(days=1), rate_to_hkd="7.82")
    FxRate.objects.create(currency="USD", on=today + dt.timedelta(days=1), rate_to_hkd="9.99")
    body = submit(bank, consent, amount="100000.00", currency="USD").json()
    assert (body["fx_rate"], body["amount_hkd"]) == ("7.82000000", "782000.00")
    FxRate.objects.create(currency="USD", on=today, rate_to_hkd="7.80")
    body = submit(bank, consent, amount="100000.00", currency="USD").json()
    assert (body["fx_rate"], body["amount_hkd"]) == ("7.80000000", "780000.00")
    # The approved amount is converted at the rate fixed when the application was made.
    approved = bank(
        "patch", f"/api/v1/loan-applications/{body['id']}", {"status": "approved", "approved_amount": "50000.00"}
    ).json()
    assert approved["approved_amount_hkd"] == "390000.00"


def test_approval_needs_an_amount_no_larger_than_asked(bank, consent):
    loan = submit(bank, consent).json()
    missing = bank("patch", f"/api/v1/loan-applications/{loan['id']}", {"status": "approved"})
    assert missing.status_code == 400
    assert "approved_amount" in missing.json()["fields"]
    too_much = bank(
        "patch", f"/api/v1/loan-applications/{loan['id']}", {"status": "approved", "approved_amount": "1000000.01"}
    )
    assert too_much.status_code == 400
    approved = bank(
        "patch", f"/api/v1/loan-applications/{loan['id']}", {"status": "approved", "approved_amount": "800000.00"}
    )
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["approved_amount_hkd"]) == ("approved", "800000.00")


@pytest.mark.parametrize("first", ["approved", "declined", "withdrawn"])
def test_a_decided_application_cannot_change_again(bank, consent, first):
    loan = submit(bank, consent).json()
    body = {"status": first, **({"approved_amount": "10.00"} if first == "approved" else {})}
    assert bank("patch", f"/api/v1/loan-applications/{loan['id']}", body).status_code == 200
    again = bank("patch", f"/api/v1/loan-applications/{loan['id']}", {"status": "declined"})
    assert again.status_code == 409
    assert again.json()["error"] == "illegal_transition"


def test_only_a_consent_of_the_same_bank_and_only_the_banks_own_applications(
    client, bank, consent, bank_b, make_consent
):
    loan = submit(bank, consent).json()
    token_b = obtain_token(client, bank_b)["access_token"]
    other = {"HTTP_AUTHORIZATION": f"Bearer {token_b}"}
    assert (
        client.patch(
            f"/api/v1/loan-applications/{loan['id']}", {"status": "declined"}, content_type="application/json", **other
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/loan-applications/{loan['id']}", **other).status_code == 404
    foreign = client.post(
        "/api/v1/loan-applications",
        {"consent_id": str(consent.pk), "amount": "1.00", "currency": "HKD", "product": "x"},
        content_type="application/json",
        **other,
    )
    assert foreign.status_code == 404
    assert LoanApplication.objects.count() == 1


def test_bad_input_names_the_field(bank, consent, make_consent):
    assert "amount" in submit(bank, consent, amount="-5").json()["fields"]
    assert "currency" in submit(bank, consent, currency="DOGE").json()["fields"]
    assert "currency" in submit(bank, consent, currency="JPY").json()["fields"]
    pending = make_consent()
    assert "consent_id" in submit(bank, pending).json()["fields"]
    assert not LoanApplication.objects.exists()


def test_the_hub_fixes_status_and_amounts(bank, consent):
    body = submit(bank, consent, status="approved", amount_hkd="1.00", approved_amount="5.00").json()
    assert body["status"] == "submitted"
    assert body["amount_hkd"] == "1000000.00"
    assert body["approved_amount"] is None
    assert LoanApplication.objects.get().approved_amount is None
    assert Decimal(body["amount"]) == Decimal("1000000.00")

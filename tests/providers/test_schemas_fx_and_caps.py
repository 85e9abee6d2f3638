import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEntry
from consent import services
from consent.models import Consent
from hub.fx import NoRate, RateBook
from hub.models import FxRate
from providers import fetcher
from providers.ingest import records_ingest
from providers.models import FetchSession, Record
from providers.retention import consent_data_purge, records_purge_past_retention
from providers.sandbox import generator
from providers.schemas import SCHEMAS, InvalidRecord, normalise


@pytest.mark.parametrize("category", ["sales", "payments", "invoices", "logistics", "utilities"])
def test_the_sandbox_output_fits_the_same_schemas(category):
    today = dt.date(2026, 11, 1)
    records = [r for _, _, r in generator.iterate("12345678", category, dt.date(2025, 11, 1), today, today)]
    assert records
    for record in records:
        normalise(category, record)


def test_the_sandbox_is_deterministic_per_brn_and_differs_between_brns():
    today = dt.date(2026, 11, 1)
    one = list(generator.iterate("12345678", "sales", dt.date(2026, 9, 1), today, today))
    again = list(generator.iterate("12345678", "sales", dt.date(2026, 9, 1), today, today))
    other = list(generator.iterate("87654321", "sales", dt.date(2026, 9, 1), today, today))
    assert one == again
    assert one != other


def test_the_profile_record_fits_its_schema():
    normalise("profile", generator.profile("12345678", "Harbour Tea House Ltd", dt.date(2026, 11, 1)))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"amount": 12}, "amount"),
        ({"currency": "DOGE"}, "currency"),
        ({"occurred_at": "2026-01-01T10:00:00"}, "UTC offset"),
        ({"status": "stolen"}, "status"),
        ({"external_id": ""}, "external_id"),
    ],
)
def test_a_record_breaking_its_schema_is_refused_with_a_reason(change, reason):
    record = {
        "external_id": "1",
        "occurred_at": "2026-01-01T10:00:00+08:00",
        "amount": "1.00",
        "currency": "HKD",
        "channel": "pos",
        "status": "completed",
        "customer_ref": "C1",
        **change,
    }
    with pytest.raises(InvalidRecord, match=reason):
        normalise("sales", record)


def test_each_category_has_one_schema():
    assert set(SCHEMAS) == {"sales", "payments", "invoices", "logistics", "utilities", "profile"}


def test_conversion_uses_the_latest_rate_on_or_before_the_day(db):
    FxRate.objects.create(currency="CNY", on=dt.date(2026, 1, 1), rate_to_hkd="1.08")
    FxRate.objects.create(currency="CNY", on=dt.date(2026, 2, 1), rate_to_hkd="1.10")
    book = RateBook({"CNY", "HKD"})
    assert book.to_hkd(Decimal("100"), "CNY", dt.date(2026, 1, 31)) == (
        Decimal("108.00"),
        Decimal("1.08000000"),
        dt.date(2026, 1, 1),
    )
    assert book.to_hkd(Decimal("100"), "CNY", dt.date(2026, 2, 1))[0] == Decimal("110.00")
    assert book.to_hkd(Decimal("100"), "HKD", dt.date(2026, 2, 1))[0] == Decimal("100.00")
    with pytest.raises(NoRate):
        book.rate("CNY", dt.date(2025, 12, 31))


def test_load_fx_rates_reads_a_csv_and_repeats_harmlessly(db, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("date,currency,rate_to_hkd\n2026-01-01,USD,7.81\n2026-01-01,eur,8.5\n")
    call_command("load_fx_rates", str(path), stdout=StringIO())
    call_command("load_fx_rates", str(path), stdout=StringIO())
    assert FxRate.objects.count() == 2
    assert FxRate.objects.get(currency="EUR").rate_to_hkd == Decimal("8.5")


@pytest.fixture
def fx(db):
    from hub.demo import DEMO_FX_RATES
    from hub.fx import fx_load_csv

    fx_load_csv(path=DEMO_FX_RATES)


def _authorised(make_consent, sme, **kw) -> Consent:
    return services.consent_authorise(consent=make_consent(**kw), user=sme.owner)


def test_a_record_without_a_rate_is_refused_and_its_neighbours_kept(make_consent, sme, provider):
    consent = _authorised(make_consent, sme)
    day = timezone.localdate().isoformat()
    base = {
        "occurred_at": f"{day}T10:00:00+08:00",
        "amount": "5.00",
        "channel": "pos",
        "status": "completed",
        "customer_ref": "C",
    }
    result = records_ingest(
        consent=consent,
        provider=provider.participant,
        category="sales",
        records=[{**base, "external_id": "a", "currency": "HKD"}, {**base, "external_id": "b", "currency": "JPY"}],
    )
    assert (result.accepted, result.rejected) == (1, 1)
    assert "no FX rate for JPY" in result.rejections[0]["reason"]


def test_a_page_ingested_twice_is_stored_once(make_consent, sme, provider, fx):
    consent = _authorised(make_consent, sme)
    today = timezone.localdate()
    page = [r for _, _, r in generator.iterate(sme.brn, "sales", today - dt.timedelta(days=20), today, today)]
    for _ in range(2):
        records_ingest(consent=consent, provider=provider.participant, category="sales", records=page)
    assert Record.objects.filter(consent=consent).count() == len(page)


def test_a_one_off_purpose_fetches_each_category_once(make_consent, sme, provider):
    consent = _authorised(make_consent, sme)
    FetchSession.objects.create(
        consent=consent, provider=provider.participant, category="sales", status="completed", finished_at=timezone.now()
    )
    assert "allows one fetch" in fetcher.caps_problem(consent, provider.participant.pk, "sales")
    (session,) = fetcher.fetch_plan(consent=consent)
    assert session.status == "completed"
    assert FetchSession.objects.count() == 1


def test_a_periodic_purpose_fetches_again_only_after_its_interval(make_consent, sme, provider):
    today = timezone.localdate()
    consent = _authorised(make_consent, sme, purpose="credit_monitoring", date_from=today - dt.timedelta(days=100))
    done = FetchSession.objects.create(
        consent=consent,
        provider=provider.participant,
        category="sales",
        status="completed",
        finished_at=timezone.now() - dt.timedelta(hours=2),
    )
    assert "once every" in fetcher.caps_problem(consent, provider.participant.pk, "sales")
    FetchSession.objects.filter(pk=done.pk).update(finished_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    assert fetcher.caps_problem(consent, provider.participant.pk, "sales") is None


def test_caps_are_checked_again_before_fetching(make_consent, sme, provider):
    consent = _authorised(make_consent, sme)
    session = FetchSession.objects.create(consent=consent, provider=provider.participant, category="sales")
    services.consent_pause(consent=consent, user=sme.owner)
    finished = fetcher.fetch_run(session_id=session.pk)
    assert finished.status == "failed"
    assert "paused" in finished.error


def test_purge_deletes_the_consents_records_and_records_a_deletion_receipt(make_consent, sme, provider, fx):
    consent = _authorised(make_consent, sme)
    today = timezone.localdate()
    page = [r for _, _, r in generator.iterate(sme.brn, "sales", today - dt.timedelta(days=10), today, today)]
    records_ingest(consent=consent, provider=provider.participant, category="sales", records=page)
    assert consent_data_purge(consent_id=consent.pk, reason="consent_revoked") == len(page)
    assert not Record.objects.filter(consent=consent).exists()
    receipt = AuditEntry.objects.get(action="consent.data_purged")
    assert receipt.data == {"reason": "consent_revoked", "deleted": {"sales": len(page)}, "total": len(page)}


def test_records_past_their_purposes_retention_are_purged(make_consent, sme, provider, fx):
    consent = _authorised(make_consent, sme)
    today = timezone.localdate()
    page = [r for _, _, r in generator.iterate(sme.brn, "sales", today - dt.timedelta(days=10), today, today)]
    records_ingest(consent=consent, provider=provider.participant, category="sales", records=page)
    assert records_purge_past_retention() == 0
    Record.objects.update(ingested_at=timezone.now() - dt.timedelta(days=91))
    assert records_purge_past_retention() == len(page)
    assert AuditEntry.objects.get(action="consent.data_purged").data["reason"] == "retention_ended"

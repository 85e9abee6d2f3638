"""The operator's figures follow events: a debounced roll-up after loan changes, a staleness check for the
rest, and old snapshots pruned."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from consent import services
from dashboard.models import MetricsSnapshot
from dashboard.services import (
    ROLLUP_PENDING_KEY,
    metrics_latest,
    metrics_prune,
    metrics_rollup,
    metrics_rollup_if_stale,
    metrics_rollup_soon,
)
from tests.conftest import obtain_token
from tests.providers.helpers import wait_until


def headline() -> dict:
    return MetricsSnapshot.objects.order_by("-computed_at").first().figures["headline"]


@pytest.mark.django_db(transaction=True)
def test_a_reported_loan_and_its_approval_reach_the_figures_without_a_refresh(
    client, celery_worker, bank_a, operator_client, make_consent, sme
):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    cache.delete(ROLLUP_PENDING_KEY)
    metrics_rollup()
    assert headline()["loan_applications"] == 0
    bank = {"HTTP_AUTHORIZATION": f"Bearer {obtain_token(client, bank_a)['access_token']}"}
    loan = client.post(
        "/api/v1/loan-applications",
        {"consent_id": str(consent.pk), "amount": "500000.00", "currency": "HKD", "product": "term_loan"},
        content_type="application/json",
        **bank,
    ).json()
    wait_until(lambda: headline()["loan_applications"] == 1, timeout=30)
    client.patch(
        f"/api/v1/loan-applications/{loan['id']}",
        {"status": "approved", "approved_amount": "400000.00"},
        content_type="application/json",
        **bank,
    )
    wait_until(lambda: headline()["credit_approved_hkd"] == 400000.0, timeout=30)
    operator = {"HTTP_AUTHORIZATION": f"Bearer {obtain_token(client, operator_client)['access_token']}"}
    figures = client.get("/api/v1/metrics", **operator).json()["figures"]
    assert (figures["headline"]["loan_applications"], figures["headline"]["approval_rate"]) == (1, 1.0)
    # Nothing is left queued to write into the next test's database.
    wait_until(lambda: not cache.get(ROLLUP_PENDING_KEY), timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_events_queues_one_roll_up(celery_worker, settings):
    # Earlier tests' consent and loan changes queued roll-ups of their own; let any still waiting run
    # before counting this test's.
    time.sleep(settings.METRICS_ROLLUP_DELAY_SECONDS + 1)
    MetricsSnapshot.objects.all().delete()
    cache.delete(ROLLUP_PENDING_KEY)
    queued = [metrics_rollup_soon() for _ in range(20)]
    assert queued.count(True) == 1
    wait_until(lambda: MetricsSnapshot.objects.count() == 1, timeout=30)
    # Once it ran, the next event queues the next roll-up.
    assert metrics_rollup_soon()
    wait_until(lambda: MetricsSnapshot.objects.count() == 2, timeout=30)
    time.sleep(settings.METRICS_ROLLUP_DELAY_SECONDS + 1)
    assert MetricsSnapshot.objects.count() == 2


@pytest.mark.django_db
def test_it_rolls_up_when_a_consent_changed_and_not_otherwise(make_consent, sme):
    consent = make_consent()
    first = metrics_rollup()
    assert metrics_rollup_if_stale() is None
    services.consent_authorise(consent=consent, user=sme.owner)
    changed = metrics_rollup_if_stale()
    assert changed is not None
    assert changed.figures["headline"]["active_consents"] == 1
    assert metrics_latest().pk == changed.pk != first.pk
    assert metrics_rollup_if_stale() is None


@pytest.mark.django_db
def test_pruning_keeps_ninety_days_and_one_snapshot_a_day_before_today(settings):
    settings.METRICS_SNAPSHOT_KEEP_DAYS = 90
    now = dt.datetime(2026, 6, 30, 15, 0, tzinfo=ZoneInfo("Asia/Hong_Kong"))
    today = now.replace(hour=0)

    def snapshot(at):
        return MetricsSnapshot.objects.create(computed_at=at, figures={}).pk

    too_old = snapshot(now - dt.timedelta(days=91))
    kept_old = snapshot(now - dt.timedelta(days=89))
    yesterday = [snapshot(today - dt.timedelta(hours=h)) for h in (20, 10, 1)]
    todays = [snapshot(today + dt.timedelta(hours=h)) for h in (1, 2, 3)]
    assert metrics_prune(at=now) == 3
    remaining = set(MetricsSnapshot.objects.values_list("pk", flat=True))
    assert too_old not in remaining
    assert remaining == {kept_old, yesterday[-1], *todays}


@pytest.mark.django_db
def test_a_participants_change_of_status_queues_a_roll_up(bank_a, django_capture_on_commit_callbacks, monkeypatch):
    from participants import services as participant_services

    queued = []
    monkeypatch.setattr(participant_services, "metrics_rollup_soon", lambda: queued.append(1))
    for change in ["participant_suspend", "participant_suspend", "participant_reactivate"]:
        with django_capture_on_commit_callbacks(execute=True):
            getattr(participant_services, change)(participant=bank_a.participant)
    # Suspending twice changes nothing the second time, and queues nothing.
    assert queued == [1, 1]

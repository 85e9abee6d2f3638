"""Fetch sessions a lost message, a spent retry or a killed worker left behind are found and queued again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent import services
from consent.models import Consent
from providers.fetcher import fetch_sessions_stalled
from providers.models import FetchSession, Record
from providers.tasks import resume_stalled_fetches
from tests.providers.helpers import wait_for_sessions


@pytest.mark.django_db
def test_sessions_pending_too_long_or_running_past_their_lease_are_stalled(make_consent, sme, provider, settings):
    settings.STALLED_AFTER_SECONDS = 60
    consent = services.consent_authorise(consent=make_consent(data_categories=["sales"]), user=sme.owner)
    now = timezone.now()

    def session(category: str, **fields) -> int:
        return FetchSession.objects.create(
            consent=consent, provider=provider.participant, category=category, **fields
        ).pk

    # One open session per (consent, provider, category): each case takes a category of its own.
    forgotten = session("sales", created_at=now - timedelta(seconds=61))
    waited_for_a_slot_long_ago = session(
        "payments", created_at=now - timedelta(hours=1), started_at=now - timedelta(seconds=61)
    )
    waiting_for_a_slot = session("invoices", created_at=now - timedelta(hours=1), started_at=now - timedelta(seconds=5))
    just_planned = session("logistics", created_at=now - timedelta(seconds=5))
    orphaned = session("utilities", status="running", started_at=now, lease_until=now - timedelta(seconds=1))
    fetching = session("profile", status="running", started_at=now, lease_until=now + timedelta(seconds=30))
    assert set(fetch_sessions_stalled()) == {forgotten, waited_for_a_slot_long_ago, orphaned}
    assert not {waiting_for_a_slot, just_planned, fetching} & set(fetch_sessions_stalled())


@pytest.mark.django_db
def test_finished_sessions_are_never_stalled(make_consent, sme, provider, settings):
    settings.STALLED_AFTER_SECONDS = 60
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    long_ago = timezone.now() - timedelta(hours=1)
    for status in FetchSession.FINISHED:
        FetchSession.objects.create(
            consent=consent,
            provider=provider.participant,
            category="sales",
            status=status,
            created_at=long_ago,
            started_at=long_ago,
            finished_at=long_ago,
        )
    assert fetch_sessions_stalled() == []


@pytest.mark.django_db(transaction=True)
def test_a_session_whose_task_was_lost_is_fetched_once_beat_resumes_it(celery_worker, sandboxes, bank_a, sme):
    # The consent is authorised by hand, so no fetch is queued: as if the broker had lost the message.
    today = timezone.localdate()
    consent = services.consent_create(
        bank=bank_a.participant,
        business_brn=sme.brn,
        data_categories=["sales"],
        providers=["shoplane"],
        purpose="credit_assessment",
        date_from=today - timedelta(days=30),
        date_to=today,
        expires_at=timezone.now() + timedelta(days=30),
    )
    Consent.objects.filter(pk=consent.pk).update(status="authorised", decided_at=timezone.now())
    stalled = FetchSession.objects.create(
        consent=consent,
        provider=sandboxes["shoplane"][0].participant,
        category="sales",
        created_at=timezone.now() - timedelta(hours=1),
    )

    assert resume_stalled_fetches.apply().get() == 1
    (session,) = wait_for_sessions(consent, expected=1)
    assert (session.pk, session.status) == (stalled.pk, "completed")
    assert Record.objects.filter(consent=consent).count() == session.accepted > 0


def test_beat_resumes_stalled_fetches_in_every_configuration():
    from cdi.celery import app
    from cdi.settings import base, reliability

    app.loader.import_default_modules()
    assert "providers.resume_stalled_fetches" in app.tasks
    for configuration in (base, reliability):
        tasks = {entry["task"] for entry in configuration.CELERY_BEAT_SCHEDULE.values()}
        assert "providers.resume_stalled_fetches" in tasks, configuration.__name__

from celery import shared_task
from django.db import OperationalError

from consent.models import Consent
from providers import fetcher
from providers.retention import consent_data_purge, records_purge_past_retention


@shared_task(name="providers.fetch_consent")
def fetch_consent(consent_id: str) -> list[int]:
    consent = Consent.objects.filter(pk=consent_id).first()
    if consent is None or not consent.is_live():
        return []
    return [session.pk for session in fetcher.fetch_plan(consent=consent)]


@shared_task(
    name="providers.fetch_run",
    autoretry_for=(fetcher.TransientFetchError, OperationalError),
    retry_backoff=2,
    # A session waiting for a provider slot is tried at least this often, so resume_stalled_fetches (after
    # STALLED_AFTER_SECONDS) sees it stalled only once its retries are lost or spent.
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=30,
)
def fetch_run(session_id: int) -> str | None:
    session = fetcher.fetch_run(session_id=session_id)
    return session.status if session else None


@shared_task(name="providers.resume_stalled_fetches")
def resume_stalled_fetches() -> int:
    """Beat: queues again every fetch session no worker is running. A session is claimed, so it runs once
    whoever asks."""
    stalled = fetcher.fetch_sessions_stalled()
    for session_id in stalled:
        fetch_run.delay(session_id)
    return len(stalled)


@shared_task(name="providers.fetch_periodic")
def fetch_periodic() -> int:
    """Beat, daily: a fresh fetch for every live consent whose purpose is periodic."""
    from consent.purposes import PURPOSES

    periodic = [code for code, spec in PURPOSES.items() if spec.is_periodic]
    count = 0
    for consent in Consent.objects.live().filter(purpose__in=periodic):
        count += len(fetcher.fetch_plan(consent=consent))
    return count


@shared_task(name="providers.purge_consent")
def purge_consent(consent_id: str, reason: str) -> int:
    return consent_data_purge(consent_id=consent_id, reason=reason)


@shared_task(name="providers.purge_past_retention")
def purge_past_retention() -> int:
    """Beat, hourly: deletes records kept longer than their purpose allows, and any still held under a
    consent that has ended."""
    return records_purge_past_retention()

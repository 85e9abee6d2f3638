import datetime as dt
import time

from django.utils import timezone

from consent import services
from providers.models import FetchSession


def authorised_consent(bank, sme, categories: list[str], months: int = 3, **overrides):
    today = timezone.localdate()
    consent = services.consent_create(
        bank=bank.participant,
        business_brn=sme.brn,
        data_categories=categories,
        providers=None,
        purpose=overrides.pop("purpose", "credit_assessment"),
        date_from=today - dt.timedelta(days=30 * months),
        date_to=today,
        expires_at=timezone.now() + dt.timedelta(days=60),
        **overrides,
    )
    return services.consent_authorise(consent=consent, user=sme.owner)


def wait_for_sessions(consent, expected: int, timeout: float = 90.0) -> list[FetchSession]:
    """Waits until the worker has finished ``expected`` sessions of the consent."""
    deadline = time.monotonic() + timeout
    while True:
        sessions = list(FetchSession.objects.filter(consent=consent).select_related("provider"))
        if len(sessions) >= expected and all(s.status in FetchSession.FINISHED for s in sessions):
            return sessions
        assert time.monotonic() < deadline, [(s.provider.slug, s.category, s.status, s.error) for s in sessions]
        time.sleep(0.3)


def wait_until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)

import datetime as dt
import time

from django.utils import timezone

from consent import services
from dossiers.models import Dossier
from dossiers.services import DossierBusy, dossier_build, dossier_request
from providers.models import FetchSession


def sale(n, **fields) -> dict:
    """A valid sales record of HK$10 made today; ``fields`` adds or overrides (a push's business_brn, say)."""
    return {
        "external_id": f"S{n}",
        "occurred_at": f"{timezone.localdate().isoformat()}T10:00:00+08:00",
        "amount": "10.00",
        "currency": "HKD",
        "channel": "pos",
        "status": "completed",
        "customer_ref": "C1",
        **fields,
    }


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


def built_dossier(bank, consent, timeout: float = 90.0) -> Dossier:
    """Requests a dossier and builds it in this process against the live sandboxes.

    The request also queues the build task; when a session's worker is running it may claim the build
    first, and then this waits for that worker's build instead (either way it is built once).
    """
    dossier = dossier_request(consent=consent, bank=bank.participant)
    try:
        dossier_build(dossier_id=dossier.pk)
    except DossierBusy:
        wait_until(lambda: Dossier.objects.get(pk=dossier.pk).status in Dossier.FINISHED, timeout)
    dossier.refresh_from_db()
    return dossier

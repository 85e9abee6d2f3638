from celery import shared_task
from django.db import OperationalError

from dossiers.services import DossierBusy, dossier_build, dossiers_stalled


@shared_task(
    name="dossiers.build",
    # Busy: another build holds the lease. OperationalError: the database refused (a lock held past
    # the lock timeout, a restart); the lease lapses and a later try resumes the build.
    autoretry_for=(DossierBusy, OperationalError),
    retry_backoff=3,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=200,
    soft_time_limit=1500,
    time_limit=1800,
)
def build(dossier_id: str) -> str:
    return dossier_build(dossier_id=dossier_id)


@shared_task(name="dossiers.resume_stalled")
def resume_stalled() -> int:
    """Beat: queues again every dossier no worker is building. A build runs once whoever asks."""
    stalled = dossiers_stalled()
    for dossier_id in stalled:
        build.delay(str(dossier_id))
    return len(stalled)

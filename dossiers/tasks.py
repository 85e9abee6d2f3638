from celery import shared_task

from dossiers.services import DossierBusy, dossier_build


@shared_task(
    name="dossiers.build",
    autoretry_for=(DossierBusy,),
    retry_backoff=3,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=200,
    soft_time_limit=1500,
    time_limit=1800,
)
def build(dossier_id: str) -> str:
    return dossier_build(dossier_id=dossier_id)

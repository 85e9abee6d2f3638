from celery import shared_task

from dashboard.services import metrics_rollup


@shared_task(name="dashboard.rollup")
def rollup() -> str:
    return metrics_rollup().computed_at.isoformat()

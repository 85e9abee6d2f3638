from celery import shared_task

from dashboard.services import metrics_prune, metrics_rollup, metrics_rollup_if_stale, metrics_rollup_pending


@shared_task(name="dashboard.rollup")
def rollup() -> str:
    """Beat, daily: a roll-up whatever happened, and the old snapshots pruned."""
    snapshot = metrics_rollup()
    metrics_prune()
    return snapshot.computed_at.isoformat()


@shared_task(name="dashboard.rollup_pending")
def rollup_pending() -> str:
    """Queued by metrics_rollup_soon after a loan application or decision, a consent's request or change, or a
    participant's change."""
    return metrics_rollup_pending().computed_at.isoformat()


@shared_task(name="dashboard.rollup_if_stale")
def rollup_if_stale() -> str | None:
    """Beat, each minute: a roll-up when anything the figures count changed since the latest one."""
    snapshot = metrics_rollup_if_stale()
    return snapshot.computed_at.isoformat() if snapshot else None

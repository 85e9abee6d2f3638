"""Rolling the operator's figures up into snapshots, as events happen, and keeping the snapshot table small."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from dashboard.metrics import metrics_changed_since, metrics_compute
from dashboard.models import MetricsSnapshot

log = logging.getLogger(__name__)
# Set while a roll-up is queued and has not started: further events within the delay add nothing.
ROLLUP_PENDING_KEY = "dashboard:rollup-pending"


def metrics_rollup() -> MetricsSnapshot:
    """Computes the figures now and keeps them: after events, each minute if anything changed, daily, and
    when the operator asks."""
    now = timezone.now()
    return MetricsSnapshot.objects.create(computed_at=now, figures=metrics_compute(now))


def metrics_latest() -> MetricsSnapshot:
    return MetricsSnapshot.objects.order_by("-computed_at").first() or metrics_rollup()


def metrics_rollup_soon() -> bool:
    """Queues one roll-up METRICS_ROLLUP_DELAY_SECONDS from now, unless one is already waiting: a burst of
    loan applications costs one roll-up, not one each. Call it once the change has committed. Returns
    whether it queued one."""
    from dashboard.tasks import rollup_pending

    delay = settings.METRICS_ROLLUP_DELAY_SECONDS
    try:
        # The key outlives the delay, so a roll-up lost with a worker does not block the next ones for long.
        if not cache.add(ROLLUP_PENDING_KEY, 1, timeout=delay + 60):
            return False
        rollup_pending.apply_async(countdown=delay)
    except Exception:
        # The change itself has committed; the minute's staleness check catches the figures up.
        log.warning("could not queue the metrics roll-up", exc_info=True)
        return False
    return True


def metrics_rollup_pending() -> MetricsSnapshot:
    # Cleared before computing: an event that commits during the roll-up queues the next one.
    cache.delete(ROLLUP_PENDING_KEY)
    return metrics_rollup()


def metrics_rollup_if_stale() -> MetricsSnapshot | None:
    """Rolls up when anything the figures count changed since the latest snapshot: the catch-all for what
    queues no roll-up itself (a fetch finishing) and for a roll-up lost with a worker."""
    latest = MetricsSnapshot.objects.order_by("-computed_at").first()
    if latest is not None and not metrics_changed_since(latest.computed_at):
        return None
    return metrics_rollup()


def metrics_prune(*, at: datetime | None = None) -> int:
    """Deletes snapshots older than METRICS_SNAPSHOT_KEEP_DAYS, and of every day before today all but its
    last one (event-driven roll-ups make many a day). Returns how many it deleted."""
    at = at or timezone.now()
    deleted, _ = MetricsSnapshot.objects.filter(
        computed_at__lt=at - timedelta(days=settings.METRICS_SNAPSHOT_KEEP_DAYS)
    ).delete()
    today = timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
    earlier = MetricsSnapshot.objects.filter(computed_at__lt=today)
    last_of_day: dict = {}
    # One (id, time) pair per snapshot before today: the last day's roll-ups and one a day before that.
    for pk, computed_at in earlier.order_by("computed_at").values_list("pk", "computed_at"):
        last_of_day[timezone.localdate(computed_at)] = pk
    thinned, _ = earlier.exclude(pk__in=list(last_of_day.values())).delete()
    return deleted + thinned

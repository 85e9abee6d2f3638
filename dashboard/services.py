from django.utils import timezone

from dashboard.metrics import metrics_compute
from dashboard.models import MetricsSnapshot


def metrics_rollup() -> MetricsSnapshot:
    """Computes the figures now and keeps them: beat does this daily, the operator on demand."""
    now = timezone.now()
    return MetricsSnapshot.objects.create(computed_at=now, figures=metrics_compute(now))


def metrics_latest() -> MetricsSnapshot:
    return MetricsSnapshot.objects.order_by("-computed_at").first() or metrics_rollup()

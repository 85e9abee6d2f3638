from django.db import models


class MetricsSnapshot(models.Model):
    """The operator's figures as rolled up at one moment; the dashboard and the API read the latest."""

    computed_at = models.DateTimeField(db_index=True)
    figures = models.JSONField()

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"metrics at {self.computed_at.isoformat()}"

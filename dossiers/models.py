import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.models import Consent
from participants.models import Participant


class Dossier(models.Model):
    """A signed credit dossier built from what one consent allows."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready")
        PARTIAL = "partial", _("Partial")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.READY, Status.PARTIAL, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="dossiers")
    bank = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="dossiers")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    metrics = models.JSONField(default=dict, blank=True)
    sources = models.JSONField(default=list, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    signature = models.TextField(blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # The bank's Idempotency-Key for the request that created it: the same key gives back this dossier.
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    # The build in progress holds a lease; only its holder may finish the dossier.
    lease_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["bank", "-created_at"], name="dossier_by_bank")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "ready", "partial", "failed"]), name="dossier_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="dossier_progress_0_1"),
            models.CheckConstraint(
                condition=~Q(status__in=["ready", "partial"]) | (Q(generated_at__isnull=False) & ~Q(signature="")),
                name="dossier_signed_when_ready",
            ),
            models.UniqueConstraint(
                fields=["bank", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="dossier_idempotency_key_once",
            ),
        ]

    def __str__(self) -> str:
        return f"dossier {self.pk} ({self.status})"

    @property
    def generated_at_signed(self) -> str | None:
        """``generated_at`` as the signature covers it: ISO 8601 in UTC. The API serves this very text, so
        a bank can compare its fields with the signed payload's character for character."""
        return self.generated_at.isoformat() if self.generated_at else None

    def body(self) -> dict:
        """What the signature covers."""
        return {
            "id": str(self.pk),
            "consent_id": str(self.consent_id),
            "metrics": self.metrics,
            "sources": self.sources,
            "generated_at": self.generated_at_signed,
        }

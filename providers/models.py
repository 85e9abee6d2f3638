from django.db import models
from django.db.models import Q
from django.utils import timezone

from consent.models import Consent
from hub.categories import Category
from participants.models import Participant


class ProviderManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(kind=Participant.Kind.PROVIDER)

    def active(self) -> models.QuerySet:
        return self.filter(status=Participant.Status.ACTIVE)


class Provider(Participant):
    """The participants that hold SME data: a view of Participant, not a table of its own."""

    objects = ProviderManager()

    class Meta:
        proxy = True


class Record(models.Model):
    """One normalised record, held for one consent and purged with it.

    Records are kept per consent, so that one bank's revocation or retention period removes
    exactly what was shared with that bank. A repeat of the same record (a fetch delivered
    twice, a push resent) updates the row instead of adding one.
    """

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="records")
    business = models.ForeignKey("businesses.Business", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    external_id = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    currency = models.CharField(max_length=3, blank=True)
    # Fixed at ingest from the FX table: the HKD amount, the rate used and that rate's date.
    amount_hkd = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    fx_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True)
    fx_date = models.DateField(null=True)
    attributes = models.JSONField(default=dict)
    ingested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "provider", "category", "external_id"], name="record_once_per_consent"
            ),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="record_category_valid"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount_hkd__isnull=False, fx_rate__isnull=False),
                name="record_amount_converted",
            ),
        ]
        indexes = [
            # The bank's reads: one consent's records in id order (the cursor), by category.
            models.Index(fields=["consent", "id"], name="record_consent_cursor"),
            models.Index(fields=["consent", "category", "occurred_at"], name="record_consent_category_time"),
            # Aggregation over a business's history.
            models.Index(fields=["business", "category", "occurred_at"], name="record_business_category_time"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.external_id}"


class FetchSession(models.Model):
    """Fetching one category from one provider for one consent: its progress and outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        PARTIAL = "partial", "Partial"
        FAILED = "failed", "Failed"

    FINISHED = (Status.COMPLETED, Status.PARTIAL, Status.FAILED)

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="fetch_sessions")
    provider = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="fetch_sessions")
    category = models.CharField(max_length=20, choices=Category.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Where to go on from: a retry resumes here instead of starting over.
    next_cursor = models.CharField(max_length=200, blank=True)
    pages = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejections = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # Mean latency of the provider's answers, for the data-flow health figures.
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    # A running fetch holds the session until then; a worker that dies lets it lapse and another resumes.
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "completed", "partial", "failed"]),
                name="fetch_session_status_valid",
            ),
            # One session at a time per (consent, provider, category).
            models.UniqueConstraint(
                fields=["consent", "provider", "category"],
                condition=Q(status__in=["pending", "running"]),
                name="fetch_session_one_open",
            ),
        ]
        indexes = [models.Index(fields=["provider", "-created_at"], name="fetch_session_by_provider")]

    def __str__(self) -> str:
        return f"{self.provider} {self.category} for {self.consent_id} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return round((self.finished_at - self.started_at).total_seconds(), 3)
        return None


class SandboxProvider(models.Model):
    """A sandbox provider served by the hub itself, and the faults it can be told to show."""

    class Fault(models.TextChoices):
        SLOW = "slow", "Slow answers"
        ERROR = "error", "5xx on every call"
        FLAKY = "flaky", "5xx on the first two calls, then fine"
        TIMEOUT = "timeout", "No answer within the read timeout"
        MALFORMED = "malformed", "Some records break the schema"

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="sandbox")
    # brn -> fault, for tests and demos of the failure paths.
    faults = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"sandbox {self.participant.slug}"

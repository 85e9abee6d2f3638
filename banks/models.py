import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from participants.models import Participant

WEBHOOK_EVENTS = [
    "consent.authorised",
    "consent.rejected",
    "consent.paused",
    "consent.resumed",
    "consent.revoked",
    "consent.expired",
    "dossier.ready",
    "dossier.failed",
]


class BankManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(kind=Participant.Kind.BANK)


class Bank(Participant):
    """The participants that consume data: a view of Participant, not a table of its own."""

    objects = BankManager()

    class Meta:
        proxy = True


class WebhookSubscription(models.Model):
    """A bank's endpoint for events, with the secret that signs every delivery to it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bank = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField()
    # Kept in clear: the hub needs it to compute each delivery's HMAC.
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "url"], condition=Q(active=True), name="webhook_one_live_per_url"),
        ]

    def __str__(self) -> str:
        return f"{self.bank.slug} → {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription, and how delivering it went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    event_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # An attempt in flight holds the delivery until then, so a duplicated task cannot send it twice.
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]), name="webhook_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False), name="webhook_delivered_stamped"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} ({self.status})"


class LoanApplication(models.Model):
    """A loan application a bank made with data from a consent, and its outcome."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bank = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="loan_applications")
    consent = models.ForeignKey("consent.Consent", on_delete=models.PROTECT, related_name="loan_applications")
    business = models.ForeignKey("businesses.Business", on_delete=models.PROTECT, related_name="loan_applications")
    product = models.CharField(max_length=60)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    # Fixed when submitted, at that day's rate from the hub's FX table.
    amount_hkd = models.DecimalField(max_digits=16, decimal_places=2)
    fx_rate = models.DecimalField(max_digits=18, decimal_places=8)
    approved_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    approved_amount_hkd = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["bank", "-created_at"], name="loan_by_bank"),
            models.Index(fields=["created_at", "status"], name="loan_by_month"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "approved", "declined", "withdrawn"]), name="loan_status_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (
                    Q(approved_amount__isnull=False)
                    & Q(approved_amount__gt=0)
                    & Q(approved_amount__lte=models.F("amount"))
                ),
                name="loan_approval_within_request",
            ),
            models.CheckConstraint(
                condition=Q(status="approved") | Q(approved_amount__isnull=True),
                name="loan_approved_amount_only_when_approved",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(decided_at__isnull=False), name="loan_decided_stamped"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.amount} {self.currency} ({self.status})"

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from businesses.models import Business
from consent.purposes import PURPOSES
from hub.categories import Category
from participants.models import Participant

# A request that nobody answers expires after this long.
AUTHORISATION_WINDOW = timedelta(hours=24)


class Status(models.TextChoices):
    AWAITING_AUTHORISATION = "awaiting_authorisation", _("Awaiting your decision")
    AUTHORISED = "authorised", _("Active")
    REJECTED = "rejected", _("Rejected")
    PAUSED = "paused", _("Paused")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


# The state machine: for each target status, the statuses it may be reached from.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.AUTHORISED: frozenset({Status.AWAITING_AUTHORISATION, Status.PAUSED}),
    Status.REJECTED: frozenset({Status.AWAITING_AUTHORISATION}),
    Status.PAUSED: frozenset({Status.AUTHORISED}),
    Status.REVOKED: frozenset({Status.AUTHORISED, Status.PAUSED}),
    Status.EXPIRED: frozenset({Status.AWAITING_AUTHORISATION, Status.AUTHORISED, Status.PAUSED}),
}
FINAL = frozenset({Status.REJECTED, Status.REVOKED, Status.EXPIRED})


class ConsentQuerySet(models.QuerySet):
    def live(self, at: datetime | None = None) -> "ConsentQuerySet":
        """Authorised and not past expiry at ``at`` (now by default): data may flow."""
        return self.filter(status=Status.AUTHORISED, expires_at__gt=at or timezone.now())

    def live_locked(self) -> set:
        """The ids of those consents that are live, each locked against a change of state until the
        transaction ends. Call it inside the transaction that writes what depends on them (records, a
        signed dossier).

        PostgreSQL: FOR SHARE, which conflicts with the FOR NO KEY UPDATE that every consent transition takes
        (consent/services.py). A revocation therefore waits for a write under way to commit, and what follows
        it (the purge) finds that write; a write that comes after it waits for it and then sees the consent
        ended. Writes under one consent share the lock and do not wait for each other. SQLite runs every
        transaction IMMEDIATE, one writer at a time, which orders them the same way.
        """
        live = self.live().values_list("pk", flat=True)
        if connection.vendor != "postgresql":
            return set(live)
        try:
            sql, params = live.query.sql_with_params()
        except EmptyResultSet:
            # A filter that can match nothing (no brn in a push names a business, say) compiles to no query.
            return set()
        table = connection.ops.quote_name(Consent._meta.db_table)
        with connection.cursor() as cursor:
            # Only the consent rows: a filter through a join must not lock the business or the providers too.
            cursor.execute(f"{sql} FOR SHARE OF {table}", params)
            return {row[0] for row in cursor.fetchall()}

    def due_to_expire(self, at: datetime | None = None) -> "ConsentQuerySet":
        at = at or timezone.now()
        unanswered = Q(status=Status.AWAITING_AUTHORISATION, created_at__lte=at - AUTHORISATION_WINDOW)
        past_expiry = Q(status__in=TRANSITIONS[Status.EXPIRED], expires_at__lte=at)
        return self.filter(unanswered | past_expiry)


class Consent(models.Model):
    """A bank's request for a business's data, and the business's answer to it."""

    Status = Status

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="consents")
    bank = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="consents_asked")
    providers = models.ManyToManyField(Participant, related_name="consents_serving")
    data_categories = models.JSONField()
    purpose = models.CharField(max_length=40)
    date_from = models.DateField()
    date_to = models.DateField()
    expires_at = models.DateTimeField()
    redirect_uri = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.AWAITING_AUTHORISATION)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Who revoked: "sme" or "bank".
    revoked_by = models.CharField(max_length=10, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["bank", "status", "-created_at"], name="consent_bank_status"),
            models.Index(fields=["business", "status"], name="consent_business_status"),
            models.Index(fields=["status", "expires_at"], name="consent_expiry_sweep"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="consent_status_valid"),
            models.CheckConstraint(condition=Q(purpose__in=list(PURPOSES)), name="consent_purpose_known"),
            models.CheckConstraint(condition=Q(date_from__lte=F("date_to")), name="consent_date_range_ordered"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="consent_expires_after_creation"),
            models.CheckConstraint(
                condition=Q(status__in=["awaiting_authorisation", "expired"]) | Q(decided_at__isnull=False),
                name="consent_decided_when_answered",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | (Q(revoked_at__isnull=False) & Q(revoked_by__in=["sme", "bank"])),
                name="consent_revocation_stamped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank.name} → {self.business.legal_name} ({self.status})"

    @property
    def purpose_spec(self):
        return PURPOSES[self.purpose]

    @property
    def category_labels(self) -> list[str]:
        return [Category(code).label for code in self.data_categories]

    def is_live(self, at: datetime | None = None) -> bool:
        return self.status == Status.AUTHORISED and self.expires_at > (at or timezone.now())

    def not_live_reason(self, at: datetime | None = None) -> str | None:
        """Why no data may flow under the consent at ``at`` (now by default), or None while it is live."""
        if self.is_live(at):
            return None
        if self.status == Status.AUTHORISED:
            return "the consent is past its expiry"
        return f"the consent is {self.status}"

    def is_due_to_expire(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        if self.status == Status.AWAITING_AUTHORISATION and self.created_at <= at - AUTHORISATION_WINDOW:
            return True
        return self.status in TRANSITIONS[Status.EXPIRED] and self.expires_at <= at

    @property
    def answer_by(self) -> datetime:
        return min(self.created_at + AUTHORISATION_WINDOW, self.expires_at)


class ConsentToken(models.Model):
    """Binds an access token obtained through the redirect flow to the one consent it reaches."""

    access_token = models.OneToOneField(
        oauth2_settings.ACCESS_TOKEN_MODEL, on_delete=models.CASCADE, related_name="consent_binding"
    )
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="tokens")

    def __str__(self) -> str:
        return f"token bound to consent {self.consent_id}"


class ConsentReceipt(models.Model):
    """A signed record of one state change, after ISO/IEC TS 27560 and the Kantara consent receipt."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="receipts")
    status = models.CharField(max_length=30, choices=Status.choices)
    issued_at = models.DateTimeField()
    payload = models.JSONField()
    jws = models.TextField()

    class Meta:
        ordering = ["issued_at"]

    def __str__(self) -> str:
        return f"receipt {self.pk} ({self.status})"


class AccessEvent(models.Model):
    """One fetch from a provider, or one read of records or of a dossier by the bank under a consent: the
    SME's access history.

    Written on the request's own path as a plain insert, then sealed into the hash-chained audit log
    in batches, so a read costs one statement and every access still ends up in the chain.
    """

    class Kind(models.TextChoices):
        FETCH = "fetch", _("Fetched from the provider")
        READ = "read", _("Read by the bank")
        DOSSIER = "dossier", _("Credit dossier sent to the bank")

    # Protected, both: sealed events are part of the audit log, and deleting the consent or the provider
    # would change them under their seal.
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="access_events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    provider = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, blank=True, choices=Category.choices)
    record_count = models.PositiveIntegerField(default=0)
    # The audit entry whose digest covers this event; empty until the next seal (consent.services.access_seal).
    seal = models.ForeignKey("audit.AuditEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["consent", "-at"], name="access_event_by_consent")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.record_count} {self.category} records"

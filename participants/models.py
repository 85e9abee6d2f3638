from django.db import models
from django.db.models import Q
from oauth2_provider.models import AbstractApplication

from hub.categories import Category


class ParticipantKind(models.TextChoices):
    BANK = "bank", "Bank"
    PROVIDER = "provider", "Data provider"
    OPERATOR = "operator", "Operator client"
    HUB = "hub", "The hub itself"


class ParticipantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"


class Participant(models.Model):
    """A bank, a data provider, an operator's client, or the hub itself (its fetcher)."""

    Kind = ParticipantKind
    Status = ParticipantStatus

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Providers only: where the hub calls their Provider Data API (blank for push-only
    # providers) and which categories they hold.
    api_base = models.URLField(max_length=300, blank=True)
    data_categories = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ParticipantKind.values), name="participant_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ParticipantStatus.values), name="participant_status_valid"),
            models.CheckConstraint(
                condition=Q(kind="provider") | (Q(api_base="") & Q(data_categories=[])),
                name="participant_only_providers_hold_data",
            ),
            models.CheckConstraint(
                condition=Q(status="active", suspended_at__isnull=True)
                | Q(status="suspended", suspended_at__isnull=False),
                name="participant_suspended_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().lower()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @staticmethod
    def valid_categories() -> list[str]:
        return list(Category.values)


# Grants each kind of participant may use. Refresh tokens come only with the code grant.
_GRANTS = {
    Participant.Kind.BANK: {
        AbstractApplication.GRANT_AUTHORIZATION_CODE,
        AbstractApplication.GRANT_CLIENT_CREDENTIALS,
    },
    Participant.Kind.PROVIDER: {AbstractApplication.GRANT_CLIENT_CREDENTIALS},
    Participant.Kind.OPERATOR: {AbstractApplication.GRANT_CLIENT_CREDENTIALS},
    Participant.Kind.HUB: {AbstractApplication.GRANT_CLIENT_CREDENTIALS},
}


class Application(AbstractApplication):
    """The OAuth client of a participant. A participant may hold several, for rotation."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="applications")

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def allows_grant_type(self, *grant_types: str) -> bool:
        return bool(_GRANTS[self.participant.kind].intersection(grant_types))

    def is_usable(self, request) -> bool:
        # A suspended participant gets no token, and the tokens it holds stop working.
        return self.participant.is_active

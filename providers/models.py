from django.db import models

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

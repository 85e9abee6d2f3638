from django.db import models

from participants.models import Participant


class BankManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(kind=Participant.Kind.BANK)


class Bank(Participant):
    """The participants that consume data: a view of Participant, not a table of its own."""

    objects = BankManager()

    class Meta:
        proxy = True

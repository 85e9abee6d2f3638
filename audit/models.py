from django.db import models
from django.db.models import Q


class ChainHead(models.Model):
    """The single row that serialises appends: writers lock it, so the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    length = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="chain_head_singleton")]

    def __str__(self) -> str:
        return f"audit chain of {self.length} entries"


class AuditEntry(models.Model):
    """One append-only, hash-chained record of a state change or a data access.

    ``hash`` is SHA-256 over the previous entry's hash and this entry's canonical content, so
    changing, removing or reordering any entry breaks every link after it.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id", "sequence"], name="audit_by_object")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

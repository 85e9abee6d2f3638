from django.db import models
from django.db.models import Q


class FxRate(models.Model):
    """How many HKD one unit of a currency was worth on a date. HKD itself needs no row."""

    currency = models.CharField(max_length=3)
    on = models.DateField()
    rate_to_hkd = models.DecimalField(max_digits=18, decimal_places=8)

    class Meta:
        ordering = ["currency", "-on"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "on"], name="fx_rate_one_per_day"),
            models.CheckConstraint(condition=Q(rate_to_hkd__gt=0), name="fx_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate_to_hkd} HKD on {self.on}"


class ServiceCredential(models.Model):
    """OAuth client credentials held by software that runs inside the hub's processes.

    The hub's own fetcher needs its secret to ask /o/token/ for a token, and each sandbox
    provider (a stand-in for an outside company) needs its own to call /o/introspect/, so
    these secrets are kept in clear here; the authorization server still stores only their
    hashes. In production the fetcher's credentials may come from the environment instead.
    """

    name = models.CharField(max_length=100, unique=True)
    client_id = models.CharField(max_length=100)
    client_secret = models.CharField(max_length=255)

    def __str__(self) -> str:
        return self.name

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

BRN_PATTERN = r"^[0-9]{8}$"
brn_validator = RegexValidator(BRN_PATTERN, "A Business Registration Number is exactly 8 digits.")


class Business(models.Model):
    """An SME, known by its Hong Kong Business Registration Number."""

    brn = models.CharField("BRN", max_length=8, unique=True, validators=[brn_validator])
    legal_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name_plural = "businesses"
        constraints = [models.CheckConstraint(condition=Q(brn__regex=BRN_PATTERN), name="business_brn_8_digits")]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.brn})"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    SIGNATORY = "signatory", "Authorised signatory"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role in a business. Owners and signatories decide on consents; viewers only see."""

    Role = Role

    DECIDING_ROLES = (Role.OWNER, Role.SIGNATORY)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="membership_one_role_per_business"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.business}"

    @property
    def can_decide(self) -> bool:
        return self.role in self.DECIDING_ROLES

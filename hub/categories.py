from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The data categories a provider may hold and a consent may name."""

    SALES = "sales", _("Sales")
    PAYMENTS = "payments", _("Payments")
    INVOICES = "invoices", _("Invoices")
    LOGISTICS = "logistics", _("Logistics")
    UTILITIES = "utilities", _("Utility bills")
    PROFILE = "profile", _("Company profile")

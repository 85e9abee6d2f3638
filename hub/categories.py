from django.db import models


class Category(models.TextChoices):
    """The data categories a provider may hold and a consent may name."""

    SALES = "sales", "Sales"
    PAYMENTS = "payments", "Payments"
    INVOICES = "invoices", "Invoices"
    LOGISTICS = "logistics", "Logistics"
    UTILITIES = "utilities", "Utilities"
    PROFILE = "profile", "Company profile"

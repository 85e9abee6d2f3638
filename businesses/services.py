from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import get_random_string

from businesses.models import Business, Membership, brn_validator


@dataclass(frozen=True)
class BusinessUser:
    business: Business
    user: AbstractUser
    generated_password: str | None


def business_register(
    *, brn: str, legal_name: str, username: str, role: str = Membership.Role.OWNER, password: str | None = None
) -> BusinessUser:
    """Creates the business if it is new, and a new user of it with the given role."""
    errors: dict[str, str] = {}
    try:
        brn_validator(brn)
    except ValidationError as exc:
        errors["brn"] = exc.messages[0]
    if role not in Membership.Role.values:
        errors["role"] = f"Unknown role {role!r}; use one of {', '.join(Membership.Role.values)}."
    if not username.strip():
        errors["username"] = "A username is required."
    elif get_user_model().objects.filter(username=username).exists():
        errors["username"] = f"A user named {username!r} already exists."
    if not legal_name.strip():
        errors["legal_name"] = "A legal name is required."
    if errors:
        raise ValidationError(errors)
    generated = None if password else get_random_string(16)
    try:
        with transaction.atomic():
            business, _ = Business.objects.get_or_create(brn=brn, defaults={"legal_name": legal_name})
            user = get_user_model().objects.create_user(username=username, password=password or generated)
            Membership.objects.create(user=user, business=business, role=role)
    except IntegrityError:
        raise ValidationError({"username": f"A user named {username!r} already exists."}) from None
    return BusinessUser(business=business, user=user, generated_password=generated)

"""Every write that matters to participants and their OAuth clients."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from participants.models import Application, Participant


@dataclass(frozen=True)
class Registration:
    participant: Participant
    application: Application
    client_secret: str


def _validate(*, kind: str, name: str, redirect_uris: list[str], api_base: str, data_categories: list[str]) -> None:
    errors: dict[str, str] = {}
    if kind not in Participant.Kind.values:
        errors["kind"] = f"Unknown kind {kind!r}; use one of {', '.join(Participant.Kind.values)}."
    if not name.strip() or not slugify(name):
        errors["name"] = "A participant needs a name with at least one letter or digit."
    elif Participant.objects.filter(name=name).exists() or Participant.objects.filter(slug=slugify(name)).exists():
        errors["name"] = f"A participant named {name!r} is already registered."
    if kind != Participant.Kind.PROVIDER and (api_base or data_categories):
        errors["api_base"] = "Only providers declare an API base and data categories."
    unknown = sorted(set(data_categories) - set(Participant.valid_categories()))
    if unknown:
        errors["data_categories"] = f"Unknown categories: {', '.join(unknown)}."
    if redirect_uris and kind != Participant.Kind.BANK:
        errors["redirect_uri"] = "Only banks send users through the authorization-code redirect."
    if errors:
        raise ValidationError(errors)


def participant_register(
    *,
    kind: str,
    name: str,
    redirect_uris: list[str] | None = None,
    api_base: str = "",
    data_categories: list[str] | None = None,
) -> Registration:
    """Creates the participant and its confidential OAuth client. The raw secret is returned once."""
    redirect_uris = redirect_uris or []
    data_categories = data_categories or []
    _validate(kind=kind, name=name, redirect_uris=redirect_uris, api_base=api_base, data_categories=data_categories)
    secret = generate_client_secret()
    grant = (
        Application.GRANT_AUTHORIZATION_CODE
        if kind == Participant.Kind.BANK and redirect_uris
        else Application.GRANT_CLIENT_CREDENTIALS
    )
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                slug=slugify(name), name=name, kind=kind, api_base=api_base, data_categories=data_categories
            )
            application = Application.objects.create(
                participant=participant,
                name=name,
                client_type=Application.CLIENT_CONFIDENTIAL,
                authorization_grant_type=grant,
                redirect_uris=" ".join(redirect_uris),
                client_secret=secret,
                hash_client_secret=True,
            )
    except IntegrityError:
        # Two registrations raced past the check above: the unique constraint decides.
        raise ValidationError({"name": f"A participant named {name!r} is already registered."}) from None
    return Registration(participant=participant, application=application, client_secret=secret)


def application_add(*, participant: Participant, name: str) -> tuple[Application, str]:
    """A further client-credentials client for the participant; the raw secret is returned once."""
    secret = generate_client_secret()
    application = Application.objects.create(
        participant=participant,
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    return application, secret


def application_reset_secret(*, application: Application) -> str:
    """Issues a new client secret (stored hashed) and returns it once."""
    secret = generate_client_secret()
    application.client_secret = secret
    application.save(update_fields=["client_secret", "updated"])
    return secret


def participant_suspend(*, participant: Participant) -> Participant:
    """Suspends the participant and revokes every token its clients hold. Idempotent."""
    with transaction.atomic():
        participant = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
        if participant.status == Participant.Status.SUSPENDED:
            return participant
        participant.status = Participant.Status.SUSPENDED
        participant.suspended_at = timezone.now()
        participant.save(update_fields=["status", "suspended_at"])
        get_refresh_token_model().objects.filter(application__participant=participant).delete()
        get_access_token_model().objects.filter(application__participant=participant).delete()
    return participant


def participant_reactivate(*, participant: Participant) -> Participant:
    with transaction.atomic():
        participant = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
        participant.status = Participant.Status.ACTIVE
        participant.suspended_at = None
        participant.save(update_fields=["status", "suspended_at"])
    return participant

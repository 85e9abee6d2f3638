"""Every write that matters to participants and their OAuth clients."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.validators import AllowedURIValidator

from audit.services import audit_record
from dashboard.services import metrics_rollup_soon
from participants.models import Application, Participant


@dataclass(frozen=True)
class Registration:
    participant: Participant
    application: Application
    client_secret: str


def _api_base_error(*, kind: str, api_base: str) -> str | None:
    if not api_base:
        return None
    if kind != Participant.Kind.PROVIDER:
        return _("Only providers declare an API base.")
    if len(api_base) > Participant._meta.get_field("api_base").max_length:
        return _("The API base may be at most 300 characters long.")
    try:
        URLValidator(schemes=["http", "https"])(api_base)
    except ValidationError:
        return _("%(url)r is not an http or https URL.") % {"url": api_base}
    return None


def _redirect_uris_error(*, kind: str, redirect_uris: list[str]) -> str | None:
    if not redirect_uris:
        return None
    if kind != Participant.Kind.BANK:
        return _("Only banks send users through the authorization-code redirect.")
    # The toolkit's own check, the one it applies to an application's redirect URIs.
    schemes = oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES
    validator = AllowedURIValidator(
        schemes,
        name="redirect uri",
        allow_path=True,
        allow_query=True,
        allow_hostname_wildcard=oauth2_settings.ALLOW_URI_WILDCARDS,
    )
    refused = []
    for uri in redirect_uris:
        try:
            validator(uri)
        except ValidationError:
            refused.append(repr(uri))
    if not refused:
        return None
    return _(
        "Not a redirect URI the hub accepts: %(uris)s. Use an absolute URI with one of the schemes %(schemes)s "
        "and no fragment."
    ) % {"uris": ", ".join(refused), "schemes": ", ".join(schemes)}


def _data_categories_error(*, kind: str, data_categories: object) -> str | None:
    if not data_categories:
        return None
    if not isinstance(data_categories, list) or not all(isinstance(c, str) for c in data_categories):
        return _('Data categories are a list of category names, such as ["sales"].')
    if kind != Participant.Kind.PROVIDER:
        return _("Only providers declare data categories.")
    unknown = sorted(set(data_categories) - set(Participant.valid_categories()))
    if unknown:
        return _("Unknown categories: %(unknown)s; use %(known)s.") % {
            "unknown": ", ".join(unknown),
            "known": ", ".join(Participant.valid_categories()),
        }
    return None


def _name_error(*, name: str, existing: Participant | None) -> str | None:
    slug = slugify(name)
    if not name.strip() or not slug:
        return _("A participant needs a name with at least one letter or digit.")
    if len(slug) > Participant._meta.get_field("slug").max_length:
        return _("The name is too long for a slug; shorten it.")
    others = Participant.objects.exclude(pk=existing.pk) if existing else Participant.objects.all()
    if others.filter(name=name).exists():
        return _("A participant named %(name)r is already registered.") % {"name": name}
    if existing is None and others.filter(slug=slug).exists():
        return _("The name %(name)r gives the slug %(slug)r, which another participant already has.") % {
            "name": name,
            "slug": slug,
        }
    return None


def participant_validate(
    *,
    kind: str,
    name: str,
    redirect_uris: list[str] | None = None,
    api_base: str = "",
    data_categories: list[str] | None = None,
    existing: Participant | None = None,
) -> None:
    """Raises a ValidationError keyed by field (``kind``, ``name``, ``api_base``, ``redirect_uris``,
    ``data_categories``) for everything wrong with a registration, or with an edit of ``existing``
    (whose slug never changes and whose own name does not count as taken)."""
    errors = {}
    if kind not in Participant.Kind.values:
        errors["kind"] = _("Unknown kind %(kind)r; use one of %(kinds)s.") % {
            "kind": kind,
            "kinds": ", ".join(Participant.Kind.values),
        }
    checks = {
        "name": _name_error(name=name, existing=existing),
        "api_base": _api_base_error(kind=kind, api_base=api_base),
        "redirect_uris": _redirect_uris_error(kind=kind, redirect_uris=redirect_uris or []),
        "data_categories": _data_categories_error(kind=kind, data_categories=data_categories or []),
    }
    errors.update({field: message for field, message in checks.items() if message})
    if errors:
        raise ValidationError(errors)


def participant_register(
    *,
    kind: str,
    name: str,
    redirect_uris: list[str] | None = None,
    api_base: str = "",
    data_categories: list[str] | None = None,
    actor: str = "hub",
) -> Registration:
    """Creates the participant and its confidential OAuth client. The raw secret is returned once."""
    redirect_uris = redirect_uris or []
    data_categories = data_categories or []
    participant_validate(
        kind=kind, name=name, redirect_uris=redirect_uris, api_base=api_base, data_categories=data_categories
    )
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
            audit_record(
                actor=actor,
                action="participant.registered",
                object_type="participant",
                object_id=participant.slug,
                data={
                    "kind": kind,
                    "name": name,
                    "client_id": application.client_id,
                    "redirect_uris": redirect_uris,
                    "api_base": api_base,
                    "data_categories": data_categories,
                },
            )
            transaction.on_commit(metrics_rollup_soon)
    except IntegrityError:
        # Two registrations raced past the check above: the unique constraint decides.
        taken = _("A participant named %(name)r is already registered.") % {"name": name}
        raise ValidationError({"name": taken}) from None
    return Registration(participant=participant, application=application, client_secret=secret)


def participant_update(
    *, participant: Participant, name: str, api_base: str, data_categories: list[str] | None, actor: str
) -> Participant:
    """Renames a participant or changes what a provider declares; its slug and kind never change."""
    data_categories = data_categories or []
    participant_validate(
        kind=participant.kind, name=name, api_base=api_base, data_categories=data_categories, existing=participant
    )
    with transaction.atomic():
        participant = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
        wanted = {"name": name, "api_base": api_base, "data_categories": data_categories}
        changed = {field: [getattr(participant, field), value] for field, value in wanted.items()}
        changed = {field: values for field, values in changed.items() if values[0] != values[1]}
        if not changed:
            return participant
        for field, (_old, new) in changed.items():
            setattr(participant, field, new)
        participant.save(update_fields=list(changed))
        audit_record(
            actor=actor,
            action="participant.updated",
            object_type="participant",
            object_id=participant.slug,
            data={"changed": changed},
        )
        transaction.on_commit(metrics_rollup_soon)
    return participant


def application_add(*, participant: Participant, name: str, actor: str = "hub") -> tuple[Application, str]:
    """A further client-credentials client for the participant; the raw secret is returned once."""
    secret = generate_client_secret()
    with transaction.atomic():
        application = Application.objects.create(
            participant=participant,
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
        )
        audit_record(
            actor=actor,
            action="participant.client_added",
            object_type="participant",
            object_id=participant.slug,
            data={"client_id": application.client_id, "name": name},
        )
    return application, secret


def application_reset_secret(*, application: Application, actor: str = "hub") -> str:
    """Issues a new client secret (stored hashed) and returns it once."""
    secret = generate_client_secret()
    with transaction.atomic():
        application.client_secret = secret
        application.save(update_fields=["client_secret", "updated"])
        audit_record(
            actor=actor,
            action="participant.secret_reset",
            object_type="participant",
            object_id=application.participant.slug,
            data={"client_id": application.client_id},
        )
    return secret


def participant_suspend(*, participant: Participant, actor: str = "hub") -> Participant:
    """Suspends the participant and revokes every token its clients hold. Idempotent."""
    with transaction.atomic():
        participant = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
        if participant.status == Participant.Status.SUSPENDED:
            return participant
        participant.status = Participant.Status.SUSPENDED
        participant.suspended_at = timezone.now()
        participant.save(update_fields=["status", "suspended_at"])
        get_refresh_token_model().objects.filter(application__participant=participant).delete()
        access_tokens = get_access_token_model()
        _total, deleted = access_tokens.objects.filter(application__participant=participant).delete()
        audit_record(
            actor=actor,
            action="participant.suspended",
            object_type="participant",
            object_id=participant.slug,
            data={"access_tokens_revoked": deleted.get(access_tokens._meta.label, 0)},
        )
        transaction.on_commit(metrics_rollup_soon)
    return participant


def participant_reactivate(*, participant: Participant, actor: str = "hub") -> Participant:
    """Lets a suspended participant obtain tokens again. Idempotent."""
    with transaction.atomic():
        participant = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
        if participant.status == Participant.Status.ACTIVE:
            return participant
        participant.status = Participant.Status.ACTIVE
        participant.suspended_at = None
        participant.save(update_fields=["status", "suspended_at"])
        audit_record(
            actor=actor,
            action="participant.reactivated",
            object_type="participant",
            object_id=participant.slug,
            data={},
        )
        transaction.on_commit(metrics_rollup_soon)
    return participant

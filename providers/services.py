"""Provisioning the sandbox providers and the hub's own fetcher client."""

import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hub.models import ServiceCredential
from participants.models import Participant
from participants.services import application_add, participant_register
from providers.models import SandboxProvider

FETCHER_NAME = "CDI Hub fetcher"


def sandbox_register(*, participant: Participant) -> SandboxProvider:
    """Makes a provider a sandbox served by the hub, with its own client for introspection. Idempotent."""
    with transaction.atomic():
        sandbox, created = SandboxProvider.objects.get_or_create(participant=participant)
        name = f"sandbox:{participant.slug}"
        if created or not ServiceCredential.objects.filter(name=name).exists():
            application, secret = application_add(participant=participant, name=f"{participant.name} (sandbox)")
            ServiceCredential.objects.update_or_create(
                name=name, defaults={"client_id": application.client_id, "client_secret": secret}
            )
    return sandbox


def fetcher_credentials() -> tuple[str, str]:
    """The client id and secret the fetcher uses at /o/token/: from settings, else registered once.

    Several workers may ask at once on a fresh hub: the unique name of the credential decides
    which registration stands, and the others read it back.
    """
    if settings.FETCHER_CLIENT_ID and settings.FETCHER_CLIENT_SECRET:
        return settings.FETCHER_CLIENT_ID, settings.FETCHER_CLIENT_SECRET
    for _ in range(50):
        credential = ServiceCredential.objects.filter(name="hub-fetcher").first()
        if credential is not None:
            return credential.client_id, credential.client_secret
        try:
            with transaction.atomic():
                hub = Participant.objects.filter(kind=Participant.Kind.HUB, name=FETCHER_NAME).first()
                if hub is None:
                    registration = participant_register(kind=Participant.Kind.HUB, name=FETCHER_NAME)
                    client_id, secret = registration.application.client_id, registration.client_secret
                else:
                    application, secret = application_add(participant=hub, name=FETCHER_NAME)
                    client_id = application.client_id
                ServiceCredential.objects.create(name="hub-fetcher", client_id=client_id, client_secret=secret)
        except (IntegrityError, ValidationError):
            # Another worker registered it a moment ago; read theirs once it is committed.
            time.sleep(0.1)
    raise RuntimeError("the hub's fetcher client could not be registered")

import socket

from celery import shared_task
from django.utils import timezone


@shared_task(name="hub.ping")
def ping() -> dict:
    """Answers from inside a worker: operators use it to prove the queue round trip works."""
    return {"pong": True, "worker": socket.gethostname(), "at": timezone.now().isoformat()}


@shared_task(name="hub.clear_expired_tokens")
def clear_expired_tokens() -> None:
    """Deletes expired access tokens, refresh tokens and authorization codes (beat, hourly)."""
    from oauth2_provider.models import clear_expired

    clear_expired()

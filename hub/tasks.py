import socket

from celery import shared_task
from django.utils import timezone


@shared_task(name="hub.ping")
def ping() -> dict:
    """Answers from inside a worker: operators use it to prove the queue round trip works."""
    return {"pong": True, "worker": socket.gethostname(), "at": timezone.now().isoformat()}

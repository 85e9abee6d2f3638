from celery import shared_task
from django.db import OperationalError

from banks.services import (
    MAX_ATTEMPTS,
    MAX_BACKOFF_SECONDS,
    TransientDeliveryError,
    webhook_deliver,
    webhook_deliveries_stalled,
)


@shared_task(
    name="banks.deliver_webhook",
    autoretry_for=(TransientDeliveryError, OperationalError),
    retry_backoff=2,
    retry_backoff_max=MAX_BACKOFF_SECONDS,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def deliver_webhook(event_id: str) -> None:
    webhook_deliver(event_id=event_id)


@shared_task(name="banks.resume_stalled_webhooks")
def resume_stalled_webhooks() -> int:
    """Beat: sends again the pending deliveries whose retry was lost; a delivery is leased, never sent twice."""
    stalled = webhook_deliveries_stalled()
    for event_id in stalled:
        deliver_webhook.delay(str(event_id))
    return len(stalled)

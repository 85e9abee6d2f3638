from celery import shared_task
from django.db import OperationalError

from banks.services import TransientDeliveryError, webhook_deliver, webhook_deliveries_stalled


@shared_task(
    name="banks.deliver_webhook",
    bind=True,
    # The database refusing (a lock, a restart) is retried too; the attempt was not made.
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_jitter=True,
    max_retries=None,
)
def deliver_webhook(self, event_id: str) -> None:
    """One attempt; on failure the next is scheduled by the delivery's own retry schedule, until it is
    delivered or WEBHOOK_MAX_ATTEMPTS have failed (then it is marked failed, and kept)."""
    try:
        webhook_deliver(event_id=event_id)
    except TransientDeliveryError as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in, max_retries=None) from exc


@shared_task(name="banks.resume_stalled_webhooks")
def resume_stalled_webhooks() -> int:
    """Beat: sends again the pending deliveries whose retry was lost; a delivery is leased, never sent twice."""
    stalled = webhook_deliveries_stalled()
    for event_id in stalled:
        deliver_webhook.delay(str(event_id))
    return len(stalled)

from celery import shared_task

from banks.services import MAX_ATTEMPTS, TransientDeliveryError, webhook_deliver


@shared_task(
    name="banks.deliver_webhook",
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def deliver_webhook(event_id: str) -> None:
    webhook_deliver(event_id=event_id)

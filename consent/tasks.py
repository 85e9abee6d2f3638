from celery import shared_task

from consent.services import consents_expire_due


@shared_task(name="consent.expire_due")
def expire_due() -> int:
    """Beat, every minute: expires unanswered requests after 24 hours and consents past expiry."""
    return consents_expire_due()

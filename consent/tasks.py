from celery import shared_task

from consent.services import access_seal, consents_expire_due


@shared_task(name="consent.expire_due")
def expire_due() -> int:
    """Beat, every minute: expires unanswered requests after 24 hours and consents past expiry."""
    return consents_expire_due()


@shared_task(name="consent.seal_access")
def seal_access() -> int:
    """Beat, every 30 seconds: seals the access events written since into the hash-chained audit log."""
    sealed = total = access_seal()
    while sealed:
        sealed = access_seal()
        total += sealed
    return total

"""Webhooks: subscriptions, publishing events, and delivering them signed."""

import hashlib
import hmac
import json
import random
import secrets
import time
import uuid
from datetime import timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from banks.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookSubscription
from participants.models import Participant

SIGNATURE_HEADER = "X-CDI-Signature"
EVENT_ID_HEADER = "X-CDI-Event-Id"
CONNECT_TIMEOUT, READ_TIMEOUT = 3.0, 10.0


def webhook_subscribe(*, bank: Participant, url: str, events: list[str]) -> WebhookSubscription:
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if not events or unknown:
        message = f"Unknown events: {', '.join(unknown)}." if unknown else "Name at least one event."
        raise ValidationError({"events": message})
    try:
        with transaction.atomic():
            return WebhookSubscription.objects.create(
                bank=bank, url=url, events=sorted(set(events)), secret=secrets.token_hex(32)
            )
    except IntegrityError:
        raise ValidationError({"url": "You already have a webhook for this URL."}) from None


def webhook_delete(*, subscription: WebhookSubscription) -> None:
    subscription.active = False
    subscription.save(update_fields=["active"])


def webhook_publish(*, bank: Participant, event: str, data: dict) -> list[WebhookDelivery]:
    """Records one delivery per subscription that wants the event; sends them after commit."""
    from banks.tasks import deliver_webhook

    deliveries = []
    for subscription in WebhookSubscription.objects.filter(bank=bank, active=True):
        if event not in subscription.events:
            continue
        event_id, created_at = uuid.uuid4(), timezone.now()
        payload = {"id": str(event_id), "type": event, "created_at": created_at.isoformat(), "data": data}
        delivery = WebhookDelivery.objects.create(
            event_id=event_id, subscription=subscription, event=event, payload=payload, created_at=created_at
        )
        deliver_webhook.delay_on_commit(str(delivery.event_id))
        deliveries.append(delivery)
    return deliveries


def webhook_deliveries_stalled() -> list:
    """Pending deliveries nothing is retrying: never tried for a while, or last tried longer ago than the
    longest backoff. Their retry was lost with a worker or the broker."""
    now = timezone.now()
    waited = timedelta(seconds=settings.STALLED_AFTER_SECONDS)
    stalled = Q(attempts=0, created_at__lt=now - waited) | Q(
        attempts__gt=0, last_attempt_at__lt=now - waited - timedelta(seconds=1.2 * settings.WEBHOOK_RETRY_MAX_SECONDS)
    )
    return list(
        WebhookDelivery.objects.filter(stalled, Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(status=WebhookDelivery.Status.PENDING)
        .values_list("pk", flat=True)
    )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class TransientDeliveryError(Exception):
    """The receiver may answer later: retried after ``retry_in`` seconds."""

    def __init__(self, message: str, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: doubling from
    WEBHOOK_RETRY_BASE_SECONDS up to WEBHOOK_RETRY_MAX_SECONDS, with ±20 % jitter so that a receiver
    coming back is not hit by every delivery at once. Never less than the schedule's 80 %, so the
    attempts span the whole schedule (a day by default) rather than being spent in a minute."""
    delay = min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1), settings.WEBHOOK_RETRY_MAX_SECONDS)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not a secret


def webhook_deliver(*, event_id: str) -> WebhookDelivery:
    """One attempt. Raises TransientDeliveryError when a retry may help."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now), pk=event_id, status=WebhookDelivery.Status.PENDING
    ).update(lease_until=now + timedelta(seconds=CONNECT_TIMEOUT + READ_TIMEOUT + 5))
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=event_id)
    if claimed != 1:
        # Delivered, given up, or being sent by another worker right now.
        return delivery
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: str(delivery.event_id),
        SIGNATURE_HEADER: sign(delivery.subscription.secret, timestamp, body),
    }
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    try:
        response = requests.post(
            delivery.subscription.url,
            data=body,
            headers=headers,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
        )
        delivery.last_status_code, delivery.last_error = response.status_code, ""
        delivered = 200 <= response.status_code < 300
    except requests.RequestException as exc:
        delivery.last_status_code, delivery.last_error, delivered = None, str(exc)[:500], False
    if delivered:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.lease_until = None
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "lease_until",
        ]
    )
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise TransientDeliveryError(
            delivery.last_error or f"HTTP {delivery.last_status_code}", retry_in=retry_delay(delivery.attempts)
        )
    return delivery

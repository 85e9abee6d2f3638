"""Webhooks end to end: a real worker delivers to a real local HTTP server, signed, retried, recorded."""

import hashlib
import hmac
import time

import pytest

from banks.models import WebhookDelivery, WebhookSubscription
from banks.services import TransientDeliveryError, webhook_deliver
from consent import services
from tests.conftest import obtain_token
from tests.receivers import start_receiver


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()


def subscribe(client, bank, url: str, events: list[str]) -> dict:
    token = obtain_token(client, bank)["access_token"]
    response = client.post(
        "/api/v1/webhooks",
        {"url": url, "events": events},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def verify(secret: str, received) -> bool:
    parts = dict(part.split("=", 1) for part in received.headers["X-CDI-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.mark.django_db(transaction=True)
def test_consent_events_reach_the_banks_endpoint_signed_with_unique_ids(
    client, celery_worker, receiver, bank_a, sme, make_consent
):
    subscription = subscribe(
        client, bank_a, receiver.url, ["consent.authorised", "consent.paused", "consent.resumed", "consent.revoked"]
    )
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    consent = services.consent_pause(consent=consent, user=sme.owner)
    consent = services.consent_resume(consent=consent, user=sme.owner)
    services.consent_revoke(consent=consent, user=sme.owner)
    wait_for(lambda: len(receiver.received) == 4)
    events = [r.json() for r in receiver.received]
    assert sorted(e["type"] for e in events) == sorted(
        ["consent.authorised", "consent.paused", "consent.resumed", "consent.revoked"]
    )
    assert len({e["id"] for e in events}) == 4
    assert all(r.headers["X-CDI-Event-Id"] == r.json()["id"] for r in receiver.received)
    assert all(verify(subscription["secret"], r) for r in receiver.received)
    assert all(e["data"]["consent_id"] == str(consent.pk) for e in events)
    wait_for(lambda: WebhookDelivery.objects.filter(status="delivered").count() == 4)


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_is_down_gets_the_event_once_it_answers(
    client, celery_worker, receiver, bank_a, sme, make_consent
):
    receiver.fail_first = 2
    subscribe(client, bank_a, receiver.url, ["consent.rejected"])
    services.consent_reject(consent=make_consent(), user=sme.owner)
    wait_for(lambda: len(receiver.received) == 1)
    wait_for(lambda: WebhookDelivery.objects.get().status == "delivered")
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 3
    assert delivery.last_status_code == 204
    time.sleep(2)
    assert len(receiver.received) == 1


def test_only_subscribed_events_are_recorded(client, bank_a, sme, make_consent):
    subscribe(client, bank_a, "https://bank-a.example/hooks", ["consent.revoked"])
    services.consent_authorise(consent=make_consent(), user=sme.owner)
    assert not WebhookDelivery.objects.exists()


def test_webhook_api_validates_lists_and_deletes_only_the_banks_own(client, bank_a, bank_b):
    token_a = obtain_token(client, bank_a)["access_token"]
    token_b = obtain_token(client, bank_b)["access_token"]
    bad = client.post(
        "/api/v1/webhooks",
        {"url": "not a url", "events": ["consent.nope"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_a}",
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"url", "events"}
    created = subscribe(client, bank_a, "https://bank-a.example/hooks", ["consent.revoked"])
    listed = client.get("/api/v1/webhooks", HTTP_AUTHORIZATION=f"Bearer {token_a}").json()["results"]
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert client.get("/api/v1/webhooks", HTTP_AUTHORIZATION=f"Bearer {token_b}").json()["results"] == []
    assert client.delete(f"/api/v1/webhooks/{created['id']}", HTTP_AUTHORIZATION=f"Bearer {token_b}").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{created['id']}", HTTP_AUTHORIZATION=f"Bearer {token_a}").status_code == 204
    assert not WebhookSubscription.objects.filter(active=True).exists()


def test_a_delivery_is_given_up_after_the_last_attempt_and_kept(client, receiver, bank_a, sme, make_consent, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.fail_first = 100
    subscribe(client, bank_a, receiver.url, ["consent.rejected"])
    services.consent_reject(consent=make_consent(), user=sme.owner)
    event_id = WebhookDelivery.objects.get().pk
    with pytest.raises(TransientDeliveryError):
        webhook_deliver(event_id=event_id)
    delivery = webhook_deliver(event_id=event_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 2, 503)
    # Given up means given up: a late retry sends nothing.
    assert webhook_deliver(event_id=event_id).attempts == 2
    assert receiver.calls == 2


def test_expiry_is_announced_to_the_bank(client, receiver, bank_a, sme, make_consent):
    subscription = subscribe(client, bank_a, receiver.url, ["consent.expired"])
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    assert services.consents_expire_due(at=consent.expires_at) == 1
    delivery = webhook_deliver(event_id=WebhookDelivery.objects.get().pk)
    assert delivery.status == "delivered"
    (received,) = receiver.received
    assert received.json()["type"] == "consent.expired"
    assert received.json()["data"] == {"consent_id": str(consent.pk), "status": "expired", "business_brn": "12345678"}
    assert verify(subscription["secret"], received)

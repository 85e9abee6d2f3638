"""Work a killed worker or a lost broker left behind is found and queued again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from banks.models import WebhookDelivery, WebhookSubscription
from banks.services import webhook_deliveries_stalled
from consent import services
from dossiers.models import Dossier
from dossiers.services import dossiers_stalled

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


def test_dossiers_queued_too_long_or_running_past_their_lease_are_stalled(consent, bank_a, settings):
    settings.STALLED_AFTER_SECONDS = 60
    now = timezone.now()

    def dossier(**fields):
        return Dossier.objects.create(consent=consent, bank=bank_a.participant, **fields).pk

    forgotten = dossier(created_at=now - timedelta(seconds=61))
    just_queued = dossier(created_at=now - timedelta(seconds=5))
    orphaned = dossier(status="running", lease_until=now - timedelta(seconds=1), started_at=now)
    building = dossier(status="running", lease_until=now + timedelta(seconds=30), started_at=now)
    assert set(dossiers_stalled()) == {forgotten, orphaned}
    assert just_queued not in dossiers_stalled() and building not in dossiers_stalled()


def test_webhook_deliveries_whose_retry_was_lost_are_stalled(bank_a, settings):
    settings.STALLED_AFTER_SECONDS = 60
    settings.WEBHOOK_RETRY_MAX_SECONDS = 100
    now = timezone.now()
    subscription = WebhookSubscription.objects.create(
        bank=bank_a.participant, url="https://a.example/h", events=["dossier.ready"], secret="s"
    )

    def delivery(**fields):
        return WebhookDelivery.objects.create(subscription=subscription, event="dossier.ready", payload={}, **fields).pk

    never_sent = delivery(created_at=now - timedelta(seconds=61))
    retry_lost = delivery(attempts=2, last_attempt_at=now - timedelta(seconds=120 + 61))
    backing_off = delivery(attempts=2, last_attempt_at=now - timedelta(seconds=30))
    in_flight = delivery(created_at=now - timedelta(seconds=61), lease_until=now + timedelta(seconds=10))
    delivered = delivery(
        created_at=now - timedelta(seconds=61), status="delivered", attempts=1, last_attempt_at=now, delivered_at=now
    )
    assert set(webhook_deliveries_stalled()) == {never_sent, retry_lost}
    assert not {backing_off, in_flight, delivered} & set(webhook_deliveries_stalled())

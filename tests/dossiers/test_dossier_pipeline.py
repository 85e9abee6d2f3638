"""A dossier end to end: live server, real worker, sandbox providers, signature, exactly once."""

import datetime as dt
import time

import jwt
import pytest
import requests
from django.utils import timezone

from banks.models import WebhookDelivery
from dossiers.models import Dossier
from dossiers.tasks import build
from tests.conftest import obtain_token
from tests.providers.helpers import authorised_consent, built_dossier, sale, wait_until
from tests.receivers import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)
ALL = ["sales", "payments", "invoices", "logistics", "utilities", "profile"]


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()


def bank_session(client, bank) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {obtain_token(client, bank)['access_token']}"
    return session


def poll(session: requests.Session, url: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    seen_progress = []
    while True:
        body = session.get(url, timeout=10).json()
        seen_progress.append(body["progress"])
        if body["status"] in ("ready", "partial", "failed"):
            body["seen_progress"] = seen_progress
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.3)


def test_a_bank_requests_a_dossier_polls_it_to_ready_and_verifies_its_signature(
    client, celery_worker, hub_url, sandboxes, bank_a, sme, receiver
):
    bank = bank_session(client, bank_a)
    bank.post(f"{hub_url}/api/v1/webhooks", json={"url": receiver.url, "events": ["dossier.ready"]}, timeout=10)
    consent = authorised_consent(bank_a, sme, ALL, months=12)
    answer = bank.post(f"{hub_url}/api/v1/consents/{consent.pk}/dossiers", timeout=10)
    assert answer.status_code == 202
    assert answer.json()["status"] == "queued"
    dossier = poll(bank, f"{hub_url}/api/v1/dossiers/{answer.json()['id']}")
    assert dossier["status"] == "ready", dossier
    assert dossier["progress"] == 1.0
    assert dossier["seen_progress"] == sorted(dossier["seen_progress"])
    assert {s["category"] for s in dossier["sources"]} == set(ALL)
    metrics = dossier["metrics"]
    assert metrics["revenue"]["trailing_12m"]["value"] > 0
    assert metrics["coverage"]["months_with_data"] >= 11
    assert metrics["profile"]["registry_status"] in ("live", "dormant")

    key = jwt.PyJWKClient(f"{hub_url}/.well-known/jwks.json").get_signing_key_from_jwt(dossier["signature"])
    signed = jwt.decode(dossier["signature"], key.key, algorithms=["ES256"])
    # The payload is the API's own fields, exactly: the same text, not merely the same instant.
    assert signed == {field: dossier[field] for field in ("id", "consent_id", "metrics", "sources", "generated_at")}
    assert signed["consent_id"] == str(consent.pk)
    assert dt.datetime.fromisoformat(signed["generated_at"]).tzinfo is not None

    wait_until(lambda: len(receiver.received) == 1)
    event = receiver.received[0].json()
    assert (event["type"], event["data"]["dossier_id"], event["data"]["status"]) == (
        "dossier.ready",
        dossier["id"],
        "ready",
    )


def test_a_failing_source_makes_the_dossier_partial_naming_it(
    client, celery_worker, hub_url, sandboxes, bank_a, sme, receiver
):
    _, sandbox = sandboxes["paybridge"]
    sandbox.faults = {sme.brn: "error"}
    sandbox.save()
    consent = authorised_consent(bank_a, sme, ["sales", "payments"], months=2)
    bank = bank_session(client, bank_a)
    events = ["dossier.ready", "dossier.failed"]
    bank.post(f"{hub_url}/api/v1/webhooks", json={"url": receiver.url, "events": events}, timeout=10)
    dossier_id = bank.post(f"{hub_url}/api/v1/consents/{consent.pk}/dossiers", timeout=10).json()["id"]
    dossier = poll(bank, f"{hub_url}/api/v1/dossiers/{dossier_id}")
    assert dossier["status"] == "partial"
    failed = [s for s in dossier["sources"] if s["status"] != "completed"]
    assert [(s["provider"], s["category"]) for s in failed] == [("paybridge", "payments")]
    assert "503" in failed[0]["reason"]
    # A partial dossier is ready to read: the bank hears dossier.ready, with the status saying partial.
    wait_until(lambda: len(receiver.received) == 1)
    event = receiver.received[0].json()
    assert (event["type"], event["data"]["status"]) == ("dossier.ready", "partial")


def test_a_dossier_with_no_data_fetched_fails_with_its_reason_and_a_webhook(
    client, celery_worker, hub_url, sandboxes, bank_a, sme, receiver
):
    _, sandbox = sandboxes["paybridge"]
    sandbox.faults = {sme.brn: "error"}
    sandbox.save()
    bank = bank_session(client, bank_a)
    bank.post(f"{hub_url}/api/v1/webhooks", json={"url": receiver.url, "events": ["dossier.failed"]}, timeout=10)
    consent = authorised_consent(bank_a, sme, ["payments"], months=2)
    dossier_id = bank.post(f"{hub_url}/api/v1/consents/{consent.pk}/dossiers", timeout=10).json()["id"]
    dossier = poll(bank, f"{hub_url}/api/v1/dossiers/{dossier_id}")
    assert dossier["status"] == "failed"
    assert dossier["failure_reason"].startswith("no data could be fetched (paybridge payments: ")
    assert "503" in dossier["failure_reason"]
    assert (dossier["metrics"], dossier["signature"], dossier["generated_at"]) == ({}, "", None)
    assert [(s["provider"], s["status"]) for s in dossier["sources"]] == [("paybridge", "failed")]
    wait_until(lambda: len(receiver.received) == 1)
    event = receiver.received[0].json()
    assert event["type"] == "dossier.failed"
    assert event["data"] == {
        "dossier_id": dossier_id,
        "consent_id": str(consent.pk),
        "status": "failed",
        "failure_reason": dossier["failure_reason"],
    }


def test_the_same_build_delivered_twice_yields_one_dossier_and_one_webhook(
    client, celery_worker, hub_url, sandboxes, bank_a, sme, receiver
):
    bank = bank_session(client, bank_a)
    bank.post(f"{hub_url}/api/v1/webhooks", json={"url": receiver.url, "events": ["dossier.ready"]}, timeout=10)
    consent = authorised_consent(bank_a, sme, ["sales"], months=2)
    dossier_id = bank.post(f"{hub_url}/api/v1/consents/{consent.pk}/dossiers", timeout=10).json()["id"]
    # The broker hands the same message over again, twice.
    build.delay(dossier_id)
    build.delay(dossier_id)
    assert poll(bank, f"{hub_url}/api/v1/dossiers/{dossier_id}")["status"] == "ready"
    wait_until(lambda: WebhookDelivery.objects.filter(status="delivered").count() >= 1)
    time.sleep(3)
    assert Dossier.objects.count() == 1
    assert WebhookDelivery.objects.filter(event="dossier.ready").count() == 1
    assert len(receiver.received) == 1


def test_a_build_whose_worker_died_is_taken_over_once_its_lease_lapses(
    client, celery_worker, hub_url, sandboxes, bank_a, sme
):
    consent = authorised_consent(bank_a, sme, ["sales"], months=2)
    # A build that started and then lost its worker: running, lease already lapsed, never finished.
    dossier = Dossier.objects.create(
        consent=consent,
        bank=bank_a.participant,
        status="running",
        progress=0.3,
        lease_until=timezone.now() - dt.timedelta(seconds=1),
    )
    build.delay(str(dossier.pk))
    wait_until(lambda: Dossier.objects.get(pk=dossier.pk).status == "ready", timeout=90)


def test_a_dossier_needs_a_live_consent_and_is_the_banks_own(client, bank_a, bank_b, sme, make_consent):
    from consent import services

    consent = make_consent()
    token_a = obtain_token(client, bank_a)["access_token"]
    refused = client.post(
        f"/api/v1/consents/{consent.pk}/dossiers",
        HTTP_AUTHORIZATION=f"Bearer {token_a}",
        content_type="application/json",
    )
    assert refused.status_code == 403
    services.consent_authorise(consent=consent, user=sme.owner)
    dossier = Dossier.objects.create(consent=consent, bank=bank_a.participant)
    token_b = obtain_token(client, bank_b)["access_token"]
    assert client.get(f"/api/v1/dossiers/{dossier.pk}", HTTP_AUTHORIZATION=f"Bearer {token_b}").status_code == 404
    assert (
        client.post(
            f"/api/v1/consents/{consent.pk}/dossiers",
            HTTP_AUTHORIZATION=f"Bearer {token_b}",
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/dossiers/{dossier.pk}", HTTP_AUTHORIZATION=f"Bearer {token_a}").status_code == 200


def test_a_dossier_over_pushed_records_needs_no_fetch(client, bank_a, sme, make_consent):
    from consent import services
    from participants.services import participant_register
    from providers.ingest import records_push

    pusher = participant_register(kind="provider", name="Push Only", data_categories=["sales"]).participant
    consent = services.consent_authorise(consent=make_consent(providers=["push-only"]), user=sme.owner)
    result = records_push(
        provider=pusher,
        records=[sale(1, business_brn=sme.brn, category="sales", customer_ref="C")],
    )
    assert result.accepted == 1
    dossier = built_dossier(bank_a, consent)
    assert dossier.status == "ready"
    assert dossier.sources == [
        {
            "provider": "push-only",
            "category": "sales",
            "status": "pushed",
            "records": 1,
            "rejected": 0,
            "fetched_at": None,
        }
    ]


def test_a_read_dossier_goes_to_the_access_history_and_none_is_served_once_the_consent_ends(
    client, bank_a, sme, make_consent
):
    from consent import services
    from consent.models import AccessEvent

    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {obtain_token(client, bank_a)['access_token']}"}
    dossier = Dossier.objects.create(consent=consent, bank=bank_a.participant)
    assert client.get(f"/api/v1/dossiers/{dossier.pk}", **auth).json()["status"] == "queued"
    # Polling a dossier still being built shows no data, so nothing is written to the history.
    assert not AccessEvent.objects.filter(kind="dossier").exists()

    sources = [{"provider": "shop-one", "category": "sales", "status": "completed", "records": 42, "rejected": 0}]
    Dossier.objects.filter(pk=dossier.pk).update(
        status="ready", progress=1, sources=sources, generated_at=timezone.now(), signature="x.y.z"
    )
    assert client.get(f"/api/v1/dossiers/{dossier.pk}", **auth).status_code == 200
    event = AccessEvent.objects.get(kind="dossier")
    assert (event.consent_id, event.record_count) == (consent.pk, 42)

    services.consent_revoke(consent=consent, user=sme.owner)
    refused = client.get(f"/api/v1/dossiers/{dossier.pk}", **auth)
    assert refused.status_code == 403
    assert refused.json()["error"] == "consent_not_live"
    assert AccessEvent.objects.filter(kind="dossier").count() == 1

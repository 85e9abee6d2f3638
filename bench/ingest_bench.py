"""Provider push ingestion (batches of 1,000 through the API) against COPY of the same rows."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
from django.db import connection

from bench import data, procs
from bench.stats import summary
from participants.services import participant_register
from providers.models import Record

BATCHES, BATCH_SIZE, CLIENTS, ROUNDS = 40, 1000, 2, 2


def batches(brn: str, start: datetime) -> list[list[dict]]:
    records = [
        {
            "business_brn": brn,
            "category": "sales",
            "external_id": f"PUSH-{i}",
            "occurred_at": (start + timedelta(minutes=7 * i)).isoformat(),
            "amount": f"{10 + i % 900}.50",
            "currency": "HKD",
            "channel": "online",
            "status": "completed",
            "customer_ref": f"C{i % 500}",
        }
        for i in range(BATCHES * BATCH_SIZE)
    ]
    return [records[i : i + BATCH_SIZE] for i in range(0, len(records), BATCH_SIZE)]


def push(base_url: str, token: str, work: list[list[dict]]) -> float:
    """Seconds to push every batch, from CLIENTS concurrent connections."""

    def send(batch: list[dict], session: requests.Session) -> None:
        answer = session.post(f"{base_url}/api/v1/provider/records", json={"records": batch}, timeout=120)
        answer.raise_for_status()
        if answer.json()["accepted"] != len(batch):
            raise RuntimeError(f"push refused records: {answer.json()['rejections'][:3]}")

    sessions = [requests.Session() for _ in range(CLIENTS)]
    for session in sessions:
        session.headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(send, work, [sessions[i % CLIENTS] for i in range(len(work))]))
    return time.perf_counter() - started


def copy(consent, provider, work: list[list[dict]]) -> float:
    """COPY the same rows, as stored rows, into the same table under another consent."""
    now = datetime.now(UTC)
    import json

    def rows():
        for batch in work:
            for record in batch:
                at = datetime.fromisoformat(record["occurred_at"])
                attributes = {k: record[k] for k in ("channel", "status", "customer_ref")}
                yield (
                    str(consent.pk),
                    consent.business_id,
                    provider.pk,
                    "sales",
                    record["external_id"],
                    at,
                    record["amount"],
                    "HKD",
                    record["amount"],
                    "1",
                    at.date(),
                    json.dumps(attributes),
                    now,
                )

    started = time.perf_counter()
    data.copy_records(rows())
    return time.perf_counter() - started


def run() -> dict:
    port = procs.free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = procs.gunicorn(port)
    try:
        bank = participant_register(kind="bank", name=f"Ingest bench bank {data.unique_slug()}").participant
        pusher = participant_register(
            kind="provider", name=f"Ingest bench pusher {data.unique_slug()}", data_categories=["sales"]
        )
        token = requests.post(
            f"{base_url}/o/token/",
            data={"grant_type": "client_credentials"},
            auth=(pusher.application.client_id, pusher.client_secret),
            timeout=10,
        ).json()
        rows_total = BATCHES * BATCH_SIZE
        runs = {"first": [], "repeat": [], "copy": []}
        for round_number in range(ROUNDS + 1):
            business = data.business(9000 + round_number)
            consent = data.authorised_consent(bank=bank, business=business, providers=[pusher.participant])
            start = datetime.combine(consent.date_from, datetime.min.time(), UTC) + timedelta(days=1)
            work = batches(business.brn, start)
            first = push(base_url, token["access_token"], work)
            repeat = push(base_url, token["access_token"], work)
            if Record.objects.filter(consent=consent).count() != rows_total:
                raise RuntimeError("the pushes did not store every record exactly once")
            twin = data.authorised_consent(bank=bank, business=data.business(9100 + round_number), providers=[])
            copied = copy(twin, pusher.participant, work)
            if round_number == 0:
                continue  # warm-up round
            runs["first"].append(rows_total / first)
            runs["repeat"].append(rows_total / repeat)
            runs["copy"].append(rows_total / copied)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE providers_record")
        return {
            "rows_per_run": rows_total,
            "batch_size": BATCH_SIZE,
            "clients": CLIENTS,
            "push_rows_per_s": summary(runs["first"]),
            "repeat_rows_per_s": summary(runs["repeat"]),
            "copy_rows_per_s": summary(runs["copy"]),
            "push_to_copy": summary([p / c for p, c in zip(runs["first"], runs["copy"], strict=True)]),
            "repeat_to_first": summary([r / p for r, p in zip(runs["repeat"], runs["first"], strict=True)]),
        }
    finally:
        procs.stop(server)

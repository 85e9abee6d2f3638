"""Dossier builds by a real worker against the same aggregation as raw SQL in PostgreSQL and in DuckDB."""

import time
from pathlib import Path

import duckdb
from django.db import connection

from bench import data, procs
from bench.stats import summary
from dossiers.models import Dossier
from dossiers.services import dossier_request
from participants.services import participant_register

SIZES = [10_000, 100_000, 1_000_000]
BATCH, BATCH_RECORDS = 20, 25_000
# The core of the dossier's aggregation, written by hand: what a bank's analyst would run.
QUERIES = [
    """SELECT category, date_trunc('month', occurred_at AT TIME ZONE 'Asia/Hong_Kong') AS month,
              {status} AS status, {direction} AS direction, count(*), sum(amount_hkd)
       FROM {table} WHERE {where} GROUP BY 1, 2, 3, 4""",
    """SELECT {customer} AS customer, sum(amount_hkd) AS total FROM {table}
       WHERE {where} AND category = 'sales' AND {status} = 'completed' GROUP BY 1 ORDER BY 2 DESC LIMIT 5""",
    """SELECT count(DISTINCT {customer}) FROM {table}
       WHERE {where} AND category = 'sales' AND {status} = 'completed'""",
    """SELECT provider_id, category, count(*), min(occurred_at), max(occurred_at) FROM {table} WHERE {where}
       GROUP BY 1, 2""",
    """SELECT {direction} AS direction, count(*),
              sum(amount_hkd) FILTER (WHERE {paid} IS NULL OR {paid} > {due}) AS late
       FROM {table} WHERE {where} AND category IN ('invoices', 'utilities') GROUP BY 1""",
]
PG = {
    "table": "providers_record",
    "where": "consent_id = %(consent)s",
    "status": "attributes->>'status'",
    "direction": "attributes->>'direction'",
    "customer": "attributes->>'customer_ref'",
    "paid": "attributes->>'paid_at'",
    "due": "attributes->>'due_at'",
}
DUCK = {
    "table": "records",
    "where": "TRUE",
    "status": "status",
    "direction": "direction",
    "customer": "customer_ref",
    "paid": "paid_at",
    "due": "due_at",
}
EXPORT = (
    "COPY (SELECT provider_id, category, occurred_at, amount_hkd, attributes->>'status' AS status, "
    "attributes->>'direction' AS direction, attributes->>'customer_ref' AS customer_ref, "
    "attributes->>'paid_at' AS paid_at, attributes->>'due_at' AS due_at FROM providers_record "
    "WHERE consent_id = '{consent}') TO STDOUT WITH (FORMAT csv, HEADER)"
)


def _wait(dossier_ids: list, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while Dossier.objects.filter(pk__in=dossier_ids).exclude(status__in=Dossier.FINISHED).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("dossiers did not finish in time")
        time.sleep(0.02)
    failed = list(Dossier.objects.filter(pk__in=dossier_ids).exclude(status="ready").values("status", "failure_reason"))
    if failed:
        raise RuntimeError(f"dossiers did not build: {failed[:3]}")


def build(consents: list, bank) -> float:
    """From the request to every dossier ready, built by whatever workers are running."""
    started = time.perf_counter()
    ids = [dossier_request(consent=consent, bank=bank).pk for consent in consents]
    _wait(ids)
    return time.perf_counter() - started


def pg_baseline(consent) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for query in QUERIES:
            cursor.execute(query.format(**PG).replace("%(consent)s", "%s"), [consent.pk])
            cursor.fetchall()
    return time.perf_counter() - started


def duck_table(consent, path: Path) -> duckdb.DuckDBPyConnection:
    """The same rows exported once to CSV and loaded into DuckDB (not timed)."""
    with (
        path.open("w") as out,
        connection.cursor() as cursor,
        cursor.cursor.copy(EXPORT.format(consent=consent.pk)) as copy,
    ):
        for chunk in copy:
            out.write(bytes(chunk).decode())
    duck = duckdb.connect()
    duck.execute("SET threads = 1")
    duck.execute(f"CREATE TABLE records AS SELECT * FROM read_csv_auto('{path}', header = true)")
    return duck


def duck_baseline(duck: duckdb.DuckDBPyConnection) -> float:
    started = time.perf_counter()
    for query in QUERIES:
        duck.execute(query.format(**DUCK)).fetchall()
    return time.perf_counter() - started


def _dataset(bank, provider, size: int, n: int):
    consent = data.authorised_consent(bank=bank, business=data.business(5000 + n), providers=[provider])
    data.copy_records(data.rows(consent, provider, size, seed=n))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE providers_record")
    return consent


def scaling(bank, provider, sizes: list[int]) -> tuple[list[dict], dict]:
    worker = procs.celery_worker("solo1")
    rows = []
    try:
        for n, size in enumerate(sizes):
            consent = _dataset(bank, provider, size, n)
            duck = duck_table(consent, procs.LOGS / f"records-{size}.csv")
            build([consent], bank)  # warm-up: imports, caches, the first query plans
            runs = {"dossier": [], "postgres": [], "duckdb": []}
            for _ in range(3 if size <= 1_000_000 else 2):
                runs["dossier"].append(build([consent], bank))
                runs["postgres"].append(pg_baseline(consent))
                runs["duckdb"].append(duck_baseline(duck))
            rows.append(
                {
                    "records": size,
                    "dossier_s": summary(runs["dossier"]),
                    "postgres_sql_s": summary(runs["postgres"]),
                    "duckdb_1_thread_s": summary(runs["duckdb"]),
                    "ratio_to_postgres": summary(
                        [d / p for d, p in zip(runs["dossier"], runs["postgres"], strict=True)]
                    ),
                    "ratio_to_duckdb": summary([d / q for d, q in zip(runs["dossier"], runs["duckdb"], strict=True)]),
                    "microseconds_per_record": round(summary(runs["dossier"])["median"] / size * 1e6, 3),
                    "worker_peak_rss_mb": procs.peak_rss_mb(worker.pid),
                }
            )
            print(f"[bench] dossier over {size:,} records: {rows[-1]['dossier_s']['median']:.2f}s", flush=True)
    finally:
        procs.stop(worker)
    by_size = {row["records"]: row["microseconds_per_record"] for row in rows}
    largest = max(by_size)
    linearity = (
        {"from": 100_000, "to": largest, "cost_ratio": round(by_size[largest] / by_size[100_000], 3)}
        if 100_000 in by_size
        else {}
    )
    return rows, linearity


def two_workers(bank, provider) -> dict:
    consents = [_dataset(bank, provider, BATCH_RECORDS, 100 + n) for n in range(BATCH)]
    first = procs.celery_worker("solo1")
    timings = {"one": [], "two": []}
    try:
        build(consents[:2], bank)
        for _ in range(2):
            timings["one"].append(build(consents, bank))
            second = procs.celery_worker("solo2")
            try:
                timings["two"].append(build(consents, bank))
            finally:
                procs.stop(second)
    finally:
        procs.stop(first)
    return {
        "dossiers": BATCH,
        "records_each": BATCH_RECORDS,
        "one_worker_s": summary(timings["one"]),
        "two_workers_s": summary(timings["two"]),
        "ratio": summary([t / o for t, o in zip(timings["two"], timings["one"], strict=True)]),
    }


def run(with_5m: bool = False) -> dict:
    bank = participant_register(kind="bank", name=f"Dossier bench bank {data.unique_slug()}").participant
    provider = participant_register(
        kind="provider",
        name=f"Dossier bench pusher {data.unique_slug()}",
        data_categories=["sales", "payments", "invoices", "logistics", "utilities"],
    ).participant
    sizes = SIZES + ([5_000_000] if with_5m else [])
    rows, linearity = scaling(bank, provider, sizes)
    return {"sizes": rows, "linearity": linearity, "two_workers": two_workers(bank, provider)}

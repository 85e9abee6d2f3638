"""docs/benchmarks.md and docs/benchmarks.json from one run's results."""

import json
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _api(api: dict) -> list[str]:
    t, o = api["throughput"], api["open_loop"]
    ratio = t["ratio"]["median"]
    return [
        "## 1. Records API against its baseline",
        "",
        f"`GET /api/v1/consents/{{id}}/records`, pages of {api['page_size']}, {api['consents']} consents of "
        f"{api['banks']} banks ({api['records_per_consent']} records each), each request with a real bank token "
        "(OAuth check, consent check, access-history write). The baseline is an endpoint that exists only in the "
        "benchmark settings and returns the same rows with no authentication through `values()` and orjson. "
        f"Both served by gunicorn (gthread); load from wrk on loopback, {t['connections']} connections, "
        f"{t['rounds']} alternating rounds of {t['seconds_per_run']} s each.",
        "",
        "| figure | candidate | baseline | ratio | target | |",
        "|---|---|---|---|---|---|",
        f"| throughput, req/s (median, min–max) | {t['candidate_rps']['median']} ({t['candidate_rps']['min']}–"
        f"{t['candidate_rps']['max']}) | {t['baseline_rps']['median']} ({t['baseline_rps']['min']}–"
        f"{t['baseline_rps']['max']}) | {ratio} ({t['ratio']['min']}–{t['ratio']['max']}) | ≥ 0.5 | "
        f"{_verdict(ratio >= 0.5)} |",
        f"| errors during the throughput runs | {t['candidate_errors']} | {t['baseline_errors']} | | 0 | "
        f"{_verdict(t['candidate_errors'] == 0)} |",
        f"| open loop at {o['offered_rps']} req/s for {o['seconds']} s: p95 latency | {o['p95_ms']} ms "
        f"(p50 {o['p50_ms']}, p99 {o['p99_ms']}) | | | ≤ 100 ms | {_verdict(o['p95_ms'] <= 100)} |",
        f"| open loop: errors of {o['requests']} requests | {o['errors']} | | | 0 | {_verdict(o['errors'] == 0)} |",
        f"| queries per request, token check included | {api['queries_per_request']} | | | ≤ 3 | "
        f"{_verdict(api['queries_per_request'] <= 3)} |",
        "",
        "The open-loop run sends requests on a fixed schedule whatever the answers, and counts each latency from "
        "the moment the request was due, so a slow answer cannot hide the requests queued behind it.",
        "",
    ]


def _dossier(dossier: dict) -> list[str]:
    lines = [
        "## 2. Dossier build",
        "",
        "One Celery worker (solo pool) builds a dossier for a business whose records span every category; time from "
        "the request to `ready`, read from the database. Baselines over the same rows: the core of the same "
        "aggregation as hand-written SQL GROUP BY queries in PostgreSQL, and the same queries in DuckDB on one "
        "thread over the rows exported once (not timed). Alternating rounds; medians with min–max.",
        "",
        "| records | dossier, s | PostgreSQL SQL, s | DuckDB 1 thread, s | dossier / PostgreSQL | dossier / DuckDB "
        "| µs per record | worker peak RSS, MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in dossier["sizes"]:
        lines.append(
            f"| {row['records']:,} | {row['dossier_s']['median']} ({row['dossier_s']['min']}–{row['dossier_s']['max']})"
            f" | {row['postgres_sql_s']['median']} | {row['duckdb_1_thread_s']['median']} | "
            f"{row['ratio_to_postgres']['median']} "
            f"({row['ratio_to_postgres']['min']}–{row['ratio_to_postgres']['max']})"
            f" | {row['ratio_to_duckdb']['median']} | {row['microseconds_per_record']} | {row['worker_peak_rss_mb']} |"
        )
    at_1m = next((row for row in dossier["sizes"] if row["records"] == 1_000_000), None)
    two = dossier["two_workers"]
    lin = dossier["linearity"]
    lines += ["", "| target | figure | |", "|---|---|---|"]
    if at_1m:
        lines.append(
            f"| ≤ 2× the PostgreSQL baseline at 1M | {at_1m['ratio_to_postgres']['median']}× | "
            f"{_verdict(at_1m['ratio_to_postgres']['median'] <= 2)} |"
        )
        lines.append(
            f"| worker peak memory < 300 MB at 1M | {at_1m['worker_peak_rss_mb']} MB | "
            f"{_verdict(at_1m['worker_peak_rss_mb'] < 300)} |"
        )
    if lin:
        lines.append(
            f"| cost per record within 1.2× from 100k to {lin['to']:,} | {lin['cost_ratio']}× | "
            f"{_verdict(lin['cost_ratio'] <= 1.2)} |"
        )
    lines.append(
        f"| two workers finish {two['dossiers']} dossiers ({two['records_each']:,} records each) in ≤ 0.62× "
        f"the time of one | {two['ratio']['median']} ({two['ratio']['min']}–{two['ratio']['max']}); "
        f"one worker {two['one_worker_s']['median']} s, two {two['two_workers_s']['median']} s | "
        f"{_verdict(two['ratio']['median'] <= 0.62)} |"
    )
    lines += [
        "",
        "The worker's peak memory stays flat with the record count: every figure is aggregated in the "
        "database and the worker only sees monthly totals and five customer rows.",
        "",
    ]
    return lines


def _ingest(ingest: dict) -> list[str]:
    push, repeat, copy = ingest["push_rows_per_s"], ingest["repeat_rows_per_s"], ingest["copy_rows_per_s"]
    ratio, again = ingest["push_to_copy"]["median"], ingest["repeat_to_first"]["median"]
    return [
        "## 3. Provider push ingestion",
        "",
        f"`POST /api/v1/provider/records` in batches of {ingest['batch_size']:,} from {ingest['clients']} clients "
        f"({ingest['rows_per_run']:,} records a run: schema check, consent check, HKD conversion, upsert, access "
        "history), against COPY of the same rows into the same table. Alternating rounds after a warm-up round.",
        "",
        "| figure | rows/s (median, min–max) | ratio | target | |",
        "|---|---|---|---|---|",
        f"| first push | {push['median']:.0f} ({push['min']:.0f}–{push['max']:.0f}) | {ratio} to COPY | ≥ 0.25 | "
        f"{_verdict(ratio >= 0.25)} |",
        f"| the same push again (idempotent repeat) | {repeat['median']:.0f} | {again} to the first push | ≥ 1 | "
        f"{_verdict(again >= 1)} |",
        f"| COPY | {copy['median']:.0f} ({copy['min']:.0f}–{copy['max']:.0f}) | | | |",
        "",
    ]


HISTORY = """## What the profiles showed, and what was changed

- Records API: the first run served 93 req/s against the baseline's 247 (0.38×). A profile showed the
  access-history write costing three round trips (BEGIN, INSERT, COMMIT from `bulk_create`'s transaction);
  it became one multi-row INSERT, the page is rendered with orjson, and gunicorn runs four processes of two
  threads. A later run on the same machine measured 0.62× and a p95 of 39 ms at 150 req/s; runs vary that
  much here because the candidate's capacity (150–200 req/s on these two cores, shared with PostgreSQL and
  the load generator) sits just above the offered 150 req/s, where queueing makes p95 jump. What limits it,
  measured in-process per request: the token check about 2.3 ms (of which oauthlib's own work about 0.4 ms,
  the rest the query that loads the token with its client, participant and consent binding), the page query
  with its consent check about 3 ms, the access-history insert about 1 ms, DRF's dispatch and input
  checking about 1 ms, against about 3 ms for the whole baseline request, which makes one query and checks
  nothing. The next steps would be server-side prepared statements for the two hot queries and writing the
  access history in batches; neither is done.
- Dossier: the first run took 4.4 s at 1M records, 2.6× the SQL baseline. The query log showed coverage and
  sources scanning the records six times and the revenue totals and customers three more; they now come from
  one grouped pass (category, provider, month), the totals from the monthly rows, customers from two queries.
- Push ingestion: the first run reached 0.11× COPY. The profile showed schema validation (jsonschema) and
  `bulk_create`'s per-field preparation taking most of each batch, and each record validated twice. Schemas
  are now compiled with fastjsonschema, validated once, and on PostgreSQL a batch is COPYed into a temporary
  table and upserted from it with one INSERT ... ON CONFLICT.
- Rate limits (2026-11-27) added one Redis round trip to every API request; the first call on a consent in
  a web process also looks up the consent's business (the query count above is the steady state). A run
  started straight after the load run (`docs/reliability.md`), with PostgreSQL still writing out that run's
  data, missed three targets: the API 0.36×, push 0.21× COPY, two workers 0.63×. The run reported here,
  minutes later at the same code, met all of them. Run the benchmark on a quiet machine.
- The records API's ratio swings with its baseline, not with the candidate. Three runs on 2026-11-27, at
  code that left the records path alone, served 182, 215 and 193 req/s with the hub's checks on, steady, while
  the baseline's median was 439, 571 and 287 req/s (its rounds range from about 280 to 650 within one run):
  ratios 0.41×, 0.37× and 0.65×, the first two under the 0.5× target. The baseline, one query and no checks,
  seems to run in two modes on these two shared cores; the candidate does not. Read the candidate's req/s
  beside the ratio, and rerun on a quiet machine before drawing a conclusion.
"""


def write(results: dict) -> None:
    DOCS.joinpath("benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    machine = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Produced by `python3 hub.py bench` (this file and `docs/benchmarks.json` with the raw numbers). Every figure "
        "is a ratio against a baseline run alternately in the same session, because these machines are noisy; "
        "medians with min–max. All load goes to loopback.",
        "",
        f"Run on {machine['date']}: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; "
        f"Python {machine['python']}, Django {machine['django']}, PostgreSQL {machine['postgresql']}, "
        f"psycopg {machine['psycopg']}. The whole run took {machine.get('wall_seconds', '?')} s.",
        "",
        "Rerun: `python3 hub.py bench` (PostgreSQL at `DATABASE_URL`, default the machine's on 127.0.0.1:5432, "
        "database `cdi_bench`, dropped and created afresh; wrk must be installed: `apt-get install wrk`). "
        "`--only api|dossier|ingest` runs one part; `--with-5m` adds a dossier over five million records.",
        "",
    ]
    if "records_api" in results:
        lines += _api(results["records_api"])
    if "dossier" in results:
        lines += _dossier(results["dossier"])
    if "ingest" in results:
        lines += _ingest(results["ingest"])
    lines.append(HISTORY)
    DOCS.joinpath("benchmarks.md").write_text("\n".join(lines))

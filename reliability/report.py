"""docs/reliability.json (raw figures of the latest faults and load runs) and docs/reliability.md from it.

``write`` also judges the run: it returns the checks that failed, and the command exits non-zero.
"""

import json
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
API_TIMEOUT_SECONDS = 5


def judge_faults(result: dict) -> list[str]:
    failures = []
    for batch in result["batches"]:
        name = batch["name"]
        if batch["lost"] or not batch["finished_in_time"]:
            failures.append(f"{name}: {batch['lost']} dossiers lost")
        if "by_fault" not in batch and batch["statuses"] != {"ready": batch["tried"]}:
            failures.append(f"{name}: ended {batch['statuses']}; with every provider up, all should be ready")
        if batch["duplicate_builds"] or batch["webhooks_received_twice"]:
            failures.append(f"{name}: duplicates")
        if batch["webhooks_received"] != batch["tried"]:
            failures.append(f"{name}: {batch['tried'] - batch['webhooks_received']} webhooks never arrived")
        if "worker_resumed_seconds" in batch and batch["worker_resumed_seconds"] > 30:
            failures.append(f"{name}: the worker took {batch['worker_resumed_seconds']} s to resume")
        for answer in batch.get("api_answers_during_lock", []):
            if answer["status"] != 503 or answer["seconds"] > API_TIMEOUT_SECONDS + 1:
                failures.append(f"{name}: the API answered {answer['status']} after {answer['seconds']} s")
        expected = {"slow": "ready", "flaky": "ready", "error": "partial", "timeout": "partial"}
        for kind, outcome in batch.get("by_fault", {}).items():
            if kind in expected and set(outcome["statuses"]) != {expected[kind]}:
                failures.append(f"{name}: {kind} ended {outcome['statuses']}, expected {expected[kind]}")
            if outcome["other_sources_kept"] != outcome["dossiers"]:
                failures.append(f"{name}: {kind}: the other providers' records were not all kept")
    if not result["audit"]["ok"]:
        failures.append("the audit log does not verify")
    return failures


def judge_load(result: dict) -> list[str]:
    failures = []
    if result.get("unexpected_bodies"):
        failures.append(f"answers that were not the API's JSON, e.g. {result['unexpected_bodies'][0]}")
    if result["server_errors"]:
        failures.append(f"{result['server_errors']} server errors or dropped connections")
    w = result["writes"]
    for asked, present in [
        ("consents_created", "consents_created_present"),
        ("revocations", "revocations_present"),
        ("dossiers_requested", "dossiers_present"),
        ("dossiers_requested", "dossiers_finished"),
    ]:
        if w[asked] != w[present]:
            failures.append(f"{present}: {w[present]} of {w[asked]}")
    if not result["audit"]["ok"]:
        failures.append("the audit log does not verify")
    return failures


def _faults_md(result: dict) -> list[str]:
    lines = [
        "## Faults",
        "",
        f"Run of {result['machine']['date']}, {result['wall_seconds']} s in all. Each batch asks for one "
        "dossier on each of 50 fresh consents (three sandbox providers fetched over real HTTP with real "
        "OAuth tokens; one Celery worker, two processes; beat sweeping stalled work every 5 s). *Lost*: "
        "never finished. *Duplicate*: finished twice (dossier.ready published twice) or its webhook "
        "accepted twice by the bank's receiver.",
        "",
        "| batch | fault | tried | completed | lost | duplicates | webhooks arrived (twice) | seconds | vs no fault |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base = result["batches"][0]["seconds"]
    for b in result["batches"]:
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(b["statuses"].items()))
        lines.append(
            f"| {b['name']} | {b['fault']} | {b['tried']} | {b['completed']} ({statuses}) | {b['lost']} | "
            f"{b['duplicate_builds']} | {b['webhooks_received']} ({b['webhooks_received_twice']}) | "
            f"{b['seconds']} | {b['seconds'] / base:.2f}× |"
        )
    lines.append("")
    for b in result["batches"]:
        if "worker_resumed_seconds" in b:
            lines.append(
                f"- Broker restart: the worker took its next message {b['worker_resumed_seconds']} s after "
                f"Redis was back (target ≤ 30 s); a task sent just after the restart ran after "
                f"{b['task_sent_after_restart_ran_seconds']} s, behind the rest of the batch."
            )
        if "api_answers_during_lock" in b:
            answers = ", ".join(f"{a['status']} in {a['seconds']} s" for a in b["api_answers_during_lock"])
            lines.append(
                f"- Records table locked: the records API answered {answers} (statement timeout "
                f"{API_TIMEOUT_SECONDS} s, lock timeout 3 s); the tasks blocked by the lock failed with the "
                "worker's 10 s lock timeout, retried and finished."
            )
        if "deliveries_attempted_while_down" in b:
            lines.append(
                f"- Webhook receiver down: {b['deliveries_attempted_while_down']} deliveries were tried and "
                "refused while it was down, retried with backoff, each accepted exactly once afterwards."
            )
        if "by_fault" in b:
            lines.append("- Sandbox faults, by what ShopLane (sales) did:")
            for kind, o in b["by_fault"].items():
                lines.append(
                    f"  - {kind}: {o['dossiers']} dossiers, ended {o['statuses']}; ShopLane's source "
                    f"{o['shoplane']}; the other providers' records kept in {o['other_sources_kept']}."
                )
    lines += [
        "",
        f"Audit log after the run: {'verifies' if result['audit']['ok'] else '**broken**'} "
        f"({result['audit']['entries_checked']} entries).",
        "",
    ]
    return lines


LOAD_SHORT = """**This run did not pass.** The offered 150 mixed requests a second are more than two
cores shared by gunicorn, PostgreSQL, the Celery worker and the load generator can serve (about 100
a second here; the records API alone tops out near 200, see `benchmarks.md`), so requests queue for
seconds and may time out. Failed checks: """


def _load_md(result: dict) -> list[str]:
    w, lat = result["writes"], result["latency_ms"]
    failures = judge_load(result)
    if failures:
        verdict = LOAD_SHORT + "; ".join(failures) + "."
    else:
        verdict = (
            "Every check passed in this run: no 5xx or dropped request, every accepted write present, "
            "the audit log verifies."
        )
        if lat["p95"] > 1000:
            verdict += (
                f" Latency is not one of this check's targets, but a p95 of {lat['p95'] / 1000:.1f} s says the two "
                "cores, shared by gunicorn, PostgreSQL, the Celery worker and the load generator, were saturated: "
                "requests queued for seconds. The records API alone serves about 200 a second here (`benchmarks.md`)."
            )
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(result["statuses"].items()))
    return [
        "## Load",
        "",
        f"Run of {result['machine']['date']}. {result['banks']} bank apps, each offered "
        f"{result['offered_rate_per_bank']} requests a second (open loop) for {result['seconds']} s against "
        "gunicorn (4 processes × 4 threads) and PostgreSQL, with the real rate limits on: 70 % record pages, "
        "15 % consent reads, 3 % dossier requests, 8 % new consent requests, 4 % revocations.",
        "",
        verdict,
        "",
        "| figure | value |",
        "|---|---|",
        f"| requests | {result['requests']} |",
        f"| answered per second per bank, backlog included | {result['achieved_rate_per_bank']} |",
        f"| answers | {statuses} |",
        f"| 5xx or dropped | {result['server_errors']} |",
        f"| refused by the rate limits (429) | {result['rate_limited']} |",
        f"| latency p50 / p95 / p99, ms | {lat['p50']} / {lat['p95']} / {lat['p99']} |",
        f"| consent requests accepted / present afterwards | {w['consents_created']} / "
        f"{w['consents_created_present']} |",
        f"| revocations accepted / present | {w['revocations']} / {w['revocations_present']} |",
        f"| dossiers accepted / present / finished | {w['dossiers_requested']} / {w['dossiers_present']} / "
        f"{w['dossiers_finished']} |",
        f"| audit log | {'verifies' if result['audit']['ok'] else '**broken**'} "
        f"({result['audit']['entries_checked']} entries) |",
        "",
        "| request | count | answers | p50 ms | p95 ms |",
        "|---|---|---|---|---|",
        *[
            f"| {kind} | {k['requests']} | {', '.join(f'{s}: {n}' for s, n in sorted(k['statuses'].items()))} | "
            f"{k['p50_ms']} | {k['p95_ms']} |"
            for kind, k in result["by_kind"].items()
        ],
        "",
    ]


HEADER = """# Reliability

Figures from real runs of `python3 hub.py faults` and `python3 hub.py load` (CI runs both), written
by those commands; the raw numbers are in `reliability.json`. Both run against PostgreSQL, gunicorn,
a real Celery worker and beat, and a Redis of their own with append-only persistence. The fast
checks (authorization and scope matrices, OAuth, rate limits, CSRF, the content security policy,
Schemathesis over the API schema, a locked table answering 503) are in the normal suite, mostly
under `tests/security/`.

How the hub survives each fault:

- **A worker child killed**: tasks are acknowledged late and rejected when their worker is lost, so
  the message goes back to the queue; the build it interrupted holds a lease, which lapses, and the
  redelivered task takes the build over. The dossier is finished by a conditional update on the
  lease, so it is finished once.
- **The whole worker killed**: its unacknowledged messages would wait for the broker's visibility
  timeout (two hours); beat's `dossiers.resume_stalled` queues again every dossier queued for too long
  or running past its lease, and `banks.resume_stalled_webhooks` every delivery whose retry was lost.
- **The broker restarted**: Redis keeps the queue in its append-only file; the worker reconnects.
- **A provider slow, failing, timing out or malformed**: transient errors are retried with backoff;
  what still fails makes the dossier `partial`, naming the source and why; valid records are kept.
- **A lock on the rows the API reads**: the web process gives up on a lock after 3 s and on any
  statement after 5 s and answers 503 with Retry-After; tasks give up on a lock after 10 s and retry.
- **The bank's webhook receiver down**: deliveries are retried with backoff, recorded, leased so
  that no two workers send the same one, and sent again by beat if their retry was lost.

"""


def write(part: str, result: dict) -> list[str]:
    path = DOCS / "reliability.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[part] = result
    path.write_text(json.dumps(figures, indent=2) + "\n")
    lines = [HEADER]
    if "faults" in figures:
        lines += _faults_md(figures["faults"])
    if "load" in figures:
        lines += _load_md(figures["load"])
    (DOCS / "reliability.md").write_text("\n".join(lines))
    return judge_faults(result) if part == "faults" else judge_load(result)

"""Records API against its baseline: closed-loop throughput with wrk, an open-loop 150 req/s run, query count."""

import asyncio
import random
import re
import shutil
import subprocess
import time
from pathlib import Path

import aiohttp
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import data, procs
from bench.stats import percentile, summary
from participants.services import participant_register

BANKS, CONSENTS_PER_BANK, RECORDS_PER_CONSENT = 5, 40, 300
ROUNDS, SECONDS, CONNECTIONS = 3, 8, 16
OPEN_LOOP_RATE, OPEN_LOOP_SECONDS = 150, 20


def seed(base_url: str) -> list[tuple[str, str]]:
    """(path, bearer) pairs: real bank tokens from /o/token/, each over its bank's consents."""
    provider = participant_register(
        kind="provider",
        name=f"Bench pusher {data.unique_slug()}",
        data_categories=["sales", "payments", "invoices", "logistics", "utilities"],
    )
    targets = []
    for b in range(BANKS):
        bank = participant_register(kind="bank", name=f"Bench bank {data.unique_slug()}")
        token = requests.post(
            f"{base_url}/o/token/",
            data={"grant_type": "client_credentials", "scope": "data"},
            auth=(bank.application.client_id, bank.client_secret),
            timeout=10,
        ).json()["access_token"]
        for c in range(CONSENTS_PER_BANK):
            consent = data.authorised_consent(
                bank=bank.participant, business=data.business(b * 100 + c), providers=[provider.participant]
            )
            data.copy_records(data.rows(consent, provider.participant, RECORDS_PER_CONSENT, seed=b * 1000 + c))
            targets.append((f"/api/v1/consents/{consent.pk}/records?page_size=100", f"Bearer {token}"))
    return targets


def _lua(targets: list[tuple[str, str]], with_auth: bool) -> Path:
    lines = []
    for path, bearer in targets:
        if not with_auth:
            path = path.replace("/api/v1/consents/", "/bench/baseline/").split("?")[0]
        lines.append(f'{{"{path}", "{bearer if with_auth else ""}"}}')
    script = Path(procs.LOGS / ("candidate.lua" if with_auth else "baseline.lua"))
    script.write_text(
        "math.randomseed(42)\nlocal targets = {" + ",\n".join(lines) + "}\n"
        "request = function()\n  local t = targets[math.random(#targets)]\n"
        "  if t[2] ~= '' then return wrk.format('GET', t[1], {['Authorization'] = t[2]}) end\n"
        "  return wrk.format('GET', t[1])\nend\n"
    )
    return script


def _wrk(base_url: str, script: Path, seconds: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), base_url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)) else 0
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": rps,
        "errors": errors + socket_errors,
        "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2) if p99 else None,
    }


def throughput(base_url: str, targets) -> dict:
    candidate, baseline = _lua(targets, True), _lua(targets, False)
    _wrk(base_url, candidate, 3)
    _wrk(base_url, baseline, 3)
    runs = {"candidate": [], "baseline": []}
    # Alternate, so both see the same machine noise.
    for _ in range(ROUNDS):
        runs["candidate"].append(_wrk(base_url, candidate, SECONDS))
        runs["baseline"].append(_wrk(base_url, baseline, SECONDS))
    ratios = [c["rps"] / b["rps"] for c, b in zip(runs["candidate"], runs["baseline"], strict=True)]
    return {
        "candidate_rps": summary([r["rps"] for r in runs["candidate"]]),
        "baseline_rps": summary([r["rps"] for r in runs["baseline"]]),
        "ratio": summary(ratios),
        "candidate_errors": sum(r["errors"] for r in runs["candidate"]),
        "baseline_errors": sum(r["errors"] for r in runs["baseline"]),
        "connections": CONNECTIONS,
        "seconds_per_run": SECONDS,
        "rounds": ROUNDS,
    }


async def _open_loop(base_url: str, targets, rate: int, seconds: int) -> dict:
    """Requests sent on a fixed schedule whatever the answers; latency counted from the scheduled time."""
    latencies, errors = [], 0
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(base_url, connector=connector) as session:

        async def one(path: str, bearer: str, due: float) -> None:
            nonlocal errors
            try:
                async with session.get(
                    path, headers={"Authorization": bearer}, timeout=aiohttp.ClientTimeout(total=10)
                ) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
            except (aiohttp.ClientError, TimeoutError):
                errors += 1
            latencies.append((time.perf_counter() - due) * 1000)

        start = time.perf_counter()
        tasks = []
        rng = random.Random(7)
        for i in range(rate * seconds):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            path, bearer = rng.choice(targets)
            tasks.append(asyncio.create_task(one(path, bearer, due)))
        await asyncio.gather(*tasks)
    return {
        "offered_rps": rate,
        "seconds": seconds,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
    }


def query_count(targets) -> int:
    path, bearer = targets[0]
    # The first call on a consent in a process also looks up the consent's business for its rate
    # limit, once; the figure is the steady state every later call pays.
    Client(HTTP_HOST="127.0.0.1").get(path, HTTP_AUTHORIZATION=bearer)
    with CaptureQueriesContext(connection) as queries:
        response = Client(HTTP_HOST="127.0.0.1").get(path, HTTP_AUTHORIZATION=bearer)
    assert response.status_code == 200, response.content
    return len(queries)


def run() -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    port = procs.free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = procs.gunicorn(port)
    try:
        targets = seed(base_url)
        result = {
            "consents": len(targets),
            "banks": BANKS,
            "records_per_consent": RECORDS_PER_CONSENT,
            "page_size": 100,
            "queries_per_request": query_count(targets),
        }
        result["throughput"] = throughput(base_url, targets)
        asyncio.run(_open_loop(base_url, targets, OPEN_LOOP_RATE, 3))
        result["open_loop"] = asyncio.run(_open_loop(base_url, targets, OPEN_LOOP_RATE, OPEN_LOOP_SECONDS))
        return result
    finally:
        procs.stop(server)

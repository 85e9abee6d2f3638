"""Three bank apps at CDR-shaped load (50 requests a second each, open loop) for a minute: record
reads, consent reads, dossier requests, new consent requests and revocations, mixed. Afterwards
every accepted write must be in the database and the audit log must verify."""

import asyncio
import json
import random
import time
from datetime import timedelta

import aiohttp
from django.utils import timezone

from bench import data
from bench.stats import percentile
from businesses.models import Business
from consent.models import Consent
from dossiers.models import Dossier
from hub.demo import sme_brn
from participants.models import Participant
from participants.services import participant_register
from reliability import stack

RATE, SECONDS = 50, 60
CONSENTS_PER_BANK, RECORDS_PER_CONSENT = 15, 300
# (share of requests, kind)
MIX = [(0.70, "records"), (0.15, "consent"), (0.03, "dossier"), (0.08, "create"), (0.04, "revoke")]


def seed(base_url: str, banks: list[Participant], credentials: dict) -> list[dict]:
    """Per bank: a token, authorised consents with records (each bank its own businesses), and spare
    authorised consents to revoke."""
    pusher = participant_register(kind="provider", name=f"Load pusher {data.unique_slug()}", data_categories=["sales"])
    plans = []
    for b, bank in enumerate(banks):
        token = stack.client_token(base_url, credentials[bank.slug], "consents data dossiers")
        readable, revocable = [], []
        for c in range(CONSENTS_PER_BANK):
            business = Business.objects.get(brn=sme_brn(b * CONSENTS_PER_BANK + c + 1))
            consent = data.authorised_consent(bank=bank, business=business, providers=[pusher.participant])
            data.copy_records(data.rows(consent, pusher.participant, RECORDS_PER_CONSENT, seed=b * 100 + c))
            readable.append(str(consent.pk))
            spare = data.authorised_consent(bank=bank, business=business, providers=[pusher.participant])
            revocable.append(str(spare.pk))
        plans.append(
            {
                "bank": bank.slug,
                "token": token,
                "readable": readable,
                "revocable": revocable,
                "brns": [sme_brn(b * CONSENTS_PER_BANK + c + 1) for c in range(CONSENTS_PER_BANK)],
            }
        )
    return plans


def _request(plan: dict, kind: str, rng: random.Random) -> tuple[str, str, dict | None]:
    if kind == "records":
        return "GET", f"/api/v1/consents/{rng.choice(plan['readable'])}/records?page_size=100", None
    if kind == "consent":
        return "GET", f"/api/v1/consents/{rng.choice(plan['readable'])}", None
    if kind == "dossier":
        return "POST", f"/api/v1/consents/{rng.choice(plan['readable'])}/dossiers", {}
    if kind == "revoke" and plan["revocable"]:
        return "POST", f"/api/v1/consents/{plan['revocable'].pop()}/revoke", {}
    today = timezone.localdate()
    return (
        "POST",
        "/api/v1/consents",
        {
            "business_brn": rng.choice(plan["brns"]),
            "data_categories": ["sales"],
            "purpose": "credit_assessment",
            "date_from": (today - timedelta(days=300)).isoformat(),
            "date_to": today.isoformat(),
            "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
        },
    )


async def _drive(base_url: str, plans: list[dict]) -> list[dict]:
    results: list[dict] = []
    kinds, weights = [k for _, k in MIX], [w for w, _ in MIX]

    async def one(session, plan, kind, rng) -> None:
        method, path, body = _request(plan, kind, rng)
        if kind == "revoke" and path.endswith("/api/v1/consents"):
            kind = "create"
        started = time.perf_counter()
        try:
            async with session.request(
                method, base_url + path, json=body, headers={"Authorization": f"Bearer {plan['token']}"}
            ) as response:
                status, text = response.status, await response.text()
            try:
                answer = json.loads(text)
            except ValueError:
                # Not the API's JSON (an HTML error page, an empty body): kept, to be seen in the report.
                answer = {"unexpected_body": text[:300]}
        except (aiohttp.ClientError, TimeoutError) as exc:
            answer, status = {"error": str(exc)}, 0
        results.append(
            {
                "bank": plan["bank"],
                "kind": kind,
                "path": path,
                "status": status,
                "ms": (time.perf_counter() - started) * 1000,
                "id": answer.get("id") if isinstance(answer, dict) else None,
                "unexpected_body": answer.get("unexpected_body") if isinstance(answer, dict) else None,
            }
        )

    connector = aiohttp.TCPConnector(limit=300)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = []
        start = time.perf_counter()
        schedule = sorted(
            (i / RATE + b * 0.007, b) for b in range(len(plans)) for i in range(RATE * SECONDS)
        )  # open loop: each bank every 20 ms, whatever the answers
        rngs = [random.Random(b) for b in range(len(plans))]
        for at, b in schedule:
            delay = start + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = rngs[b].choices(kinds, weights)[0]
            tasks.append(asyncio.create_task(one(session, plans[b], kind, rngs[b])))
        await asyncio.gather(*tasks)
    return results


def run(base_url: str, banks: list[Participant], credentials: dict) -> dict:
    from audit.services import audit_verify

    plans = seed(base_url, banks, credentials)
    started = time.monotonic()
    results = asyncio.run(_drive(base_url, plans))
    elapsed = time.monotonic() - started
    statuses: dict = {}
    for r in results:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    accepted_consents = [r["id"] for r in results if r["kind"] == "create" and r["status"] == 201]
    accepted_dossiers = [r["id"] for r in results if r["kind"] == "dossier" and r["status"] == 202]
    revoked = [r["path"].split("/")[4] for r in results if r["kind"] == "revoke" and r["status"] == 200]
    # Every accepted write is there afterwards; the dossiers asked for are built.
    consents_present = Consent.objects.filter(pk__in=accepted_consents, status="awaiting_authorisation").count()
    revoked_present = Consent.objects.filter(pk__in=revoked, status="revoked").count()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if Dossier.objects.filter(pk__in=accepted_dossiers, status__in=Dossier.FINISHED).count() == len(
            accepted_dossiers
        ):
            break
        time.sleep(1)
    dossiers_present = Dossier.objects.filter(pk__in=accepted_dossiers).count()
    dossiers_finished = Dossier.objects.filter(pk__in=accepted_dossiers, status__in=Dossier.FINISHED).count()
    verification = audit_verify()
    latencies = sorted(r["ms"] for r in results if r["status"] and r["status"] < 500)
    by_kind = {}
    for kind in sorted({r["kind"] for r in results}):
        mine = [r for r in results if r["kind"] == kind]
        times = sorted(r["ms"] for r in mine if r["status"])
        kind_statuses: dict = {}
        for r in mine:
            kind_statuses[str(r["status"])] = kind_statuses.get(str(r["status"]), 0) + 1
        by_kind[kind] = {
            "requests": len(mine),
            "statuses": kind_statuses,
            "p50_ms": round(percentile(times, 0.50), 1) if times else None,
            "p95_ms": round(percentile(times, 0.95), 1) if times else None,
        }
    per_bank = {
        plan["bank"]: round(sum(1 for r in results if r["bank"] == plan["bank"]) / elapsed, 1) for plan in plans
    }
    return {
        "banks": len(plans),
        "offered_rate_per_bank": RATE,
        "seconds": SECONDS,
        "achieved_rate_per_bank": per_bank,
        "requests": len(results),
        "statuses": statuses,
        "server_errors": sum(1 for r in results if r["status"] >= 500 or r["status"] == 0),
        "rate_limited": sum(1 for r in results if r["status"] == 429),
        "unexpected_bodies": [
            {"status": r["status"], "path": r["path"], "body": r["unexpected_body"]}
            for r in results
            if r["unexpected_body"] is not None
        ][:20],
        "by_kind": by_kind,
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p95": round(percentile(latencies, 0.95), 1),
            "p99": round(percentile(latencies, 0.99), 1),
        },
        "writes": {
            "consents_created": len(accepted_consents),
            "consents_created_present": consents_present,
            "revocations": len(revoked),
            "revocations_present": revoked_present,
            "dossiers_requested": len(accepted_dossiers),
            "dossiers_present": dossiers_present,
            "dossiers_finished": dossiers_finished,
        },
        "audit": {"ok": verification.ok, "entries_checked": verification.checked},
    }

"""Batches of dossiers built while something breaks, each against the same batch with nothing broken.

Every batch asks for one dossier on each of BATCH fresh consents (three sandbox providers over real
HTTP, real OAuth tokens). A dossier is *lost* if it never finishes, a *duplicate* if it was finished
more than once (its dossier.ready event published twice) or its webhook reached the bank twice.
"""

import random
import threading
import time
from datetime import timedelta

import psutil
import psycopg
import requests
from django.db import connection
from django.utils import timezone

from banks.models import WebhookDelivery
from banks.services import webhook_subscribe
from businesses.models import Business
from consent.models import Consent
from dossiers.models import Dossier
from dossiers.services import dossier_request
from hub.demo import sme_brn
from participants.models import Participant
from providers.models import Record, SandboxProvider
from reliability import stack

BATCH = 50
PROVIDERS = ["shoplane", "paybridge", "citygrid-utilities"]
FINISH_WITHIN = 300


class Run:
    def __init__(self, base_url: str, redis_port: int, receiver: stack.Receiver, processes: dict) -> None:
        self.base_url, self.redis_port, self.receiver, self.processes = base_url, redis_port, receiver, processes
        self.bank = Participant.objects.get(name="Harbour Bank")
        self.providers = list(Participant.objects.filter(slug__in=PROVIDERS))
        assert len(self.providers) == len(PROVIDERS), "the demo's sandbox providers are missing"
        webhook_subscribe(bank=self.bank, url=receiver.url, events=["dossier.ready"])

    def consents(self) -> list[Consent]:
        """Fresh consents, one per demo SME, so every dossier fetches anew."""
        today, now = timezone.localdate(), timezone.now()
        made = []
        for n in range(1, BATCH + 1):
            consent = Consent.objects.create(
                business=Business.objects.get(brn=sme_brn(n)),
                bank=self.bank,
                purpose="credit_assessment",
                data_categories=["sales", "payments", "utilities"],
                date_from=today - timedelta(days=90),
                date_to=today,
                expires_at=now + timedelta(days=30),
                status=Consent.Status.AUTHORISED,
                decided_at=now,
            )
            consent.providers.set(self.providers)
            made.append(consent)
        return made

    def batch(self, name: str, inject=None, before=None) -> dict:
        """Asks for BATCH dossiers, runs ``inject`` while they build, waits, and counts."""
        consents = self.consents()
        context = before(consents) if before else {}
        started = time.monotonic()
        ids = [dossier_request(consent=consent, bank=self.bank).pk for consent in consents]
        fault = inject(ids, context) if inject else {"fault": "none"}
        finished = wait_finished(ids, FINISH_WITHIN)
        seconds = time.monotonic() - started
        self.last_ids = ids
        return {"name": name, "seconds": round(seconds, 1), **fault, **self.count(ids), **finished}

    def count(self, ids: list) -> dict:
        # Every delivery of every dossier's dossier.ready event reaches the receiver before counting.
        wait_until(
            lambda: (
                not WebhookDelivery.objects.filter(payload__data__dossier_id__in=[str(i) for i in ids])
                .exclude(status=WebhookDelivery.Status.DELIVERED)
                .exists()
            ),
            240,
        )
        dossiers = list(Dossier.objects.filter(pk__in=ids).values("pk", "status"))
        published = WebhookDelivery.objects.filter(payload__data__dossier_id__in=[str(i) for i in ids])
        per_dossier = {}
        for delivery in published.values_list("payload__data__dossier_id", flat=True):
            per_dossier[delivery] = per_dossier.get(delivery, 0) + 1
        statuses = {}
        for d in dossiers:
            statuses[d["status"]] = statuses.get(d["status"], 0) + 1
        finished = [d for d in dossiers if d["status"] in Dossier.FINISHED]
        return {
            "tried": len(ids),
            "completed": len(finished),
            "statuses": statuses,
            "lost": len(ids) - len(finished),
            "duplicate_builds": sum(1 for n in per_dossier.values() if n > 1),
            "webhooks_received": sum(1 for i in ids if self.receiver.dossiers[str(i)] >= 1),
            "webhooks_received_twice": sum(1 for i in ids if self.receiver.dossiers[str(i)] > 1),
        }


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def wait_finished(ids: list, timeout: float) -> dict:
    ok = wait_until(
        lambda: Dossier.objects.filter(pk__in=ids, status__in=Dossier.FINISHED).count() == len(ids), timeout
    )
    return {"finished_in_time": ok}


def wait_running(ids: list, at_least: int = 1, timeout: float = 60) -> None:
    wait_until(lambda: Dossier.objects.filter(pk__in=ids).exclude(status="queued").count() >= at_least, timeout)


# --- the faults -------------------------------------------------------------------------------------


def kill_children(run: Run, kills: int = 6):
    def inject(ids, context) -> dict:
        done = 0
        worker = psutil.Process(run.processes["worker"].pid)
        while done < kills and Dossier.objects.filter(pk__in=ids).exclude(status__in=Dossier.FINISHED).exists():
            wait_running(ids)
            busy = Dossier.objects.filter(pk__in=ids, status="running").exists()
            children = worker.children()
            if busy and children:
                random.choice(children).kill()
                done += 1
            time.sleep(3)
        return {"fault": f"SIGKILL to a busy worker child, {done} times"}

    return inject


def kill_worker(run: Run):
    def inject(ids, context) -> dict:
        wait_running(ids, at_least=5)
        stack.kill_group(run.processes["worker"])
        time.sleep(2)
        run.processes["worker"] = stack.worker("w2")
        return {"fault": "the whole worker (main process and children) SIGKILLed mid-batch, a new one started"}

    return inject


def restart_broker(run: Run):
    from hub.tasks import ping

    def inject(ids, context) -> dict:
        wait_running(ids, at_least=5)
        run.processes["redis"].terminate()  # SIGTERM: Redis flushes its append-only file and exits
        run.processes["redis"].wait()
        time.sleep(3)
        run.processes["redis"] = stack.redis_server(run.redis_port)
        back, back_at = time.monotonic(), timezone.now()
        # Resumed: the worker has taken a message from the queue since Redis came back.
        wait_until(lambda: Dossier.objects.filter(pk__in=ids, started_at__gt=back_at).exists(), 120)
        resumed = round(time.monotonic() - back, 1)
        ping.apply_async().get(timeout=300)  # and a task sent after the restart runs (behind the batch)
        return {
            "fault": "Redis (broker and cache) stopped for 3 s mid-batch and restarted from its append-only file",
            "worker_resumed_seconds": resumed,
            "task_sent_after_restart_ran_seconds": round(time.monotonic() - back, 1),
        }

    return inject


FAULT_KINDS = ["slow", "flaky", "error", "timeout", "malformed"]


def sandbox_faults(run: Run):
    """Each dossier's sales provider (ShopLane) is told to misbehave, five ways in turn."""

    def before(consents) -> dict:
        sandbox = SandboxProvider.objects.get(participant__slug="shoplane")
        sandbox.faults = {c.business.brn: FAULT_KINDS[i % len(FAULT_KINDS)] for i, c in enumerate(consents)}
        sandbox.save(update_fields=["faults"])
        return {"faults": sandbox.faults}

    def inject(ids, context) -> dict:
        return {"fault": "ShopLane slow, flaky (5xx twice), 5xx always, timing out or malformed, by business"}

    return before, inject


def sandbox_outcomes(ids: list) -> dict:
    """Per fault kind: how the dossiers ended, how ShopLane's source ended, whether the others' records were kept."""
    faults = SandboxProvider.objects.get(participant__slug="shoplane").faults
    outcomes: dict = {}
    for dossier in Dossier.objects.filter(pk__in=ids).select_related("consent__business"):
        kind = faults[dossier.consent.business.brn]
        shoplane = next((s for s in dossier.sources if s["provider"] == "shoplane"), {})
        others_kept = Record.objects.filter(consent=dossier.consent).exclude(provider__slug="shoplane").exists()
        entry = outcomes.setdefault(kind, {"dossiers": 0, "statuses": {}, "shoplane": {}, "other_sources_kept": 0})
        entry["dossiers"] += 1
        entry["statuses"][dossier.status] = entry["statuses"].get(dossier.status, 0) + 1
        entry["shoplane"][shoplane.get("status", "?")] = entry["shoplane"].get(shoplane.get("status", "?"), 0) + 1
        entry["other_sources_kept"] += others_kept
    return outcomes


def lock_records(run: Run, token: str):
    """ACCESS EXCLUSIVE on the records table (what a careless migration takes) for 15 s mid-batch."""

    def inject(ids, context) -> dict:
        wait_running(ids, at_least=3)
        params = connection.get_connection_params()
        dsn = " ".join(f"{k}={v}" for k, v in params.items() if k in {"dbname", "host", "port", "user"})
        readable = Consent.objects.filter(records__isnull=False).values_list("pk", flat=True).first()
        answers = []
        with psycopg.connect(dsn, options="-c lock_timeout=0") as holder:
            holder.execute("LOCK TABLE providers_record IN ACCESS EXCLUSIVE MODE")
            held = time.monotonic()

            def read() -> None:
                started = time.monotonic()
                response = requests.get(
                    f"{run.base_url}/api/v1/consents/{readable}/records",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )
                answers.append((response.status_code, round(time.monotonic() - started, 2)))

            readers = [threading.Thread(target=read) for _ in range(4)]
            for reader in readers:
                reader.start()
                time.sleep(0.5)
            for reader in readers:
                reader.join()
            time.sleep(max(0.0, 15 - (time.monotonic() - held)))
        return {
            "fault": "records table locked ACCESS EXCLUSIVE for 15 s mid-batch; four API reads during it",
            "api_answers_during_lock": [{"status": s, "seconds": t} for s, t in answers],
        }

    return inject


def receiver_down(run: Run, seconds: float = 20):
    def inject(ids, context) -> dict:
        run.receiver.down()
        refused = WebhookDelivery.objects.filter(payload__data__dossier_id__in=[str(i) for i in ids], attempts__gt=0)
        wait_until(lambda: refused.count() >= 10, 120)  # down until ten deliveries were refused, then longer
        time.sleep(seconds)
        attempts_while_down = refused.count()
        run.receiver.up()
        return {
            "fault": "the bank's webhook receiver refused connections until ten deliveries had failed, "
            f"and {seconds:.0f} s more",
            "deliveries_attempted_while_down": attempts_while_down,
        }

    return inject

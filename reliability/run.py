"""`python3 hub.py faults` and `python3 hub.py load`: the slow reliability checks against PostgreSQL,
gunicorn, a real Celery worker and beat, and a Redis of their own. Each writes its figures into
docs/reliability.json and regenerates docs/reliability.md; exits non-zero when a check fails."""

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/cdi_reliability"


def main() -> int:
    parser = argparse.ArgumentParser(prog="hub.py faults|load")
    parser.add_argument("part", choices=["faults", "load"])
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench import procs
    from bench.run import ensure_services, fresh_database

    web_port, redis_port = procs.free_port(), procs.free_port()
    os.environ["DJANGO_SETTINGS_MODULE"] = "cdi.settings.reliability"
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ["HUB_BASE_URL"] = f"http://127.0.0.1:{web_port}"
    ensure_services()
    fresh_database(os.environ["DATABASE_URL"])
    from reliability import stack

    stack.reset_redis_data()
    processes = {"redis": stack.redis_server(redis_port)}
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from hub.demo import DemoCredentials, seed_demo

    Path(settings.DEMO_CREDENTIALS_FILE).unlink(missing_ok=True)
    seed_demo()
    credentials = DemoCredentials.load(Path(settings.DEMO_CREDENTIALS_FILE)).clients
    started = time.monotonic()
    try:
        processes["web"] = procs.gunicorn(web_port, workers=4, threads=4)
        processes["worker"] = stack.worker()
        processes["beat"] = stack.beat()
        if options.part == "faults":
            result = faults(stack, processes, web_port, redis_port, credentials)
        else:
            result = load(web_port, credentials)
    finally:
        for name in ("beat", "worker", "web", "redis"):
            if name in processes:
                procs.stop(processes[name])
    result["wall_seconds"] = round(time.monotonic() - started)
    result["machine"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }
    from reliability import report

    failures = report.write(options.part, result)
    print(json.dumps(result, indent=2), flush=True)
    for failure in failures:
        print(f"[{options.part}] FAILED: {failure}", flush=True)
    return 1 if failures else 0


def faults(stack, processes, web_port, redis_port, credentials) -> dict:
    from audit.services import audit_verify
    from providers.models import SandboxProvider
    from reliability import faults as f

    receiver = stack.Receiver()
    run = f.Run(f"http://127.0.0.1:{web_port}", redis_port, receiver, processes)
    token = stack.client_token(run.base_url, credentials[run.bank.slug], "data")
    batches = []
    steps = [
        ("no fault (baseline)", None, None),
        ("worker child SIGKILLed", f.kill_children(run), None),
        ("whole worker SIGKILLed and restarted", f.kill_worker(run), None),
        ("broker restarted", f.restart_broker(run), None),
        ("sandbox provider faults", *reversed(f.sandbox_faults(run))),
        ("records table locked", f.lock_records(run, token), None),
        ("webhook receiver down", f.receiver_down(run), None),
    ]
    for name, inject, before in steps:
        print(f"[faults] {name}", flush=True)
        batch = run.batch(name, inject, before)
        if name == "sandbox provider faults":
            batch["by_fault"] = f.sandbox_outcomes(run.last_ids)
            SandboxProvider.objects.filter(participant__slug="shoplane").update(faults={})
        print(f"[faults] {json.dumps(batch)}", flush=True)
        batches.append(batch)
    verification = audit_verify()
    return {"batches": batches, "audit": {"ok": verification.ok, "entries_checked": verification.checked}}


def load(web_port, credentials) -> dict:
    from participants.models import Participant
    from reliability import load as l

    banks = list(Participant.objects.filter(kind=Participant.Kind.BANK).order_by("name")[:3])
    return l.run(f"http://127.0.0.1:{web_port}", banks, credentials)


if __name__ == "__main__":
    sys.exit(main())

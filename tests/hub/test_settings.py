"""Start-up configuration: production refuses to start without its secrets; bad values are named."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(settings_module: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SIGNING_KEYS_FILE", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = start("cdi.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_signing_keys():
    result = start("cdi.settings.production", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "SIGNING_KEYS_FILE" in result.stderr


def production_keys_file(tmp_path: Path) -> Path:
    """A signing-keys file such as production is given."""
    keys = tmp_path / "keys.json"
    generated = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.keys import new_key; import json; print(json.dumps({'keys': [new_key().export(as_dict=True)]}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    keys.write_text(generated.stdout)
    return keys


def test_production_starts_with_its_secrets(tmp_path):
    keys = production_keys_file(tmp_path)
    result = start("cdi.settings.production", SECRET_KEY="x" * 50, SIGNING_KEYS_FILE=str(keys))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("DATABASE_URL", "postgres://"),
        ("DATABASE_URL", "postgres://db.example:notaport/cdi"),
        ("DATABASE_URL", "postgres://db.example:99999/cdi"),
        ("HUB_BASE_URL", "ftp://hub"),
        ("HUB_BASE_URL", "http://:8000"),
        ("HUB_BASE_URL", "http://hub.example:eighty"),
        ("REDIS_URL", "http://x"),
        ("REDIS_URL", "redis://host:notaport/0"),
        ("REDIS_URL", "redis://:6379/0"),
        ("REDIS_URL", "redis://"),
    ],
)
def test_a_bad_value_fails_at_start_up_naming_the_variable(variable, value):
    result = start("cdi.settings.dev", **{variable: value})
    assert result.returncode != 0
    assert f"{variable}={value!r}" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        # No host: PostgreSQL's local socket.
        ("DATABASE_URL", "postgres:///cdi"),
        ("DATABASE_URL", "postgres://cdi@db.example:5432/cdi"),
        ("REDIS_URL", "rediss://cache.example:6380/1"),
        ("HUB_BASE_URL", "https://hub.example"),
    ],
)
def test_a_good_value_starts(variable, value):
    result = start("cdi.settings.dev", **{variable: value})
    assert result.returncode == 0, result.stderr


def test_development_runs_with_no_variables_at_all():
    assert start("cdi.settings.dev").returncode == 0


def django_run(settings_module: str, code: str, **env: str) -> subprocess.CompletedProcess:
    """Runs ``code`` once Django is set up with these settings and only these of the variables read here."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "ALLOWED_HOSTS", "HUB_BASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def setting(settings_module: str, code: str, **env: str) -> str:
    """What ``code`` prints."""
    result = django_run(settings_module, code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(("value", "expected"), [(None, "True"), ("false", "False"), ("true", "True")])
def test_development_honours_debug(value, expected):
    env = {} if value is None else {"DEBUG": value}
    assert setting("cdi.settings.dev", "print(settings.DEBUG)", **env) == expected


# Django's own host check, on a request naming the hub's public address.
HOST_CHECK = (
    "from django.http import HttpRequest; request = HttpRequest(); "
    "request.META = {'HTTP_HOST': 'hub.example:8443', 'SERVER_PORT': '8443'}; print(request.get_host())"
)


def test_a_hub_base_url_that_is_not_loopback_is_an_allowed_host():
    assert setting("cdi.settings.dev", HOST_CHECK, HUB_BASE_URL="https://hub.example:8443") == "hub.example:8443"


def test_the_hub_base_url_host_is_added_to_an_allowed_hosts_list():
    hosts = setting(
        "cdi.settings.dev",
        "print(','.join(settings.ALLOWED_HOSTS))",
        HUB_BASE_URL="http://[2001:db8::1]:8000",
        ALLOWED_HOSTS="lb.internal",
    )
    assert hosts == "lb.internal,[2001:db8::1]"


def test_another_host_is_still_refused():
    result = django_run("cdi.settings.dev", HOST_CHECK, HUB_BASE_URL="http://127.0.0.1:8000")
    assert result.returncode != 0
    assert "DisallowedHost" in result.stderr

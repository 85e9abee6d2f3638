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

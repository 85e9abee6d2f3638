"""Shared fixtures: three fixed actors (bank A, bank B, a provider), tokens, a real Celery worker."""

import base64
import hashlib
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client

from participants.services import Registration, participant_register

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def basic_auth(registration: Registration) -> str:
    pair = f"{registration.application.client_id}:{registration.client_secret}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def obtain_token(client: Client, registration: Registration, **params) -> dict:
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", **params},
        HTTP_AUTHORIZATION=basic_auth(registration),
    )
    assert response.status_code == 200, response.content
    return response.json()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def separate_connection():
    """Another PostgreSQL session on the test database, outside Django: to hold a lock while the code
    under test runs."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    return psycopg.connect(" ".join(f"{k}={v}" for k, v in params.items() if k in {"dbname", "host", "port", "user"}))


@pytest.fixture
def bank_a(db) -> Registration:
    return participant_register(kind="bank", name="Bank A", redirect_uris=["https://bank-a.example/callback"])


@pytest.fixture
def bank_b(db) -> Registration:
    return participant_register(kind="bank", name="Bank B", redirect_uris=["https://bank-b.example/callback"])


@pytest.fixture
def provider(db) -> Registration:
    return participant_register(
        kind="provider", name="Shop One", api_base="https://shop-one.example/api", data_categories=["sales"]
    )


@pytest.fixture
def operator_client(db) -> Registration:
    return participant_register(kind="operator", name="Hub Monitoring")


def _database_url() -> str:
    """The URL of the test database, for processes started outside this one."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


@pytest.fixture(scope="session")
def hub_url(live_server) -> str:
    """The live test server is the hub for this session: its address is HUB_BASE_URL everywhere."""
    settings.HUB_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture(scope="session")
def subprocess_env(django_db_setup, hub_url) -> dict:
    """The environment for processes that must share this session's test database, broker and hub."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cdi.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SIGNING_KEYS_FILE": settings.SIGNING_KEYS_FILE,
        "HUB_BASE_URL": hub_url,
    }


@pytest.fixture(scope="session")
def celery_worker(subprocess_env):
    """A real Celery worker process consuming from the test broker against the test database.

    Tests that rely on it must use the transactional database, so the worker sees their rows.
    """
    broker = redis.Redis.from_url(settings.REDIS_URL)
    # A queue left over from an earlier, interrupted run must not feed this worker.
    broker.flushdb()
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / "celery-worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cdi",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        env=subprocess_env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not broker.exists("cdi:worker-heartbeat"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start; see {ARTIFACTS / 'celery-worker.log'}")
        time.sleep(0.2)
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def sme(db):
    """An SME with an owner, a signatory and a viewer, and a user of another business."""
    from types import SimpleNamespace

    from businesses.services import business_register

    users = {
        role: business_register(
            brn="12345678",
            legal_name="Harbour Tea House Ltd",
            username=f"tea-{role}",
            role=role,
            password="a-long-password-1",
        ).user
        for role in ("owner", "signatory", "viewer")
    }
    outsider = business_register(
        brn="87654321", legal_name="Other Ltd", username="other-owner", password="a-long-password-1"
    ).user
    return SimpleNamespace(brn="12345678", outsider=outsider, **users)


@pytest.fixture
def make_consent(bank_a, provider, sme):
    """Creates a consent through the service, as a bank's API call would."""
    import datetime as dt

    from django.utils import timezone

    from consent.services import consent_create

    def make(bank=None, **overrides):
        today = timezone.localdate()
        fields = {
            "bank": (bank or bank_a).participant,
            "business_brn": sme.brn,
            "data_categories": ["sales"],
            "providers": None,
            "purpose": "credit_assessment",
            "date_from": today - dt.timedelta(days=365),
            "date_to": today,
            "expires_at": timezone.now() + dt.timedelta(days=30),
            "redirect_uri": "",
            **overrides,
        }
        return consent_create(**fields)

    return make


SANDBOXES = [
    ("ShopLane", ["sales"]),
    ("PayBridge", ["payments"]),
    ("LedgerLeaf", ["invoices", "profile"]),
    ("SwiftShip", ["logistics"]),
    ("CityGrid", ["utilities"]),
]


@pytest.fixture
def sandboxes(db, hub_url) -> dict:
    """The five sandbox providers, served by the live server, and the demo FX rates."""
    from django.core.cache import cache

    from hub.demo import DEMO_FX_RATES
    from hub.fx import fx_load_csv
    from providers.fetcher import TOKEN_CACHE_KEY
    from providers.services import sandbox_register

    # The database starts empty for each test: a token cached by an earlier one names nothing now.
    cache.delete(TOKEN_CACHE_KEY)
    fx_load_csv(path=DEMO_FX_RATES)
    registered = {}
    for name, categories in SANDBOXES:
        slug = name.lower()
        registration = participant_register(
            kind="provider", name=name, data_categories=categories, api_base=f"{hub_url}/sandbox/providers/{slug}"
        )
        registered[slug] = (registration, sandbox_register(participant=registration.participant))
    return registered

"""A database that cannot answer in time is a 503 with Retry-After, never a hang or a 500."""

import json
import subprocess
import sys
import time

import pytest
from django.db import OperationalError, connection

from providers.apis import ConsentRecordsApi
from tests.conftest import separate_connection
from tests.hub.test_settings import ROOT
from tests.providers.test_records_api import bearer, consent, ingest, sale  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_operational_error_answers_503_with_retry_after(client, bearer, consent, monkeypatch):  # noqa: F811
    def refuse(*args, **kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(ConsentRecordsApi, "_page", refuse)
    response = client.get(f"/api/v1/consents/{consent.pk}/records", **bearer)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"] == "temporarily_unavailable"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row and table locks: the suite's PostgreSQL pass")
def test_a_table_lock_held_elsewhere_answers_503_within_the_timeout_then_reads_resume(
    client,
    bearer,  # noqa: F811
    consent,  # noqa: F811
    provider,
    settings,
):
    import datetime as dt

    from django.utils import timezone

    ingest(consent, provider, [sale(n, timezone.localdate() - dt.timedelta(days=n)) for n in range(3)])
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '1s'")  # what cdi/wsgi.py configures, shortened
    with separate_connection() as holder:
        holder.execute("LOCK TABLE providers_record IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = client.get(f"/api/v1/consents/{consent.pk}/records", **bearer)
        waited = time.monotonic() - started
    assert response.status_code == 503, response.content
    assert waited < 3
    response = client.get(f"/api/v1/consents/{consent.pk}/records", **bearer)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_the_web_process_sets_statement_and_lock_timeouts_on_postgresql():
    script = (
        "import json, cdi.wsgi; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "cdi.settings.test",
        "DATABASE_URL": "postgres://hub@127.0.0.1:5432/hub",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout.strip().splitlines()[-1])["options"]
    assert options == "-c statement_timeout=5000 -c lock_timeout=3000"

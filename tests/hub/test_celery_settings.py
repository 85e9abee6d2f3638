"""The Redis visibility timeout outlasts every message a worker may hold unacknowledged.

A task is acknowledged late, and a retry with a countdown waits inside the worker, unacknowledged;
Redis hands either to another worker once the visibility timeout passes. These tests hold the base
settings (what production runs) to that, whatever the suite's own settings shorten.
"""

import pytest

from banks import services as webhook_services
from cdi.celery import app
from cdi.settings import base


@pytest.fixture(scope="module")
def tasks() -> list:
    app.loader.import_default_modules()
    return [task for name, task in app.tasks.items() if not name.startswith("celery.")]


def test_the_broker_and_results_use_the_one_visibility_timeout():
    timeout = base.REDIS_VISIBILITY_TIMEOUT_SECONDS
    assert base.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == timeout
    assert base.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["visibility_timeout"] == timeout


def test_the_longest_webhook_retry_countdown_with_its_jitter_ends_before_the_visibility_timeout(settings, monkeypatch):
    settings.WEBHOOK_RETRY_BASE_SECONDS = base.WEBHOOK_RETRY_BASE_SECONDS
    settings.WEBHOOK_RETRY_MAX_SECONDS = base.WEBHOOK_RETRY_MAX_SECONDS
    # The jitter at its upper end.
    monkeypatch.setattr(webhook_services.random, "uniform", lambda low, high: high)
    longest = max(webhook_services.retry_delay(attempts) for attempts in range(1, base.WEBHOOK_MAX_ATTEMPTS + 1))
    assert longest >= base.WEBHOOK_RETRY_MAX_SECONDS
    # A margin for the attempt itself and a busy worker picking the retry up late.
    assert longest + 600 < base.REDIS_VISIBILITY_TIMEOUT_SECONDS


def test_the_longest_hard_time_limit_ends_before_the_visibility_timeout(tasks):
    limits = [task.time_limit or base.CELERY_TASK_TIME_LIMIT for task in tasks]
    assert "dossiers.build" in {task.name for task in tasks}
    assert max(limits) + 600 < base.REDIS_VISIBILITY_TIMEOUT_SECONDS


def test_the_longest_automatic_retry_backoff_ends_before_the_visibility_timeout(tasks):
    # Celery's own autoretry waits up to retry_backoff_max (600 s unless the task says otherwise).
    backoffs = [getattr(task, "retry_backoff_max", 600) for task in tasks if getattr(task, "autoretry_for", ())]
    assert backoffs
    assert max(backoffs) + 600 < base.REDIS_VISIBILITY_TIMEOUT_SECONDS

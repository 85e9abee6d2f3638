"""What /healthz checks: the database, the broker and the last worker heartbeat.

Any exception a check raises means that part is down: /healthz answers 503 naming the reason,
never 500, since it is what monitoring and load balancers ask first when something is wrong.
"""

import logging
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection

from hub.heartbeat import last_heartbeat, redis_client

logger = logging.getLogger(__name__)


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "up", "vendor": connection.vendor}


def _check_broker(client: redis.Redis) -> dict:
    client.ping()
    return {"status": "up"}


def _check_worker(client: redis.Redis) -> dict:
    beat = last_heartbeat(client)
    if beat is None:
        return {"status": "down", "last_heartbeat_seconds_ago": None}
    age = round(time.time() - beat, 1)
    alive = age <= settings.WORKER_HEARTBEAT_SECONDS * 3
    return {"status": "up" if alive else "down", "last_heartbeat_seconds_ago": age}


def _down(name: str, exc: Exception) -> dict:
    logger.warning("health check %s failed: %r", name, exc)
    return {"status": "down", "error": f"{type(exc).__name__}: {exc}"}


def _run(name: str, check: Callable[..., dict], *args: object) -> dict:
    try:
        return check(*args)
    except Exception as exc:
        return _down(name, exc)


def check_all() -> dict:
    checks = {"database": _run("database", _check_database)}
    try:
        client = redis_client(timeout=1.0)
    except Exception as exc:
        # A REDIS_URL that cannot even be turned into a client (a bad port, say).
        client, checks["broker"] = None, _down("broker", exc)
    else:
        checks["broker"] = _run("broker", _check_broker, client)
    if checks["broker"]["status"] == "up":
        checks["worker"] = _run("worker", _check_worker, client)
    else:
        # The heartbeat lives in the broker: with the broker away nothing can be said of the worker.
        checks["worker"] = {"status": "down", "last_heartbeat_seconds_ago": None}
    return checks

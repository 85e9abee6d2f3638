"""What /healthz checks: the database, the broker and the last worker heartbeat."""

import time

import redis
from django.conf import settings
from django.db import connection

from hub.heartbeat import last_heartbeat, redis_client


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": "down", "error": str(exc)}
    return {"status": "up", "vendor": connection.vendor}


def check_all() -> dict:
    checks = {"database": _check_database()}
    try:
        client = redis_client(timeout=1.0)
        client.ping()
        checks["broker"] = {"status": "up"}
        beat = last_heartbeat(client)
    except redis.RedisError as exc:
        checks["broker"] = {"status": "down", "error": str(exc)}
        beat = None
    if beat is None:
        checks["worker"] = {"status": "down", "last_heartbeat_seconds_ago": None}
    else:
        age = round(time.time() - beat, 1)
        alive = age <= settings.WORKER_HEARTBEAT_SECONDS * 3
        checks["worker"] = {"status": "up" if alive else "down", "last_heartbeat_seconds_ago": age}
    return checks

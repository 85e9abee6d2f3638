"""The worker's heartbeat: a timer in every worker writes the time to Redis."""

import logging
import time

import redis
from celery import bootsteps

HEARTBEAT_KEY = "cdi:worker-heartbeat"
logger = logging.getLogger(__name__)


def redis_client(timeout: float = 2.0) -> redis.Redis:
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)


def last_heartbeat(client: redis.Redis) -> float | None:
    value = client.get(HEARTBEAT_KEY)
    return float(value) if value is not None else None


class HeartbeatStep(bootsteps.StartStopStep):
    """Writes the worker's heartbeat from the worker's own timer, so it stops with the worker."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker) -> None:
        from django.conf import settings

        self.period = settings.WORKER_HEARTBEAT_SECONDS
        self.client = redis_client()
        self.beat()
        self.tref = worker.timer.call_repeatedly(self.period, self.beat, priority=10)

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()

    def beat(self) -> None:
        try:
            self.client.set(HEARTBEAT_KEY, repr(time.time()), ex=self.period * 3)
        except redis.RedisError as exc:
            # The broker being down is reported by /healthz; the worker carries on.
            logger.warning("worker heartbeat not written: %s", exc)

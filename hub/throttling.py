"""CDR-shaped rate limits: so many requests a second per OAuth client, and per business whose consent
a call reaches, whoever the caller.

Each limit is a counter per fixed window of ``API_RATE_WINDOW_SECONDS`` in Redis (a rate of 50 a
second over a two-second window allows 100 in it, so a client keeping to its rate with some jitter is
never refused); one pipelined round trip counts a request against every limit it falls under. Over a
limit the API answers 429 with Retry-After. Should Redis be unreachable the request goes through (and
the failure is logged): the limiter guards capacity, it must not take the API down with it.
"""

import logging
import math
import time

import redis
from django.conf import settings
from rest_framework.throttling import BaseThrottle

from consent.models import Consent
from hub.heartbeat import redis_client

logger = logging.getLogger(__name__)

_client: redis.Redis | None = None
# A consent's business never changes, so the mapping is kept for the life of the process.
_business_of_consent: dict[str, int] = {}
_REMEMBERED_CONSENTS = 100_000


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis_client(timeout=1.0)
    return _client


def business_of_consent(consent_id) -> int | None:
    key = str(consent_id)
    if key not in _business_of_consent:
        business_id = Consent.objects.filter(pk=consent_id).values_list("business_id", flat=True).first()
        if business_id is None:
            return None
        if len(_business_of_consent) >= _REMEMBERED_CONSENTS:
            _business_of_consent.clear()
        _business_of_consent[key] = business_id
    return _business_of_consent[key]


class ParticipantRateThrottle(BaseThrottle):
    """Limits per OAuth application (``API_RATE_PER_CLIENT``) and per business (``API_RATE_PER_BUSINESS``)."""

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if token is None or not getattr(token, "application_id", None):
            return True
        limits = [(f"client:{token.application_id}", settings.API_RATE_PER_CLIENT)]
        consent_id = view.kwargs.get("consent_id")
        if consent_id is not None:
            business_id = business_of_consent(consent_id)
            if business_id is not None:
                limits.append((f"business:{business_id}", settings.API_RATE_PER_BUSINESS))
        span = settings.API_RATE_WINDOW_SECONDS
        now = time.time()
        window = int(now // span)
        pipeline = _redis().pipeline(transaction=False)
        for name, _ in limits:
            key = f"cdi:rate:{name}:{window}"
            pipeline.incr(key)
            pipeline.expire(key, span + 1)
        try:
            counts = pipeline.execute()[::2]
        except redis.RedisError as exc:
            logger.warning("rate limiter unavailable, request let through: %s", exc)
            return True
        self.refused = [name for (name, rate), count in zip(limits, counts, strict=True) if count > rate * span]
        self.retry_in = (window + 1) * span - now
        return not self.refused

    def wait(self) -> float:
        # Whole seconds, as the Retry-After header carries them.
        return max(1, math.ceil(self.retry_in))

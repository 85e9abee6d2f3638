"""Fetching consented records from providers' Provider Data APIs over HTTP.

The provider call happens outside any database transaction. Errors are sorted: timeouts,
connection errors, 429 and 5xx are transient and retried with exponential backoff and full
jitter; other 4xx answers and malformed pages are permanent and end the session at once.
A bad record is set aside with its reason and its good neighbours are kept.
"""

import contextlib
import logging
import random
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import requests
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from redis.exceptions import RedisError

from consent.models import Consent
from providers.ingest import ConsentEnded, records_ingest
from providers.models import FetchSession
from providers.services import fetcher_credentials

logger = logging.getLogger(__name__)


def _lease() -> timedelta:
    """How long a session is held without progress before another worker may take it over (a worker
    killed mid-fetch): longer than one page with all its retries, renewed after every page."""
    return timedelta(seconds=settings.FETCH_LEASE_SECONDS)


TOKEN_CACHE_KEY = "fetcher-access-token"  # noqa: S105 - a cache key, not a secret


# The longest a provider's Retry-After is waited for before the next try: a few of these, with the read
# timeouts, must stay well inside a session's lease.
MAX_RETRY_AFTER_SECONDS = 30.0


class TransientFetchError(Exception):
    """The provider may answer later; ``retry_after``, when the provider said, is how much later (seconds)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFetchError(Exception):
    """Asking again will not help."""


class TokenRejected(PermanentFetchError):
    """The provider refused the fetcher's token: a new token may help once."""


def caps_problem(consent: Consent, provider_id: int, category: str, at=None) -> str | None:
    """Why the purpose does not allow fetching now, or None. Checked when planning and again before fetching."""
    at = at or timezone.now()
    spec = consent.purpose_spec
    if reason := consent.not_live_reason(at):
        return f"{reason}, not live"
    if consent.date_from < consent.date_to - relativedelta(months=spec.max_data_months):
        return f"the purpose {consent.purpose} allows at most {spec.max_data_months} months of data"
    if category not in spec.categories:
        return f"the purpose {consent.purpose} does not cover {category}"
    done = (
        FetchSession.objects.filter(
            consent=consent, provider_id=provider_id, category=category, status__in=["completed", "partial"]
        )
        .order_by("-finished_at")
        .first()
    )
    if done is None:
        return None
    if not spec.is_periodic:
        return f"the purpose {consent.purpose} allows one fetch, done at {done.finished_at.isoformat()}"
    if at - done.finished_at < spec.min_fetch_interval:
        return f"the purpose {consent.purpose} allows a fetch once every {spec.min_fetch_interval}"
    return None


def fetch_plan(*, consent: Consent) -> list[FetchSession]:
    """The consent's sessions: the open or fresh one per (provider, category), new ones where caps allow."""
    from providers.tasks import fetch_run

    sessions = []
    # Providers without an API push their records instead: there is nothing to fetch from them.
    for provider in consent.providers.filter(status="active").exclude(api_base=""):
        for category in sorted(set(consent.data_categories) & set(provider.data_categories)):
            existing = (
                FetchSession.objects.filter(consent=consent, provider=provider, category=category)
                .filter(Q(status__in=["pending", "running"]) | Q(status__in=["completed", "partial"]))
                .order_by("-created_at")
                .first()
            )
            if caps_problem(consent, provider.pk, category) and existing is not None:
                sessions.append(existing)
                continue
            if existing is not None and existing.status in ("pending", "running"):
                sessions.append(existing)
                continue
            try:
                with transaction.atomic():
                    session = FetchSession.objects.create(consent=consent, provider=provider, category=category)
            except IntegrityError:
                # Another planner opened it a moment ago.
                sessions.append(
                    FetchSession.objects.get(
                        consent=consent, provider=provider, category=category, status__in=["pending", "running"]
                    )
                )
                continue
            fetch_run.delay_on_commit(session.pk)
            sessions.append(session)
    return sessions


def fetch_sessions_stalled() -> list[int]:
    """Sessions no worker is fetching: pending and not taken up for a while, or running with their lease run
    out. A lost broker message, a task that gave up waiting for a provider slot, or a worker killed outright
    leaves these behind."""
    now = timezone.now()
    forgotten = now - timedelta(seconds=settings.STALLED_AFTER_SECONDS)
    # Every claim stamps started_at, also one that found the provider's slots busy and put the session back.
    stalled = Q(status=FetchSession.Status.PENDING, taken_up_at__lt=forgotten) | Q(
        status=FetchSession.Status.RUNNING, lease_until__lt=now
    )
    sessions = FetchSession.objects.alias(taken_up_at=Coalesce("started_at", "created_at")).filter(stalled)
    return list(sessions.values_list("pk", flat=True))


def _claim(session_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status="pending") | Q(status="running", lease_until__lt=now)
    return (
        FetchSession.objects.filter(claimable, pk=session_id).update(
            status="running", lease_until=now + _lease(), started_at=now
        )
        == 1
    )


def _finish(session: FetchSession, status: str, error: str = "") -> FetchSession:
    session.status, session.error, session.finished_at, session.lease_until = status, error[:2000], timezone.now(), None
    session.save(update_fields=["status", "error", "finished_at", "lease_until", "attempts"])
    return session


def fetcher_token(*, refresh: bool = False) -> str:
    """A client-credentials token from the hub's own /o/token/, over HTTP, cached until near its expiry."""
    token = None if refresh else cache.get(TOKEN_CACHE_KEY)
    if token:
        return token
    client_id, secret = fetcher_credentials()
    answer = requests.post(
        f"{settings.HUB_BASE_URL}/o/token/",
        data={"grant_type": "client_credentials", "scope": "fetch"},
        auth=(client_id, secret),
        timeout=(settings.FETCH_CONNECT_TIMEOUT, 10),
    )
    answer.raise_for_status()
    body = answer.json()
    cache.set(TOKEN_CACHE_KEY, body["access_token"], timeout=max(30, body["expires_in"] - 60))
    return body["access_token"]


def _get_page(session: FetchSession, token: str) -> tuple[dict, float]:
    consent = session.consent
    params = {
        "brn": consent.business.brn,
        "category": session.category,
        "from": consent.date_from.isoformat(),
        "to": consent.date_to.isoformat(),
        "limit": settings.FETCH_PAGE_SIZE,
    }
    if session.next_cursor:
        params["cursor"] = session.next_cursor
    started = time.monotonic()
    try:
        answer = requests.get(
            f"{session.provider.api_base}/records",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=(settings.FETCH_CONNECT_TIMEOUT, settings.FETCH_READ_TIMEOUT),
        )
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientFetchError(f"{type(exc).__name__}: {exc}") from None
    elapsed = time.monotonic() - started
    if answer.status_code == 429 or answer.status_code >= 500:
        raise TransientFetchError(f"HTTP {answer.status_code} from the provider", _retry_after(answer))
    if answer.status_code == 401:
        raise TokenRejected(f"HTTP 401 from the provider: {answer.text[:300]}")
    if answer.status_code != 200:
        raise PermanentFetchError(f"HTTP {answer.status_code} from the provider: {answer.text[:300]}")
    try:
        body = answer.json()
    except ValueError:
        raise PermanentFetchError("the provider's answer is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise PermanentFetchError("the provider's answer has no records list")
    return body, elapsed


def _retry_after(answer: requests.Response) -> float | None:
    """The seconds a 429 or 5xx answer's Retry-After header asks for (RFC 9110: seconds or an HTTP date)."""
    value = answer.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds()) if when.tzinfo else None


def _renew_slot(slot: str, seconds: float) -> None:
    """Keeps the provider slot ``seconds`` longer. The slot only paces calls to the provider: if Redis is away
    for a moment the fetch goes on, and at worst one more fetch may call the provider meanwhile."""
    try:
        cache.touch(slot, int(seconds) + 1)
    except RedisError as exc:
        logger.warning("could not renew provider slot %s: %s", slot, exc)


def _hold(session: FetchSession, slot: str, seconds: float) -> None:
    """Keeps the session's lease and its provider slot for ``seconds`` more than a lease from now, so a
    wait (a retry's backoff, a provider's Retry-After) never lets another worker take the session over."""
    session.lease_until = timezone.now() + _lease() + timedelta(seconds=seconds)
    FetchSession.objects.filter(pk=session.pk).update(lease_until=session.lease_until)
    _renew_slot(slot, settings.FETCH_LEASE_SECONDS + seconds)


def _get_page_with_retries(session: FetchSession, token: str, slot: str) -> tuple[dict, float]:
    for attempt in range(settings.FETCH_MAX_RETRIES + 1):
        session.attempts += 1
        try:
            return _get_page(session, token)
        except TransientFetchError as exc:
            if attempt == settings.FETCH_MAX_RETRIES:
                raise
            delay = random.uniform(0, settings.FETCH_RETRY_BASE_SECONDS * 2**attempt)  # noqa: S311 - jitter
            if exc.retry_after is not None:
                # The provider said when to come back: not before then, within reason.
                delay = max(delay, min(exc.retry_after, MAX_RETRY_AFTER_SECONDS))
            logger.info("fetch session %s: %s; retrying in %.1fs", session.pk, exc, delay)
            _hold(session, slot, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _acquire_slot(provider_id: int, session_id: int) -> str | None:
    for slot in range(settings.FETCH_PROVIDER_CONCURRENCY):
        key = f"fetch-slot:{provider_id}:{slot}"
        if cache.add(key, session_id, timeout=settings.FETCH_LEASE_SECONDS):
            return key
    return None


def fetch_run(*, session_id: int) -> FetchSession | None:
    """Runs one session to its end. Returns None when it was not claimable or must wait for a slot."""
    if not _claim(session_id):
        return None
    session = FetchSession.objects.select_related("consent__business", "provider").get(pk=session_id)
    problem = caps_problem(session.consent, session.provider_id, session.category)
    if problem:
        return _finish(session, FetchSession.Status.FAILED, f"not fetched: {problem}")
    try:
        slot = _acquire_slot(session.provider_id, session_id)
    except RedisError as exc:
        raise _back_to_pending(session_id, exc) from exc
    if slot is None:
        FetchSession.objects.filter(pk=session_id).update(status="pending", lease_until=None)
        raise TransientFetchError("the provider's concurrency limit is reached")
    try:
        return _run_pages(session, slot)
    except (OperationalError, RedisError) as exc:
        raise _back_to_pending(session_id, exc) from exc
    except Exception as exc:
        # Whatever went wrong, the session ends with its reason instead of hanging in "running". The pages it
        # stored are kept, so once there are any it is partial.
        logger.exception("fetch session %s failed", session_id)
        status = FetchSession.Status.PARTIAL if session.accepted else FetchSession.Status.FAILED
        return _finish(session, status, f"internal error: {type(exc).__name__}: {exc}")
    finally:
        # Released, or, with Redis away, left to lapse with its lease.
        with contextlib.suppress(RedisError):
            cache.delete(slot)


def _back_to_pending(session_id: int, exc: Exception) -> TransientFetchError:
    """The database or Redis (the provider slots, the fetcher's token) is away for now: a lock held past the
    lock timeout, a restart. The session goes back to pending, keeping the pages it stored, and its task
    tries again from the cursor."""
    logger.warning("fetch session %s: database or Redis unavailable, will retry: %s", session_id, exc)
    FetchSession.objects.filter(pk=session_id).update(status="pending", lease_until=None)
    return TransientFetchError(f"database or Redis unavailable: {exc}")


def _run_pages(session: FetchSession, slot: str) -> FetchSession:
    latencies: list[float] = []
    token = fetcher_token()
    renewed = False
    while True:
        try:
            body, elapsed = _get_page_with_retries(session, token, slot)
        except TokenRejected:
            if renewed:
                return _finish(session, FetchSession.Status.FAILED, "the provider refuses the hub's token")
            # A cached token can be revoked or expire early: ask /o/token/ for a new one, once.
            token, renewed = fetcher_token(refresh=True), True
            continue
        except (TransientFetchError, PermanentFetchError) as exc:
            status = FetchSession.Status.PARTIAL if session.accepted else FetchSession.Status.FAILED
            return _finish(session, status, str(exc))
        latencies.append(elapsed)
        try:
            result = records_ingest(
                consent=session.consent,
                provider=session.provider,
                category=session.category,
                records=body["records"],
                offset=session.accepted + session.rejected,
            )
        except ConsentEnded as exc:
            # Revoked or expired mid-fetch: what was stored before goes with the consent's purge.
            return _finish(session, FetchSession.Status.FAILED, str(exc))
        session.accepted += result.accepted
        session.rejected += result.rejected
        session.rejections = (session.rejections + result.rejections)[:100]
        session.pages += 1
        session.next_cursor = body.get("next_cursor") or ""
        session.latency_ms = int(1000 * sum(latencies) / len(latencies))
        session.lease_until = timezone.now() + _lease()
        session.save(
            update_fields=[
                "accepted",
                "rejected",
                "rejections",
                "pages",
                "next_cursor",
                "latency_ms",
                "lease_until",
                "attempts",
            ]
        )
        # The provider slot lapses as the lease does, so it is renewed with it.
        _renew_slot(slot, settings.FETCH_LEASE_SECONDS)
        if not session.next_cursor:
            break
    if session.rejected:
        return _finish(session, FetchSession.Status.PARTIAL, f"{session.rejected} record(s) rejected by the schema")
    return _finish(session, FetchSession.Status.COMPLETED)

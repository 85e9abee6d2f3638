"""The fetcher against a provider on a real local HTTP server that answers from a script: which answers are
retried and which end the session, what it asks for, and how many calls one provider gets at once."""

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.utils import timezone

from consent import services
from participants.services import participant_register
from providers import fetcher
from providers.models import FetchSession, Record
from tests.providers.helpers import sale


def page(*numbers: int, next_cursor: str | None = None) -> tuple[int, dict, dict]:
    return 200, {}, {"records": [sale(n) for n in numbers], "next_cursor": next_cursor}


class ScriptedProvider:
    """A Provider Data API on localhost: each call gets the script's next answer (the last one repeats),
    after ``delay`` seconds. It keeps each call's query and counts the calls in flight at once."""

    def __init__(self, answers: list[tuple[int, dict, dict]], delay: float = 0.0, on_call=None) -> None:
        self.answers, self.delay, self.on_call = list(answers), delay, on_call
        self.queries: list[dict] = []
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider._answer(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cdi"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.queries.append({k: v[0] for k, v in parse_qs(urlparse(request.path).query).items()})
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            status, headers, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if self.on_call:
            self.on_call()
        time.sleep(self.delay)
        with self._lock:
            self.in_flight -= 1
        payload = json.dumps(body).encode()
        request.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted(monkeypatch):
    """Makes a scripted provider; the fetcher's own token comes from the hub in every other test."""
    monkeypatch.setattr(fetcher, "fetcher_token", lambda **kwargs: "a-token")
    made = []

    def make(answers, **kwargs) -> ScriptedProvider:
        made.append(ScriptedProvider(answers, **kwargs))
        return made[-1]

    yield make
    for server in made:
        server.close()


def register(url: str, categories: list[str], name: str = "Scripted Shop"):
    return participant_register(kind="provider", name=name, data_categories=categories, api_base=url).participant


def consent_for(make_consent, sme, provider, categories: list[str]):
    consent = make_consent(data_categories=categories, providers=[provider.slug])
    return services.consent_authorise(consent=consent, user=sme.owner)


def session_for(consent, provider, category: str = "sales") -> FetchSession:
    return FetchSession.objects.create(consent=consent, provider=provider, category=category)


@pytest.mark.django_db
def test_a_429_is_retried_no_sooner_than_its_retry_after_asks(scripted, make_consent, sme):
    provider = scripted([(429, {"Retry-After": "1"}, {"error": "slow down"}), page(1, 2)])
    shop = register(provider.url, ["sales"])
    session = session_for(consent_for(make_consent, sme, shop, ["sales"]), shop)
    started = time.monotonic()
    finished = fetcher.fetch_run(session_id=session.pk)
    assert time.monotonic() - started >= 1.0
    assert (finished.status, finished.attempts, finished.accepted) == ("completed", 2, 2)
    assert len(provider.queries) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 403, 404, 410, 422])
def test_any_other_4xx_ends_the_session_at_once(scripted, make_consent, sme, status):
    provider = scripted([(status, {}, {"error": "no"}), page(1)])
    shop = register(provider.url, ["sales"])
    session = session_for(consent_for(make_consent, sme, shop, ["sales"]), shop)
    finished = fetcher.fetch_run(session_id=session.pk)
    assert (finished.status, finished.attempts) == ("failed", 1)
    assert f"HTTP {status}" in finished.error
    assert len(provider.queries) == 1


@pytest.mark.django_db
def test_an_unexpected_error_after_stored_pages_ends_the_session_partial(scripted, make_consent, sme, monkeypatch):
    provider = scripted([page(1, 2, next_cursor="2"), page(3, 4)])
    shop = register(provider.url, ["sales"])
    session = session_for(consent_for(make_consent, sme, shop, ["sales"]), shop)
    real_ingest, calls = fetcher.records_ingest, []

    def fails_on_the_second_page(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("a bug")
        return real_ingest(**kwargs)

    monkeypatch.setattr(fetcher, "records_ingest", fails_on_the_second_page)
    finished = fetcher.fetch_run(session_id=session.pk)
    assert (finished.status, finished.accepted) == ("partial", 2)
    assert "RuntimeError: a bug" in finished.error
    assert Record.objects.filter(consent=session.consent).count() == 2


@pytest.mark.django_db
def test_a_fetch_asks_only_for_the_consents_categories_and_dates(scripted, make_consent, sme):
    provider = scripted([page()])
    # Like LedgerLeaf: invoices and the company profile; the consent names invoices only.
    ledger = register(provider.url, ["invoices", "profile"], name="Ledger")
    consent = consent_for(make_consent, sme, ledger, ["invoices"])
    sessions = fetcher.fetch_plan(consent=consent)
    assert [(s.provider_id, s.category) for s in sessions] == [(ledger.pk, "invoices")]
    for session in sessions:
        fetcher.fetch_run(session_id=session.pk)
    assert [q["category"] for q in provider.queries] == ["invoices"]
    assert provider.queries[0] | {"limit": None} == {
        "brn": sme.brn,
        "category": "invoices",
        "from": consent.date_from.isoformat(),
        "to": consent.date_to.isoformat(),
        "limit": None,
    }


@pytest.mark.django_db
def test_a_wait_longer_than_the_lease_keeps_the_session_and_its_slot(scripted, make_consent, sme, settings):
    settings.FETCH_LEASE_SECONDS = 1
    seen = []
    provider = scripted(
        [(429, {"Retry-After": "2"}, {"error": "slow down"}), page(1, 2)],
        on_call=lambda: seen.append(
            (fetcher.fetch_sessions_stalled(), cache.get(f"fetch-slot:{shop.pk}:0") is not None)
        ),
    )
    shop = register(provider.url, ["sales"])
    session = session_for(consent_for(make_consent, sme, shop, ["sales"]), shop)
    finished = fetcher.fetch_run(session_id=session.pk)
    assert (finished.status, finished.accepted) == ("completed", 2)
    # On the second call, after waiting 2 s under a 1 s lease, the session was still held, and its slot too.
    assert seen[1] == ([], True)


@pytest.mark.django_db
def test_the_provider_slot_is_renewed_with_every_page(scripted, make_consent, sme, settings):
    settings.FETCH_LEASE_SECONDS = 2
    held = []
    answers = [page(n, next_cursor=str(n)) for n in range(1, 5)] + [page(5)]
    provider = scripted(answers, delay=0.7, on_call=lambda: held.append(cache.get(slot_key) is not None))
    shop = register(provider.url, ["sales"])
    slot_key = f"fetch-slot:{shop.pk}:0"
    session = session_for(consent_for(make_consent, sme, shop, ["sales"]), shop)
    finished = fetcher.fetch_run(session_id=session.pk)
    # Five pages take longer than the slot's lifetime of 2 s: it is still held on the last one.
    assert (finished.status, finished.pages) == ("completed", 5)
    assert held == [True] * 5
    assert cache.get(slot_key) is None


@pytest.mark.django_db(transaction=True)
def test_no_more_than_the_providers_limit_of_fetches_call_it_at_once(scripted, make_consent, sme, bank_a, settings):
    settings.FETCH_PROVIDER_CONCURRENCY = 2
    provider = scripted([page(1)], delay=0.5)
    shop = register(provider.url, ["sales"])
    sessions = [session_for(consent_for(make_consent, sme, shop, ["sales"]), shop) for _ in range(4)]
    for key in (f"fetch-slot:{shop.pk}:{slot}" for slot in range(2)):
        cache.delete(key)
    waited = []

    def run(session_id: int) -> None:
        from django.db import connection

        try:
            while True:
                try:
                    fetcher.fetch_run(session_id=session_id)
                    return
                except fetcher.TransientFetchError:
                    # Both slots taken: the session went back to pending, for the task's retry to find it.
                    waited.append(session_id)
                    time.sleep(0.2)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(s.pk,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert provider.most_in_flight == 2
    assert waited
    assert set(FetchSession.objects.filter(pk__in=[s.pk for s in sessions]).values_list("status", flat=True)) == {
        "completed"
    }


@pytest.mark.django_db
def test_a_retry_after_given_as_a_date_is_honoured_within_reason(scripted):
    class Answer:
        def __init__(self, value: str) -> None:
            self.headers = {"Retry-After": value}

    soon = (timezone.now() + dt.timedelta(seconds=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 1.0 <= fetcher._retry_after(Answer(soon)) <= 3.0
    assert fetcher._retry_after(Answer("120")) == 120.0
    assert fetcher._retry_after(Answer("soon")) is None
    assert fetcher._retry_after(Answer("")) is None


@pytest.mark.django_db
def test_redis_away_mid_fetch_neither_fails_the_session_nor_loses_its_pages(scripted, make_consent, sme, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    provider = scripted([page(1, next_cursor="1"), page(2)])
    shop = register(provider.url, ["sales"])
    session = session_for(consent_for(make_consent, sme, shop, ["sales"]), shop)

    def away(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    # Redis goes away after the slot was taken: renewing and releasing the slot fail, the pages go on.
    monkeypatch.setattr(fetcher.cache, "touch", away)
    monkeypatch.setattr(fetcher.cache, "delete", away)
    finished = fetcher.fetch_run(session_id=session.pk)
    assert (finished.status, finished.pages, finished.accepted) == ("completed", 2, 2)

    # Away before a slot could be taken: the session waits, pending, for the task's next try.
    waiting = session_for(consent_for(make_consent, sme, shop, ["sales"]), shop)
    monkeypatch.setattr(fetcher.cache, "add", away)
    with pytest.raises(fetcher.TransientFetchError, match="Redis unavailable"):
        fetcher.fetch_run(session_id=waiting.pk)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.accepted) == ("pending", 0)

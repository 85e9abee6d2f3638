"""CDR-shaped rate limits: per OAuth client and per business, 429 with Retry-After, then served again."""

import pytest

from consent import services
from hub import throttling
from tests.conftest import obtain_token

START = 1_900_000_000.5  # a fixed clock: half a second into a two-second window


@pytest.fixture
def clock(monkeypatch, settings):
    settings.API_RATE_WINDOW_SECONDS = 2
    throttling._redis().delete(*throttling._redis().keys("cdi:rate:*") or ["-"])
    now = {"t": START}
    monkeypatch.setattr(throttling.time, "time", lambda: now["t"])
    return now


def get(client, path: str, token: str):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_client_over_its_rate_gets_429_with_retry_after_until_the_window_passes(client, bank_a, clock, settings):
    settings.API_RATE_PER_CLIENT = 3
    token = obtain_token(client, bank_a, scope="consents")["access_token"]
    answers = [get(client, "/api/v1/consents", token) for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 6 + [429] * 2
    refused = answers[-1]
    assert refused["Retry-After"] == "2"  # 1.5 s left in the window, rounded up
    assert refused.json()["error"] == "rate_limited"
    clock["t"] += 2
    assert get(client, "/api/v1/consents", token).status_code == 200


def test_one_clients_limit_leaves_another_client_alone(client, bank_a, bank_b, clock, settings):
    settings.API_RATE_PER_CLIENT = 2
    token_a = obtain_token(client, bank_a, scope="consents")["access_token"]
    token_b = obtain_token(client, bank_b, scope="consents")["access_token"]
    for _ in range(4):
        assert get(client, "/api/v1/consents", token_a).status_code == 200
    assert get(client, "/api/v1/consents", token_a).status_code == 429
    assert get(client, "/api/v1/consents", token_b).status_code == 200


def test_calls_reaching_one_business_are_limited_across_consents(client, bank_a, sme, make_consent, clock, settings):
    settings.API_RATE_PER_BUSINESS = 2
    first = services.consent_authorise(consent=make_consent(), user=sme.owner)
    second = services.consent_authorise(consent=make_consent(), user=sme.owner)
    token = obtain_token(client, bank_a, scope="consents data")["access_token"]
    paths = [f"/api/v1/consents/{first.pk}", f"/api/v1/consents/{second.pk}/records"] * 2
    assert [get(client, path, token).status_code for path in paths] == [200, 200, 200, 200]
    assert get(client, f"/api/v1/consents/{second.pk}", token).status_code == 429
    # Calls that reach no business's consent count against the client only.
    assert get(client, "/api/v1/consents", token).status_code == 200


def test_the_api_keeps_serving_when_the_limiter_cannot_reach_redis(client, bank_a, clock, settings, monkeypatch):
    settings.API_RATE_PER_CLIENT = 1
    monkeypatch.setattr(throttling, "_client", throttling.redis.Redis(port=1, socket_connect_timeout=0.2))
    token = obtain_token(client, bank_a, scope="consents")["access_token"]
    assert [get(client, "/api/v1/consents", token).status_code for _ in range(4)] == [200] * 4

import pytest

from hub.tasks import ping


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_is_run_by_a_real_worker(celery_worker):
    result = ping.delay()
    assert result.get(timeout=30)["pong"] is True


@pytest.mark.django_db(transaction=True)
def test_healthz_is_200_with_the_database_broker_and_worker_up(client, celery_worker):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["database"]["status"] == "up"
    assert body["broker"]["status"] == "up"
    assert body["worker"]["last_heartbeat_seconds_ago"] < 10


def test_healthz_is_503_when_the_broker_is_down(client, db, settings):
    # Port 9 (discard) is not listening: the broker is unreachable.
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["status"] == "down"


def test_healthz_is_503_naming_the_reason_when_the_broker_url_has_a_bad_port(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:notaport/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["status"] == "down"
    assert "ValueError" in body["broker"]["error"]
    assert body["worker"]["status"] == "down"
    assert body["database"]["status"] == "up"


def test_healthz_is_503_when_a_check_raises_anything(client, db, monkeypatch):
    from hub import health

    def garbled(client) -> float:
        raise ValueError("could not convert string to float: b'garbage'")

    monkeypatch.setattr(health, "last_heartbeat", garbled)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["status"] == "up"
    assert response.json()["worker"]["status"] == "down"
    assert response.json()["worker"]["error"].startswith("ValueError: could not convert")

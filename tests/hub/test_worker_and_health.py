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

import threading

import pytest

from consent import services
from hub.models import ServiceCredential
from providers import fetcher
from providers.models import FetchSession
from providers.services import fetcher_credentials


@pytest.mark.django_db(transaction=True)
def test_workers_asking_at_once_share_one_fetcher_client():
    answers, errors = [], []

    def ask() -> None:
        from django.db import connection

        try:
            answers.append(fetcher_credentials())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    racers = [threading.Thread(target=ask) for _ in range(4)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert errors == []
    assert len(set(answers)) == 1
    assert ServiceCredential.objects.filter(name="hub-fetcher").count() == 1


def test_an_unexpected_error_ends_the_session_with_its_reason(make_consent, sme, provider, monkeypatch):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    session = FetchSession.objects.create(consent=consent, provider=provider.participant, category="sales")

    def broken_token(**kwargs):
        raise RuntimeError("the token endpoint is misconfigured")

    monkeypatch.setattr(fetcher, "fetcher_token", broken_token)
    finished = fetcher.fetch_run(session_id=session.pk)
    assert finished.status == "failed"
    assert "misconfigured" in finished.error
    assert finished.lease_until is None

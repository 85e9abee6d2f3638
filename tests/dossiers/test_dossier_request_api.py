"""POST /api/v1/consents/{id}/dossiers with an Idempotency-Key: a retried request gets the same dossier."""

import pytest

from audit.models import AuditEntry
from consent import services
from dossiers.models import Dossier
from tests.conftest import obtain_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


@pytest.fixture
def ask(client, bank_a):
    token = obtain_token(client, bank_a)["access_token"]

    def ask(consent, key: str | None = None, bearer: str | None = None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer or token}"}
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return client.post(f"/api/v1/consents/{consent.pk}/dossiers", content_type="application/json", **headers)

    return ask


def test_without_a_key_each_request_is_a_new_dossier(ask, consent):
    first, second = ask(consent), ask(consent)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] != second.json()["id"]
    assert Dossier.objects.count() == 2


def test_the_same_key_answers_the_same_dossier_again(ask, consent):
    first = ask(consent, key="loan-4711-dossier")
    again = ask(consent, key="loan-4711-dossier")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert Dossier.objects.count() == 1
    assert AuditEntry.objects.filter(action="dossier.requested").count() == 1
    assert ask(consent, key="loan-4712-dossier").json()["id"] != first.json()["id"]


def test_the_same_key_serves_nothing_once_the_consent_is_revoked(ask, consent, sme):
    ask(consent, key="k1")
    services.consent_revoke(consent=consent, user=sme.owner)
    again = ask(consent, key="k1")
    assert (again.status_code, again.json()["error"]) == (403, "consent_not_live")
    assert Dossier.objects.count() == 1


def test_the_same_key_answering_a_built_dossier_is_a_read_in_the_smes_access_history(ask, consent):
    from django.utils import timezone

    from consent.models import AccessEvent

    first = ask(consent, key="k1").json()
    Dossier.objects.filter(pk=first["id"]).update(
        status="ready", progress=1.0, generated_at=timezone.now(), signature="x.y.z", sources=[{"records": 3}]
    )
    again = ask(consent, key="k1")
    assert (again.status_code, again.json()["status"]) == (202, "ready")
    assert list(AccessEvent.objects.filter(consent=consent).values_list("kind", "record_count")) == [("dossier", 3)]


def test_the_same_key_with_another_consent_is_refused(ask, consent, make_consent, sme):
    other = services.consent_authorise(consent=make_consent(), user=sme.owner)
    first = ask(consent, key="k1")
    refused = ask(other, key="k1")
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "idempotency_key_reused"
    assert first.json()["id"] in body["detail"] and str(consent.pk) in body["detail"]
    assert Dossier.objects.count() == 1


def test_keys_are_per_bank(ask, client, consent, bank_b, make_consent, sme):
    theirs = services.consent_authorise(consent=make_consent(bank=bank_b), user=sme.owner)
    token_b = obtain_token(client, bank_b)["access_token"]
    mine = ask(consent, key="shared-key")
    other = ask(theirs, key="shared-key", bearer=token_b)
    assert other.status_code == 202
    assert other.json()["id"] != mine.json()["id"]


@pytest.mark.parametrize("key", ["x" * 256, "caf\u00e9", "   "])
def test_a_malformed_key_is_refused_naming_the_header(ask, consent, key):
    refused = ask(consent, key=key)
    assert refused.status_code == 400
    assert "Idempotency-Key" in refused.json()["fields"]
    assert not Dossier.objects.exists()


def test_two_requests_with_the_same_key_at_once_make_one_dossier(consent, bank_a, monkeypatch):
    from dossiers import services as dossier_services

    first = dossier_services.dossier_request(consent=consent, bank=bank_a.participant, idempotency_key="k1")
    looked_up = []
    real_by_key = dossier_services._by_key

    def not_yet_committed(**kwargs):
        # The other request has not committed when this one looks, only when it inserts.
        looked_up.append(kwargs)
        return None if len(looked_up) == 1 else real_by_key(**kwargs)

    monkeypatch.setattr(dossier_services, "_by_key", not_yet_committed)
    second = dossier_services.dossier_request(consent=consent, bank=bank_a.participant, idempotency_key="k1")
    assert second.pk == first.pk
    assert len(looked_up) == 2
    assert Dossier.objects.count() == 1
    assert AuditEntry.objects.filter(action="dossier.requested").count() == 1

"""A consent that ends while its records are on their way: nothing more is stored, and the fetch says why."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from consent import services
from providers.ingest import ConsentEnded, records_ingest, records_push
from providers.models import FetchSession, Record
from tests.conftest import separate_connection
from tests.providers.helpers import authorised_consent, sale, wait_for_sessions, wait_until


@pytest.mark.django_db(transaction=True)
def test_a_consent_revoked_mid_fetch_keeps_nothing_and_its_session_says_why(celery_worker, sandboxes, bank_a, sme):
    _, sandbox = sandboxes["shoplane"]
    sandbox.faults = {sme.brn: "slow"}
    sandbox.save()
    # A year of sales for this brn is several pages, each answered slowly: time to revoke between them.
    consent = authorised_consent(bank_a, sme, ["sales"], months=12)
    wait_until(lambda: FetchSession.objects.filter(consent=consent, pages__gte=1).exists())
    assert Record.objects.filter(consent=consent).exists()
    services.consent_revoke(consent=consent, user=sme.owner)

    (session,) = wait_for_sessions(consent, expected=1)
    wait_until(lambda: AuditEntry.objects.filter(action="consent.data_purged", object_id=str(consent.pk)).exists())
    assert session.status == "failed"
    assert "the consent is revoked, no longer live" in session.error
    # It stopped before the provider's last page.
    assert session.next_cursor
    assert not Record.objects.filter(consent=consent).exists()


@pytest.mark.django_db
def test_a_page_for_a_consent_that_has_ended_is_refused_whole(make_consent, sme, provider):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    services.consent_revoke(consent=consent, user=sme.owner)
    with pytest.raises(ConsentEnded, match="the consent is revoked"):
        records_ingest(consent=consent, provider=provider.participant, category="sales", records=[sale(1)])
    assert not Record.objects.exists()


@pytest.mark.django_db
def test_a_page_for_a_consent_past_its_expiry_is_refused_before_the_sweep_expires_it(make_consent, sme, provider):
    from consent.models import Consent

    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    Consent.objects.filter(pk=consent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(ConsentEnded, match="past its expiry"):
        records_ingest(consent=consent, provider=provider.participant, category="sales", records=[sale(1)])
    assert not Record.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: the suite's PostgreSQL pass")
def test_a_page_stored_while_a_revocation_holds_the_consent_waits_for_it_and_is_refused(make_consent, sme, provider):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    with CaptureQueriesContext(connection) as queries:
        paused = services.consent_pause(consent=consent, user=sme.owner)
    services.consent_resume(consent=paused, user=sme.owner)
    lock = next(q["sql"] for q in queries.captured_queries if "FOR" in q["sql"] and "UPDATE" in q["sql"])
    with separate_connection() as revocation:
        # A revocation under way in another transaction: the transition's own lock, then its change.
        revocation.execute(lock)
        revocation.execute(
            "UPDATE consent_consent SET status = 'revoked', revoked_at = now(), revoked_by = 'sme' WHERE id = %s",
            [consent.pk],
        )
        threading.Timer(0.5, revocation.commit).start()
        with pytest.raises(ConsentEnded, match="the consent is revoked"):
            records_ingest(consent=consent, provider=provider.participant, category="sales", records=[sale(1)])
    assert not Record.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: the suite's PostgreSQL pass")
def test_a_push_while_a_revocation_holds_the_consent_waits_for_it_and_is_rejected(make_consent, sme, provider):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    with separate_connection() as revocation:
        revocation.execute("SELECT id FROM consent_consent WHERE id = %s FOR NO KEY UPDATE", [consent.pk])
        revocation.execute(
            "UPDATE consent_consent SET status = 'revoked', revoked_at = now(), revoked_by = 'sme' WHERE id = %s",
            [consent.pk],
        )
        threading.Timer(0.5, revocation.commit).start()
        result = records_push(provider=provider.participant, records=[sale(1, business_brn=sme.brn, category="sales")])
    assert (result.accepted, result.rejected) == (0, 1)
    assert "no live consent" in result.rejections[0]["reason"]
    assert not Record.objects.exists()

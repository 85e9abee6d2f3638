"""A consent changing state locks its own row only, in a mode that lets rows referring to it be written."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consent import services
from dossiers.models import Dossier
from tests.conftest import separate_connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: the suite's PostgreSQL pass"),
]


def test_writes_that_refer_to_the_bank_and_the_consent_go_on_while_a_transition_holds_its_lock(
    make_consent, sme, bank_a
):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    with CaptureQueriesContext(connection) as queries:
        services.consent_pause(consent=consent, user=sme.owner)
    lock = next(q["sql"] for q in queries.captured_queries if "FOR" in q["sql"] and "UPDATE" in q["sql"])
    with separate_connection() as holder:
        holder.execute(lock)  # the transition's own lock, held open in another transaction
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        # A new dossier refers to the consent and the bank; its foreign-key checks need a share lock on both.
        Dossier.objects.create(consent=consent, bank=bank_a.participant)
    assert Dossier.objects.filter(consent=consent).count() == 1

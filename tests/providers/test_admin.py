"""The operator's view of fetch sessions and records in the admin: look, never touch."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from consent import services
from providers.ingest import records_ingest
from providers.models import FetchSession, Record

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = get_user_model().objects.create_superuser(username="op", password="op-password-123")
    client.force_login(staff)
    return client


@pytest.fixture
def consent(make_consent, sme):
    return services.consent_authorise(consent=make_consent(), user=sme.owner)


def test_fetch_sessions_show_their_consent_and_duration(staff_client, consent, provider):
    started = timezone.now() - dt.timedelta(minutes=1)
    FetchSession.objects.create(
        consent=consent,
        provider=provider.participant,
        category="sales",
        status="completed",
        started_at=started,
        finished_at=started + dt.timedelta(seconds=42),
    )
    page = staff_client.get("/admin/providers/fetchsession/").content.decode()
    assert "Duration (s)" in page and "42.0" in page
    assert "Bank A → Harbour Tea House Ltd" in page


def test_records_are_listed_and_searchable_but_never_changed_or_deleted(staff_client, consent, provider):
    records_ingest(
        consent=consent,
        provider=provider.participant,
        category="sales",
        records=[
            {
                "external_id": "ORDER-77",
                "occurred_at": f"{timezone.localdate().isoformat()}T10:00:00+08:00",
                "amount": "12.50",
                "currency": "HKD",
                "channel": "pos",
                "status": "completed",
                "customer_ref": "C1",
            }
        ],
    )
    record = Record.objects.get()
    assert "ORDER-77" in staff_client.get("/admin/providers/record/", {"q": "12345678"}).content.decode()
    assert staff_client.get(f"/admin/providers/record/{record.pk}/change/").status_code == 200
    assert staff_client.post(f"/admin/providers/record/{record.pk}/change/", {"external_id": "X"}).status_code == 403
    assert staff_client.post(f"/admin/providers/record/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert staff_client.get("/admin/providers/record/add/").status_code == 403
    assert Record.objects.get().external_id == "ORDER-77"

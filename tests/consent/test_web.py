"""The SME's pages through the Django test client (the browser tests drive the same pages in Chromium)."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.services import audit_record
from consent import services
from consent.models import AccessEvent, Consent


def test_the_dashboard_groups_pending_active_and_past(client, sme, make_consent):
    pending, active, past = make_consent(), make_consent(), make_consent()
    services.consent_authorise(consent=active, user=sme.owner)
    services.consent_reject(consent=past, user=sme.owner)
    client.force_login(sme.viewer)
    page = client.get("/consents/")
    groups = {key: [c.pk for c in consents] for key, _title, consents in page.context["sections"]}
    assert groups == {"pending": [pending.pk], "active": [active.pk], "past": [past.pk]}


def test_the_dashboard_files_a_consent_past_expiry_under_past(client, sme, make_consent):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    Consent.objects.filter(pk=consent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=40), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    client.force_login(sme.owner)
    groups = {key: [c.pk for c in consents] for key, _title, consents in client.get("/consents/").context["sections"]}
    assert groups == {"pending": [], "active": [], "past": [consent.pk]}
    assert Consent.objects.get(pk=consent.pk).status == "expired"


def test_the_dashboard_needs_a_login(client, db):
    assert client.get("/consents/")["Location"].startswith("/accounts/login/")


def test_a_user_of_another_business_gets_404_everywhere(client, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.outsider)
    assert client.get(f"/consents/{consent.pk}/").status_code == 404
    missing = client.post(f"/consents/{consent.pk}/approve/")
    assert missing.status_code == 404
    assert "There is nothing here, or nothing you may see." in missing.content.decode()
    assert consent.pk not in [c.pk for _k, _t, cs in client.get("/consents/").context["sections"] for c in cs]


def test_a_viewer_sees_the_detail_but_no_actions_and_cannot_post_one(client, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.viewer)
    page = client.get(f"/consents/{consent.pk}/")
    assert page.status_code == 200
    assert page.context["actions"] == []
    refused = client.post(f"/consents/{consent.pk}/approve/")
    assert refused.status_code == 403
    assert "takes the business's owner or an authorised signatory" in refused.content.decode()
    assert Consent.objects.get(pk=consent.pk).status == "awaiting_authorisation"


@pytest.mark.parametrize(
    ("setup", "action", "expected"),
    [
        ([], "approve", "authorised"),
        ([], "reject", "rejected"),
        (["authorise"], "pause", "paused"),
        (["authorise", "pause"], "resume", "authorised"),
        (["authorise"], "revoke", "revoked"),
    ],
)
def test_each_decision_asks_for_confirmation_then_acts(client, sme, make_consent, setup, action, expected):
    consent = make_consent()
    for step in setup:
        consent = getattr(services, f"consent_{step}")(consent=consent, user=sme.owner)
    client.force_login(sme.signatory)
    confirm = client.get(f"/consents/{consent.pk}/{action}/")
    assert confirm.status_code == 200
    assert Consent.objects.get(pk=consent.pk).status == consent.status
    done = client.post(f"/consents/{consent.pk}/{action}/")
    assert done.status_code == 302
    assert Consent.objects.get(pk=consent.pk).status == expected


def test_an_illegal_decision_is_refused_with_a_message(client, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.owner)
    response = client.post(f"/consents/{consent.pk}/pause/", follow=True)
    assert Consent.objects.get(pk=consent.pk).status == "awaiting_authorisation"
    assert "can no longer be changed" in response.content.decode()


def test_the_detail_shows_receipts_and_access_history(client, sme, make_consent, provider):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    AccessEvent.objects.create(
        consent=consent, kind="fetch", provider=provider.participant, category="sales", record_count=120
    )
    AccessEvent.objects.create(consent=consent, kind="read", category="sales", record_count=100)
    AccessEvent.objects.create(consent=consent, kind="dossier", record_count=120)
    client.force_login(sme.owner)
    page = client.get(f"/consents/{consent.pk}/").content.decode()
    assert "120 Sales records fetched from Shop One" in page
    assert "Bank A read 100 Sales records" in page
    assert "Bank A received the credit dossier built from 120 records" in page
    assert "Approved." in page
    receipt = consent.receipts.get()
    download = client.get(f"/consents/{consent.pk}/receipts/{receipt.pk}.jws")
    assert download["Content-Type"] == "application/jose"
    assert download.content.decode() == receipt.jws


def test_the_history_tells_the_sme_when_the_hub_deleted_the_data(client, sme, make_consent):
    consent = services.consent_revoke(
        consent=services.consent_authorise(consent=make_consent(), user=sme.owner), user=sme.owner
    )
    audit_record(
        actor="hub",
        action="consent.data_purged",
        object_type="consent",
        object_id=str(consent.pk),
        data={"reason": "consent_revoked", "deleted": {"sales": 3}, "total": 3},
    )
    client.force_login(sme.owner)
    page = client.get(f"/consents/{consent.pk}/").content.decode()
    assert "The hub deleted 3 records it held for this consent." in page
    assert "consent.data_purged" not in page


def test_a_long_history_says_that_only_the_newest_accesses_are_listed(client, sme, make_consent):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    client.force_login(sme.owner)
    AccessEvent.objects.bulk_create(
        AccessEvent(consent=consent, kind="read", category="sales", record_count=1) for _ in range(500)
    )
    assert "data accesses are listed" not in client.get(f"/consents/{consent.pk}/").content.decode()
    AccessEvent.objects.create(consent=consent, kind="read", category="sales", record_count=1)
    page = client.get(f"/consents/{consent.pk}/")
    assert "Only the newest 500 data accesses are listed." in page.content.decode()
    assert sum(item["kind"] == "read" for item in page.context["history"]) == 500


def test_the_pages_switch_to_traditional_chinese(client, sme, make_consent):
    consent = make_consent()
    client.force_login(sme.owner)
    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/consents/"})
    page = client.get(f"/consents/{consent.pk}/").content.decode()
    assert 'lang="zh-Hant"' in page
    assert "批准" in page
    assert "Approve" not in page
    # The error pages too.
    missing = client.get("/consents/00000000-0000-0000-0000-000000000000/").content.decode()
    assert 'lang="zh-Hant"' in missing
    assert "找不到" in missing


def test_login_is_throttled_after_five_failures(client, sme):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "tea-owner", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "tea-owner", "password": "a-long-password-1"})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_correct_login_lands_on_the_dashboard(client, sme):
    response = client.post("/accounts/login/", {"username": "tea-owner", "password": "a-long-password-1"})
    assert response["Location"] == "/consents/"


def test_the_expiry_sweep_is_on_the_beat_schedule(settings):
    from cdi.celery import app

    # What a worker does at start-up: import every app's tasks module.
    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "consent.expire_due" in tasks
    assert "consent.expire_due" in app.tasks

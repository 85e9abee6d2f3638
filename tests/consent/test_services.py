"""The consent state machine and the purpose caps, at the service level."""

import datetime as dt

import jwt
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_verify
from consent import services
from consent.models import Consent, ConsentReceipt
from hub import keys


def test_a_new_consent_awaits_authorisation_and_reaches_every_provider_holding_its_categories(make_consent, provider):
    consent = make_consent()
    assert consent.status == "awaiting_authorisation"
    assert list(consent.providers.all()) == [provider.participant]
    assert AuditEntry.objects.filter(action="consent.requested", object_id=str(consent.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"business_brn": "99999999"}, "business_brn"),
        ({"purpose": "astrology"}, "purpose"),
        ({"data_categories": []}, "data_categories"),
        ({"purpose": "kyc_profile", "data_categories": ["sales"]}, "data_categories"),
        ({"providers": ["nobody"]}, "providers"),
        ({"data_categories": ["payments"]}, "providers"),
        ({"date_from": dt.date(2020, 1, 1)}, "date_from"),
        ({"date_from": dt.date(2030, 1, 2), "date_to": dt.date(2030, 1, 1)}, "date_from"),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "expires_at"),
        ({"expires_at": timezone.now() + dt.timedelta(days=91)}, "expires_at"),
        ({"redirect_uri": "https://evil.example/cb"}, "redirect_uri"),
    ],
)
def test_it_refuses_a_request_outside_the_rules_naming_the_field_and_writing_nothing(make_consent, overrides, field):
    with pytest.raises(ValidationError) as caught:
        make_consent(**overrides)
    assert field in caught.value.message_dict
    assert not Consent.objects.exists()
    assert not AuditEntry.objects.filter(object_type="consent").exists()


def test_it_refuses_a_data_range_longer_than_the_purpose_allows(make_consent):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="12 months"):
        make_consent(purpose="credit_monitoring", date_from=today - dt.timedelta(days=400), date_to=today)
    assert make_consent(purpose="credit_monitoring", date_from=today - dt.timedelta(days=360), date_to=today)


@pytest.mark.parametrize("role", ["owner", "signatory"])
def test_an_owner_or_signatory_may_authorise(make_consent, sme, role):
    consent = services.consent_authorise(consent=make_consent(), user=getattr(sme, role))
    assert consent.status == "authorised"
    assert consent.decided_by == getattr(sme, role)
    assert consent.decided_at is not None


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_a_viewer_or_an_outsider_may_not_decide(make_consent, sme, who):
    consent = make_consent()
    with pytest.raises(services.NotAllowed):
        services.consent_authorise(consent=consent, user=getattr(sme, who))
    consent.refresh_from_db()
    assert consent.status == "awaiting_authorisation"


def test_pause_resume_and_revoke_by_the_sme(make_consent, sme):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    consent = services.consent_pause(consent=consent, user=sme.owner)
    assert consent.status == "paused"
    consent = services.consent_resume(consent=consent, user=sme.signatory)
    assert consent.status == "authorised"
    consent = services.consent_revoke(consent=consent, user=sme.owner)
    assert (consent.status, consent.revoked_by) == ("revoked", "sme")


def test_a_paused_consent_can_be_revoked_by_the_bank_and_revoking_again_is_harmless(make_consent, sme, bank_a):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    consent = services.consent_pause(consent=consent, user=sme.owner)
    first = services.consent_revoke(consent=consent, bank=bank_a.participant)
    again = services.consent_revoke(consent=first, bank=bank_a.participant)
    assert (again.status, again.revoked_by, again.revoked_at) == ("revoked", "bank", first.revoked_at)
    assert AuditEntry.objects.filter(action="consent.revoked").count() == 1


def test_a_revocation_racing_another_still_answers_with_the_revoked_consent(make_consent, sme, bank_a):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    stale = Consent.objects.get(pk=consent.pk)
    services.consent_revoke(consent=consent, user=sme.owner)
    # The second request read the consent before the first committed: it finds it revoked under the lock.
    again = services.consent_revoke(consent=stale, bank=bank_a.participant)
    assert (again.status, again.revoked_by) == ("revoked", "sme")
    assert AuditEntry.objects.filter(action="consent.revoked").count() == 1


def test_a_paused_consent_expires_when_its_time_is_up(make_consent, sme):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    consent = services.consent_pause(consent=consent, user=sme.owner)
    assert services.consents_expire_due(at=consent.expires_at + dt.timedelta(seconds=1)) == 1
    consent.refresh_from_db()
    assert consent.status == "expired"
    assert AuditEntry.objects.filter(action="consent.expired", object_id=str(consent.pk)).exists()


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "pause"),
        ([], "resume"),
        ([], "revoke"),
        (["authorise"], "authorise"),
        (["authorise"], "resume"),
        (["authorise"], "reject"),
        (["reject"], "authorise"),
        (["reject"], "revoke"),
        (["authorise", "revoke"], "resume"),
        (["authorise", "pause"], "pause"),
    ],
)
def test_illegal_transitions_are_refused(make_consent, sme, path, illegal):
    consent = make_consent()
    for step in path:
        consent = getattr(services, f"consent_{step}")(consent=consent, user=sme.owner)
    before = Consent.objects.get(pk=consent.pk).status
    with pytest.raises(services.IllegalTransition):
        getattr(services, f"consent_{illegal}")(consent=consent, user=sme.owner)
    assert Consent.objects.get(pk=consent.pk).status == before


def test_an_unanswered_request_expires_after_24_hours(make_consent):
    consent = make_consent()
    assert services.consents_expire_due() == 0
    Consent.objects.filter(pk=consent.pk).update(created_at=timezone.now() - dt.timedelta(hours=24, seconds=1))
    assert services.consents_expire_due() == 1
    consent.refresh_from_db()
    assert consent.status == "expired"


def test_a_consent_past_its_expiry_is_expired_when_next_touched_sweep_or_not(make_consent, sme):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    Consent.objects.filter(pk=consent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    consent.refresh_from_db()
    assert not consent.is_live()
    with pytest.raises(services.IllegalTransition):
        services.consent_pause(consent=consent, user=sme.owner)
    assert Consent.objects.get(pk=consent.pk).status == "expired"


def test_every_state_change_issues_a_receipt_signed_with_the_published_key(make_consent, sme, client):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    services.consent_pause(consent=consent, user=sme.owner)
    receipts = list(ConsentReceipt.objects.filter(consent=consent))
    assert [r.status for r in receipts] == ["authorised", "paused"]
    published = {key["kid"]: key for key in client.get("/.well-known/jwks.json").json()["keys"]}
    for receipt in receipts:
        kid = jwt.get_unverified_header(receipt.jws)["kid"]
        payload = jwt.decode(receipt.jws, jwt.PyJWK(published[kid]).key, algorithms=["ES256"])
        assert payload["receipt_id"] == str(receipt.pk)
        assert payload["data_subject"]["brn"] == sme.brn
        assert payload["controller"]["id"] == "bank-a"
        assert payload["jurisdiction"] == "HK"
        assert payload["categories"] == ["sales"]
        assert payload["status"] == receipt.status
    assert keys.signing_key()["kid"] in published


def test_each_change_is_in_the_audit_log_and_the_chain_verifies(make_consent, sme):
    consent = services.consent_authorise(consent=make_consent(), user=sme.owner)
    services.consent_revoke(consent=consent, user=sme.owner)
    actions = list(AuditEntry.objects.filter(object_id=str(consent.pk)).values_list("action", flat=True))
    assert actions == ["consent.requested", "consent.authorised", "consent.revoked"]
    assert audit_verify().ok


def test_the_database_refuses_a_revoked_consent_without_its_stamp(make_consent):
    consent = make_consent()
    with pytest.raises(IntegrityError):
        Consent.objects.filter(pk=consent.pk).update(status="revoked")


def test_the_database_refuses_an_inverted_date_range(make_consent):
    consent = make_consent()
    with pytest.raises(IntegrityError):
        Consent.objects.filter(pk=consent.pk).update(date_from=consent.date_to + dt.timedelta(days=1))

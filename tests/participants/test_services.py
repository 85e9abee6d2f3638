"""Registering, editing, suspending and reactivating a participant: each change is one audit entry."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from audit.services import audit_verify
from participants.models import Participant
from participants.services import (
    participant_reactivate,
    participant_register,
    participant_suspend,
    participant_update,
)
from tests.conftest import obtain_token


def entries(slug: str) -> list[tuple[str, str]]:
    found = AuditEntry.objects.filter(object_type="participant", object_id=slug).order_by("sequence")
    return list(found.values_list("action", "actor"))


def test_registering_writes_an_audit_entry_naming_the_client(db):
    registration = participant_register(
        kind="bank", name="Peak Bank", redirect_uris=["https://peak.example/cb"], actor="user:op"
    )
    entry = AuditEntry.objects.get(object_type="participant", object_id="peak-bank")
    assert (entry.action, entry.actor) == ("participant.registered", "user:op")
    assert entry.data["client_id"] == registration.application.client_id
    assert entry.data["redirect_uris"] == ["https://peak.example/cb"]
    assert registration.client_secret not in str(entry.data)
    assert audit_verify().ok


def test_a_refused_registration_writes_no_audit_entry(db):
    with pytest.raises(ValidationError):
        participant_register(kind="provider", name="Odd Shop", api_base="not a url")
    assert not AuditEntry.objects.exists()


def test_suspending_writes_one_audit_entry_with_the_tokens_revoked(client, bank_a):
    obtain_token(client, bank_a)
    participant_suspend(participant=bank_a.participant, actor="user:op")
    participant_suspend(participant=bank_a.participant, actor="user:op")
    assert entries("bank-a") == [("participant.registered", "hub"), ("participant.suspended", "user:op")]
    suspended = AuditEntry.objects.get(action="participant.suspended")
    assert suspended.data == {"access_tokens_revoked": 1}


def test_reactivating_writes_one_audit_entry_and_nothing_when_already_active(bank_a):
    participant_reactivate(participant=bank_a.participant, actor="user:op")
    assert entries("bank-a") == [("participant.registered", "hub")]
    participant_suspend(participant=bank_a.participant, actor="user:op")
    participant = participant_reactivate(participant=bank_a.participant, actor="user:op")
    assert participant.status == Participant.Status.ACTIVE
    assert entries("bank-a")[-1] == ("participant.reactivated", "user:op")
    assert audit_verify().ok


def test_an_edit_records_what_changed_and_an_edit_changing_nothing_records_nothing(provider):
    # The same edit twice: the second changes nothing.
    for _ in range(2):
        participant_update(
            participant=provider.participant,
            name="Shop One",
            api_base="https://shop-one.example/v2",
            data_categories=["sales"],
            actor="user:op",
        )
    updated = AuditEntry.objects.get(action="participant.updated")
    assert updated.data == {"changed": {"api_base": ["https://shop-one.example/api", "https://shop-one.example/v2"]}}


def test_an_edit_is_checked_like_a_registration(provider, bank_a):
    with pytest.raises(ValidationError) as refused:
        participant_update(
            participant=provider.participant,
            name="Bank A",
            api_base="javascript:alert(1)",
            data_categories=["horoscopes"],
            actor="user:op",
        )
    assert set(refused.value.message_dict) == {"name", "api_base", "data_categories"}
    provider.participant.refresh_from_db()
    assert provider.participant.name == "Shop One"

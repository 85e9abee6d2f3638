from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from audit.services import audit_record, audit_verify


def write_chain(n: int = 5) -> list[AuditEntry]:
    return [
        audit_record(actor="hub", action="test.step", object_type="thing", object_id=str(i), data={"i": i, "s": "é"})
        for i in range(n)
    ]


def test_each_entry_links_to_the_one_before(db):
    entries = write_chain(3)
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash


def test_verify_audit_log_reports_ok(db):
    write_chain()
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert out.getvalue().startswith("OK: 5 entries")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda: AuditEntry.objects.filter(sequence=3).update(actor="someone else"),
        lambda: AuditEntry.objects.filter(sequence=3).update(data={"i": 99}),
        lambda: AuditEntry.objects.filter(sequence=3).delete(),
        lambda: AuditEntry.objects.filter(sequence=5).delete(),
        lambda: AuditEntry.objects.create(
            **{f: getattr(AuditEntry.objects.get(sequence=5), f) for f in ("at", "actor", "action", "data")},
            sequence=6,
            object_type="thing",
            object_id="x",
            prev_hash=AuditEntry.objects.get(sequence=5).hash,
            hash="f" * 64,
        ),
    ],
    ids=["changed actor", "changed data", "removed middle", "removed last", "added around the log"],
)
def test_verify_audit_log_finds_the_first_broken_link(db, tamper):
    write_chain()
    tamper()
    result = audit_verify()
    assert not result.ok
    assert result.broken_at in (3, 4, 5, 6)
    with pytest.raises(CommandError, match="BROKEN at entry"):
        call_command("verify_audit_log")


def test_the_admin_can_look_but_not_edit_or_delete(client, db):
    write_chain(1)
    entry = AuditEntry.objects.get()
    client.force_login(get_user_model().objects.create_superuser(username="op", password="x-long-pass-1"))
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"actor": "edited"})
    client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    entry.refresh_from_db()
    assert entry.actor == "hub"
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_entries_appended_while_it_verifies_do_not_break_the_verification(monkeypatch):
    """A busy hub keeps writing while the log is checked: the check sees one consistent snapshot."""
    import threading

    from django.db import connection

    from audit import services

    write_chain(5)
    real = services.canonical_content
    appended = []

    def append_elsewhere() -> None:
        write_chain(2)
        connection.close()

    def content_and_meanwhile_an_append(**fields):
        if not appended:
            appended.append(True)
            writer = threading.Thread(target=append_elsewhere)
            writer.start()
            writer.join()
        return real(**fields)

    monkeypatch.setattr(services, "canonical_content", content_and_meanwhile_an_append)
    result = audit_verify()
    assert appended and result.ok, result
    assert result.checked == 5
    monkeypatch.setattr(services, "canonical_content", real)
    assert audit_verify().checked == 7

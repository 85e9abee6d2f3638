import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from businesses.models import Business, Membership


def register(*args: str) -> dict:
    out = StringIO()
    call_command("register_business", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("password", "keys"),
    [([], {"brn", "username", "password"}), (["--password", "pw-12345-x"], {"brn", "username"})],
)
def test_it_prints_one_line_of_json_with_the_password_only_when_generated(db, password, keys):
    out = StringIO()
    call_command("register_business", "12345678", "Harbour Tea House Ltd", "--user", "alice", *password, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert set(json.loads(lines[0])) == keys


def test_it_creates_the_business_and_an_owner_with_a_generated_password(db):
    output = register("12345678", "Harbour Tea House Ltd", "--user", "alice")
    assert output["brn"] == "12345678"
    assert output["username"] == "alice"
    assert get_user_model().objects.get(username="alice").check_password(output["password"])
    assert Membership.objects.get(user__username="alice").role == "owner"


def test_it_adds_a_user_to_an_existing_business_with_the_given_role(db):
    register("12345678", "Harbour Tea House Ltd", "--user", "alice")
    output = register(
        "12345678", "Harbour Tea House Ltd", "--user", "vic", "--role", "viewer", "--password", "pw-12345-x"
    )
    assert "password" not in output
    assert Business.objects.count() == 1
    assert Membership.objects.get(user__username="vic").role == "viewer"


@pytest.mark.parametrize("brn", ["1234567", "123456789", "1234567a", ""])
def test_it_refuses_a_brn_that_is_not_exactly_eight_digits(db, brn):
    with pytest.raises(CommandError, match="brn"):
        register(brn, "Odd Ltd", "--user", "someone")
    assert not Business.objects.exists()


def test_it_refuses_an_existing_username_and_writes_nothing(db):
    register("12345678", "Harbour Tea House Ltd", "--user", "alice")
    with pytest.raises(CommandError, match="username"):
        register("87654321", "Other Ltd", "--user", "alice")
    assert not Business.objects.filter(brn="87654321").exists()


def test_the_database_refuses_a_malformed_brn_even_past_the_service(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Business.objects.create(brn="12ab5678", legal_name="Odd Ltd")

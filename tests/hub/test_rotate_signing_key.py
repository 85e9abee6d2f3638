import json
import stat
from io import StringIO

import jwt
import pytest
from django.core.management import CommandError, call_command

from hub import keys


@pytest.fixture
def key_file(settings, tmp_path):
    """A production-like key file with one key."""
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [keys.new_key().export(as_dict=True)]}))
    path.chmod(0o600)
    settings.SIGNING_KEYS_FILE = str(path)
    settings.SIGNING_KEYS_GENERATE = False
    keys.keyset.cache_clear()
    yield path
    keys.keyset.cache_clear()


def test_the_new_key_signs_and_the_old_one_stays_published(client, db, key_file):
    old_kid = keys.signing_key()["kid"]
    signed_before = keys.sign({"n": 1})
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)

    new_kid = keys.signing_key()["kid"]
    assert new_kid != old_kid
    assert new_kid in out.getvalue()
    assert [key["kid"] for key in json.loads(key_file.read_text())["keys"]] == [new_kid, old_kid]
    assert jwt.get_unverified_header(keys.sign({"n": 2}))["kid"] == new_kid
    published = {key["kid"]: key for key in client.get("/.well-known/jwks.json").json()["keys"]}
    assert set(published) == {new_kid, old_kid}
    # What the old key signed still verifies against the published set.
    old_public = jwt.PyJWK(published[old_kid]).key
    assert jwt.decode(signed_before, old_public, algorithms=["ES256"]) == {"n": 1}


def test_the_file_stays_readable_by_its_owner_only(key_file):
    call_command("rotate_signing_key", stdout=StringIO())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(json.loads(key_file.read_text())["keys"]) == 2


def test_a_missing_key_file_is_refused_and_nothing_is_written(settings, tmp_path):
    settings.SIGNING_KEYS_FILE = str(tmp_path / "missing.json")
    settings.SIGNING_KEYS_GENERATE = False
    keys.keyset.cache_clear()
    try:
        with pytest.raises(CommandError, match="SIGNING_KEYS_FILE"):
            call_command("rotate_signing_key", stdout=StringIO())
        assert list(tmp_path.iterdir()) == []
    finally:
        keys.keyset.cache_clear()

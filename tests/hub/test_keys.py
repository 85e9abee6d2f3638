import json

import jwt
import pytest

from hub import keys


@pytest.fixture
def two_keys(settings, tmp_path):
    """A rotated key file: a new key in front, the old one still published."""
    new, old = keys.new_key(), keys.new_key()
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [new.export(as_dict=True), old.export(as_dict=True)]}))
    settings.SIGNING_KEYS_FILE = str(path)
    keys.keyset.cache_clear()
    yield new, old
    keys.keyset.cache_clear()


def test_the_first_key_signs_and_every_key_is_published(client, db, two_keys):
    new, old = two_keys
    published = client.get("/.well-known/jwks.json").json()["keys"]
    assert [key["kid"] for key in published] == [new["kid"], old["kid"]]
    assert all("d" not in key for key in published)
    assert jwt.get_unverified_header(keys.sign({"n": 1}))["kid"] == new["kid"]


def test_a_key_file_without_private_keys_is_refused(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    path = tmp_path / "public.json"
    path.write_text(json.dumps({"keys": [json.loads(keys.new_key().export_public())]}))
    settings.SIGNING_KEYS_FILE = str(path)
    keys.keyset.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="SIGNING_KEYS_FILE"):
            keys.keyset()
    finally:
        keys.keyset.cache_clear()

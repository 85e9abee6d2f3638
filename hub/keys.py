"""The hub's signing keys: a JWKS file whose first key signs and whose every key is public.

Rotation: ``manage.py rotate_signing_key`` puts a new key in front; the old keys stay
published at /.well-known/jwks.json so signatures made with them still verify.
"""

import json
import os
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jwcrypto import jwk, jws
from jwcrypto.common import json_encode

ALGORITHM = "ES256"


def new_key() -> jwk.JWK:
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    return jwk.JWK(**key.export(as_dict=True), kid=key.thumbprint(), use="sig", alg=ALGORITHM)


def _write_new_file(path: Path, keys: list[jwk.JWK]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = json.dumps({"keys": [key.export(as_dict=True) for key in keys]}, indent=2)
    # O_EXCL: when the web server and a worker start together only one of them writes.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(document)


def _read(path: Path) -> list[jwk.JWK]:
    # Parsed by hand rather than with JWKSet, which keeps its keys in an unordered set: the
    # order matters here, the first key signs.
    try:
        keys = [jwk.JWK(**entry) for entry in json.loads(path.read_text())["keys"]]
    except FileNotFoundError:
        raise ImproperlyConfigured(f"SIGNING_KEYS_FILE={str(path)!r} does not exist.") from None
    except Exception as exc:
        raise ImproperlyConfigured(f"SIGNING_KEYS_FILE={str(path)!r} is not a JWKS file: {exc}") from None
    if not keys or not all(key.has_private and key.get("kid") for key in keys):
        raise ImproperlyConfigured(f"SIGNING_KEYS_FILE={str(path)!r} must hold private keys, each with a kid.")
    return keys


@cache
def keyset() -> list[jwk.JWK]:
    path = Path(settings.SIGNING_KEYS_FILE)
    if settings.SIGNING_KEYS_GENERATE and not path.exists():
        _write_new_file(path, [new_key()])
    return _read(path)


def signing_key_rotate(*, path: Path) -> jwk.JWK:
    """Puts a new key first in the key file, so it signs from now on, and keeps every old key after
    it, so what they signed still verifies. The file is replaced whole (written beside it, then
    renamed): a process starting meanwhile reads the old file or the new one, never half of one."""
    keys = [new_key(), *_read(path)]
    document = json.dumps({"keys": [key.export(as_dict=True) for key in keys]}, indent=2)
    # mkstemp creates the file readable by its owner only, as the key file must be.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(document)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    keyset.cache_clear()
    return keys[0]


def signing_key() -> jwk.JWK:
    return keyset()[0]


def public_jwks() -> dict:
    return {"keys": [json.loads(key.export_public()) for key in keyset()]}


def sign(payload: dict) -> str:
    """The payload as a compact JWS signed with the current key."""
    key = signing_key()
    token = jws.JWS(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())
    token.add_signature(key, alg=ALGORITHM, protected=json_encode({"alg": ALGORITHM, "kid": key["kid"]}))
    return token.serialize(compact=True)

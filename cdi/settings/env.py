"""Typed readers for environment variables.

Each reader fails with ``ImproperlyConfigured`` naming the variable, so a bad value stops
the process at start-up instead of surfacing later as a confusing error.
"""

import os
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use true or false.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    """A network URL with one of ``schemes``, a host and, if given, a valid port."""
    value = env_str(name, default)
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid URL; expected one of the schemes {', '.join(schemes)}."
        )
    if not parsed.hostname:
        raise ImproperlyConfigured(f"{name}={value!r} names no host.")
    try:
        parsed.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} has an invalid port: {exc}.") from None
    return value.rstrip("/")


def env_database(name: str, default: str) -> dict:
    """A database URL: a known engine, a valid port, and a database name for a server database."""
    value = env_str(name, default)
    try:
        config = environ.Env.db_url_config(value)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a valid database URL: {exc}") from None
    if config.get("ENGINE") not in set(environ.Env.DB_SCHEMES.values()):
        raise ImproperlyConfigured(f"{name}={value!r} names no database engine Django knows.")
    # SQLite's name is a file (or memory); every other engine needs the database's name. An empty
    # host is allowed: PostgreSQL then connects through its local socket.
    if config["ENGINE"] != "django.db.backends.sqlite3" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={value!r} names no database; add it as the path, e.g. /cdi.")
    return config

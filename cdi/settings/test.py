"""The test suite: SQLite file (shared with worker subprocesses) or DATABASE_URL."""

from cdi.settings.base import *  # noqa: F403
from cdi.settings.base import VAR_DIR, _database
from cdi.settings.env import env_str, env_url

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", "test-only-insecure-key")
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": _database(VAR_DIR / "test-base.sqlite3")}
# Worker subprocesses and the live server must see the same test database, so the SQLite
# test database is a file, never the in-memory default.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
REDIS_URL = env_url("REDIS_URL", "redis://127.0.0.1:6379/15", schemes=("redis", "rediss"))
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CACHES = {"default": {**CACHES["default"], "LOCATION": REDIS_URL}}
# Failure paths take seconds, not minutes, in the suite.
FETCH_READ_TIMEOUT = 2
FETCH_RETRY_BASE_SECONDS = 0.2
FETCH_MAX_RETRIES = 3
SANDBOX_SLOW_SECONDS = 0.3
DOSSIER_LEASE_SECONDS = 10
DOSSIER_FETCH_WAIT_SECONDS = 120
SIGNING_KEYS_FILE = env_str("SIGNING_KEYS_FILE", str(VAR_DIR / "test-signing-keys.json"))
SIGNING_KEYS_GENERATE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ALWAYS_RELOAD_OAUTHLIB_CORE": True}
WORKER_HEARTBEAT_SECONDS = 1
DEMO_ALLOWED = True
# Static files straight from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The suite calls the API far faster than any client may; the rate-limit tests set these back.
API_RATE_PER_CLIENT = API_RATE_PER_BUSINESS = 100_000
WEBHOOK_RETRY_BASE_SECONDS = 0.5
WEBHOOK_RETRY_MAX_SECONDS = 5.0
METRICS_ROLLUP_DELAY_SECONDS = 1

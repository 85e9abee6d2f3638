"""Benchmarks only: production-like (no debug, persistent connections) on the machine's PostgreSQL,
plus a baseline endpoint that exists nowhere else."""

from cdi.settings.base import *  # noqa: F403
from cdi.settings.base import DATABASES, VAR_DIR
from cdi.settings.env import env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", "bench-only-insecure-key-never-deployed")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
DATABASES["default"]["CONN_MAX_AGE"] = 60
SIGNING_KEYS_FILE = env_str("SIGNING_KEYS_FILE", str(VAR_DIR / "bench-signing-keys.json"))
SIGNING_KEYS_GENERATE = True
DEMO_ALLOWED = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "WARNING"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The limiter stays in the request path (its Redis round trip is measured) but never refuses:
# the throughput runs drive one bank's token far past the 50 a second a bank app is allowed.
API_RATE_PER_CLIENT = API_RATE_PER_BUSINESS = 1_000_000

"""`python3 hub.py faults` and `python3 hub.py load`: production-like (no debug, PostgreSQL, the real
rate limits) with failure paths shortened so a batch recovers in seconds, not minutes."""

from cdi.settings.base import *  # noqa: F403
from cdi.settings.base import CELERY_BEAT_SCHEDULE, DATABASES, VAR_DIR
from cdi.settings.env import env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", "reliability-only-insecure-key-never-deployed")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = 60
SIGNING_KEYS_FILE = env_str("SIGNING_KEYS_FILE", str(VAR_DIR / "reliability-signing-keys.json"))
SIGNING_KEYS_GENERATE = True
DEMO_ALLOWED = True
DEMO_CREDENTIALS_FILE = VAR_DIR / "reliability-credentials.json"
WHITENOISE_USE_FINDERS = True
# A killed build is taken over once its lease lapses; stalled work is queued again every few seconds.
DOSSIER_LEASE_SECONDS = 15
FETCH_LEASE_SECONDS = 20
STALLED_AFTER_SECONDS = 20
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "resume-stalled-dossiers": {"task": "dossiers.resume_stalled", "schedule": 5.0},
    "resume-stalled-webhooks": {"task": "banks.resume_stalled_webhooks", "schedule": 5.0},
    "resume-stalled-fetches": {"task": "providers.resume_stalled_fetches", "schedule": 5.0},
}
FETCH_READ_TIMEOUT = 2
FETCH_RETRY_BASE_SECONDS = 0.3
FETCH_MAX_RETRIES = 3
SANDBOX_SLOW_SECONDS = 0.5
# A receiver down for a minute or two is retried every few seconds, not hours apart.
WEBHOOK_RETRY_BASE_SECONDS = 1.0
WEBHOOK_RETRY_MAX_SECONDS = 10.0

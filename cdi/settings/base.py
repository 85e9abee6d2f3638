"""Settings shared by every environment. Everything that varies comes from the environment."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from cdi.settings.env import env_bool, env_database, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")

# The hub's own public address: used in authorize_url, the sandbox providers' api_base and
# wherever the hub names itself.
HUB_BASE_URL = env_url("HUB_BASE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
# The hub answers at its own address whatever else ALLOWED_HOSTS lists.
_HUB_HOST = urlparse(HUB_BASE_URL).hostname
ALLOWED_HOSTS = list(
    dict.fromkeys(
        [
            *env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"]),
            f"[{_HUB_HOST}]" if ":" in _HUB_HOST else _HUB_HOST,
        ]
    )
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "csp",
    "django.contrib.staticfiles",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "hub",
    "audit",
    "participants",
    "businesses",
    "banks",
    "providers",
    "consent",
    "dossiers",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "hub.middleware.DatabaseBusyMiddleware",
]

# Login throttling (django-axes): five failures for a username from one address lock it out
# for fifteen minutes; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False

ROOT_URLCONF = "cdi.urls"

# Content security policy: everything from the hub itself, no inline script anywhere; the one
# inline stylesheet (inside the server-drawn charts) carries the request's nonce. form-action is
# left open on purpose: approving a consent redirects the browser to the bank's redirect URI.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
WSGI_APPLICATION = "cdi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(default_sqlite: Path) -> dict:
    config = env_database("DATABASE_URL", f"sqlite:///{default_sqlite}")
    if config["NAME"] == str(default_sqlite):
        default_sqlite.parent.mkdir(exist_ok=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The web server, the worker and beat share one file: WAL lets readers and a writer
        # work together, IMMEDIATE transactions and a busy timeout make writers queue instead
        # of failing with "database is locked".
        config.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            }
        )
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A lock held elsewhere ends the wait after ten seconds (a task fails, retries and finishes once
        # it is released); the web process shortens that and limits every statement (cdi/wsgi.py). A
        # worker's statements may run for minutes, over millions of records. 0 means no limit.
        timeouts = {
            "statement_timeout": env_int("DATABASE_STATEMENT_TIMEOUT_MS", 0),
            "lock_timeout": env_int("DATABASE_LOCK_TIMEOUT_MS", 10_000),
        }
        config.setdefault("OPTIONS", {})["options"] = " ".join(f"-c {k}={v}" for k, v in timeouts.items())
    config.setdefault("CONN_MAX_AGE", env_int("DATABASE_CONN_MAX_AGE", 0))
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database(VAR_DIR / "hub.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", "redis://127.0.0.1:6390/0", schemes=("redis", "rediss"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/consents/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hant", _("Traditional Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Hong_Kong"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["oauth2_provider.contrib.rest_framework.TokenHasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "hub.openapi.HubAutoSchema",
    "EXCEPTION_HANDLER": "hub.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["hub.throttling.ParticipantRateThrottle"],
    "UNAUTHENTICATED_USER": None,
}
# CDR-shaped limits, requests a second: per OAuth client, and per business whose consent a call reaches.
API_RATE_PER_CLIENT = env_int("API_RATE_PER_CLIENT", 50)
API_RATE_PER_BUSINESS = env_int("API_RATE_PER_BUSINESS", 10)
API_RATE_WINDOW_SECONDS = 2
SPECTACULAR_SETTINGS = {
    "TITLE": "CDI Hub API",
    "DESCRIPTION": "Consent-based commercial data interchange: the bank and provider API.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Banks and providers call the API with client-credentials tokens; a redirect-flow token reaches one consent.
    "OAUTH2_FLOWS": ["clientCredentials", "authorizationCode"],
    "OAUTH2_TOKEN_URL": f"{HUB_BASE_URL}/o/token/",
    "OAUTH2_AUTHORIZATION_URL": f"{HUB_BASE_URL}/o/authorize/",
}

# --- OAuth 2.0 authorization server -----------------------------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "participants.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model name
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 60 * 60 * 24,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "consent.oauth.ConsentOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "participants.oauth.ParticipantScopes",
    "OIDC_ISS_ENDPOINT": HUB_BASE_URL,
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "client_credentials", "refresh_token"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}

# Keys that sign dossiers and consent receipts: a JWKS file whose first key signs and whose
# every key is published at /.well-known/jwks.json, so a key can be rotated in.
SIGNING_KEYS_FILE = env_str("SIGNING_KEYS_FILE", str(VAR_DIR / "signing-keys.json"))
SIGNING_KEYS_GENERATE = False

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message that is not acknowledged within the visibility timeout is handed to another
# worker. Two kinds of message stay unacknowledged that long: a running task (dossiers.build
# may run 30 minutes) and a retry waiting out its countdown in the worker (a webhook's, up to
# WEBHOOK_RETRY_MAX_SECONDS plus 20 % jitter). The timeout must outlast both by a wide margin,
# or the work would run twice and copies of a retry would multiply
# (tests/hub/test_celery_settings.py holds it to that).
REDIS_VISIBILITY_TIMEOUT_SECONDS = 2 * 60 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT_SECONDS}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT_SECONDS}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "expire-consents": {"task": "consent.expire_due", "schedule": timedelta(minutes=1)},
    "fetch-periodic-consents": {"task": "providers.fetch_periodic", "schedule": timedelta(days=1)},
    "purge-past-retention": {"task": "providers.purge_past_retention", "schedule": timedelta(hours=1)},
    "metrics-rollup": {"task": "dashboard.rollup", "schedule": timedelta(days=1)},
    "metrics-rollup-if-stale": {"task": "dashboard.rollup_if_stale", "schedule": timedelta(minutes=1)},
    "clear-expired-tokens": {"task": "hub.clear_expired_tokens", "schedule": timedelta(hours=1)},
    "resume-stalled-dossiers": {"task": "dossiers.resume_stalled", "schedule": timedelta(seconds=30)},
    "resume-stalled-webhooks": {"task": "banks.resume_stalled_webhooks", "schedule": timedelta(minutes=1)},
    "resume-stalled-fetches": {"task": "providers.resume_stalled_fetches", "schedule": timedelta(seconds=30)},
    "seal-access-history": {"task": "consent.seal_access", "schedule": timedelta(seconds=30)},
}
# The operator's figures follow events: a loan application or decision, a consent request or transition, a
# participant's change queues one roll-up this many seconds later (one pending at a time); other changes are
# caught by the minute's staleness check. Snapshots are kept this many days (one a day before today).
METRICS_ROLLUP_DELAY_SECONDS = env_int("METRICS_ROLLUP_DELAY_SECONDS", 5)
METRICS_SNAPSHOT_KEEP_DAYS = 90
# Webhook deliveries: retried on a doubling schedule from 5 s up to an hour apart, 30 attempts in
# all (about a day), then marked failed and kept for the bank to see.
WEBHOOK_RETRY_BASE_SECONDS = 5.0
WEBHOOK_RETRY_MAX_SECONDS = 3600.0
WEBHOOK_MAX_ATTEMPTS = 30
# Work a lost worker or broker left behind is queued again after this long (see the resume_* tasks).
STALLED_AFTER_SECONDS = env_int("STALLED_AFTER_SECONDS", 120)
# A worker writes its heartbeat this often; /healthz counts it alive for three periods.
WORKER_HEARTBEAT_SECONDS = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cdi",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# --- Fetching from providers --------------------------------------------------------------
FETCH_CONNECT_TIMEOUT = env_int("FETCH_CONNECT_TIMEOUT", 5)
FETCH_READ_TIMEOUT = env_int("FETCH_READ_TIMEOUT", 20)
FETCH_PAGE_SIZE = 500
FETCH_LEASE_SECONDS = 300
# Transient failures (timeouts, connection errors, 429, 5xx) are retried this many times with
# exponential backoff and full jitter from this base; permanent ones are not retried.
FETCH_MAX_RETRIES = 4
FETCH_RETRY_BASE_SECONDS = 2.0
# How many fetches may call one provider at the same time, across all workers.
FETCH_PROVIDER_CONCURRENCY = 2
# The hub's own fetcher client; when unset, one is registered and kept in the database.
FETCHER_CLIENT_ID = env_str("FETCHER_CLIENT_ID", "")
FETCHER_CLIENT_SECRET = env_str("FETCHER_CLIENT_SECRET", "")
SANDBOX_SLOW_SECONDS = 1.5

# A dossier build renews its lease as it goes; a build that stops renewing (its worker died)
# is taken over by the redelivered task once the lease lapses.
DOSSIER_LEASE_SECONDS = 300
DOSSIER_FETCH_WAIT_SECONDS = 600

# seed_demo refuses to run unless an environment allows it (development and tests do).
DEMO_ALLOWED = False
DEMO_CREDENTIALS_FILE = VAR_DIR / "demo-credentials.json"

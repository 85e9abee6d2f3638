"""Local development and the demo: runs with no environment variables at all."""

from cdi.settings.base import *  # noqa: F403
from cdi.settings.env import env_bool, env_str

# On unless DEBUG says otherwise (DEBUG=false shows the error pages production would).
DEBUG = env_bool("DEBUG", True)
# Development only: a fixed key is fine here because nothing this key signs leaves the machine.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-not-for-production")
SIGNING_KEYS_GENERATE = True
DEMO_ALLOWED = True
# Static files straight from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdi.settings.production")
# A request gives up on the database after five seconds (and on a lock after three) and answers
# 503, rather than holding its caller and a server thread.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "5000")
os.environ.setdefault("DATABASE_LOCK_TIMEOUT_MS", "3000")

application = get_asgi_application()

"""The Celery application. Configuration lives in Django settings under CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdi.settings.dev")
app = Celery("cdi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _install_worker_steps(celery_app: Celery) -> None:
    # Imported late: the step needs Django settings, which are ready only once the worker
    # has loaded the app.
    from hub.heartbeat import HeartbeatStep

    celery_app.steps["worker"].add(HeartbeatStep)


_install_worker_steps(app)

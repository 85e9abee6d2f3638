from django.apps import AppConfig
from django.conf import settings


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Hub"

    def ready(self) -> None:
        # Production is never handed generated keys: load them now so a missing or broken
        # key file stops the process at start-up rather than at the first signature.
        if not settings.SIGNING_KEYS_GENERATE:
            from hub import keys

            keys.keyset()

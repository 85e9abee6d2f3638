from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub.demo import SME_COUNT, seed_demo


class Command(BaseCommand):
    help = "Creates the demo banks, sandbox providers, SMEs, users and operator. Running it twice changes nothing."

    def handle(self, *args, **options):
        if not settings.DEMO_ALLOWED:
            raise CommandError("seed_demo is for development and tests; this environment does not allow it.")
        seed_demo()
        self.stdout.write(
            f"Demo ready: 3 banks, 5 sandbox providers, {SME_COUNT} SMEs, an operator. "
            f"Credentials in {settings.DEMO_CREDENTIALS_FILE}."
        )

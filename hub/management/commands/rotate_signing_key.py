from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hub.keys import keyset, signing_key_rotate


class Command(BaseCommand):
    help = (
        "Puts a new signing key first in SIGNING_KEYS_FILE; the old keys stay published at "
        "/.well-known/jwks.json, so what they signed still verifies."
    )

    def handle(self, *args, **options) -> None:
        path = Path(settings.SIGNING_KEYS_FILE)
        try:
            # Development and the tests create the file on first use; production must have it.
            keyset()
            key = signing_key_rotate(path=path)
        except (ImproperlyConfigured, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "New signing key %(kid)s is first in %(path)s, with %(count)d key(s) published. Restart the web "
                "and worker processes so they sign with it."
            )
            % {"kid": key["kid"], "path": path, "count": len(keyset())}
        )

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Compiles the .po catalogues to .mo in pure Python, so no GNU gettext is needed."""

    help = "Compiles every translation catalogue under LOCALE_PATHS."

    def handle(self, *args, **options):
        compiled = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                with po_path.open("rb") as source:
                    catalogue = read_po(source)
                with po_path.with_suffix(".mo").open("wb") as target:
                    write_mo(target, catalogue)
                compiled += 1
        self.stdout.write(f"Compiled {compiled} translation catalogue(s).")

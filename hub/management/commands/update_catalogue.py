import io

from babel.messages.pofile import read_po, write_po
from django.core.management.base import BaseCommand

from hub.i18n import CATALOGUE, WIDTH, messages_extract

PLACEHOLDERS = (b'"Report-Msgid-Bugs-To:', b'"PO-Revision-Date:', b'"Last-Translator:', b'"Language-Team:')


class Command(BaseCommand):
    help = (
        "Brings the Traditional Chinese catalogue up to date with the code: new strings are added "
        "untranslated, changed ones marked fuzzy, gone ones dropped. Then translate and compile_translations."
    )

    def handle(self, *args, **options):
        with CATALOGUE.open("rb") as source:
            catalogue = read_po(source, locale="zh_Hant")
        catalogue.update(messages_extract())
        catalogue.obsolete.clear()
        written = io.BytesIO()
        write_po(written, catalogue, width=WIDTH, sort_by_file=True, include_previous=False)
        # Babel fills headers the catalogue never had with placeholders (a translator "FULL NAME"); left out.
        lines = [line for line in written.getvalue().splitlines(keepends=True) if not line.startswith(PLACEHOLDERS)]
        CATALOGUE.write_bytes(b"".join(lines))
        waiting = [m.id for m in catalogue if m.id and (m.fuzzy or not m.string or not all(_strings(m.string)))]
        self.stdout.write(f"{CATALOGUE.name}: {len(catalogue)} strings, {len(waiting)} to translate or check")


def _strings(string):
    return string if isinstance(string, tuple) else [string]

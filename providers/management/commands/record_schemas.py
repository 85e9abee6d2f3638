from django.core.management.base import BaseCommand

from providers.schema_docs import markdown_table


class Command(BaseCommand):
    help = "Prints every data category's record fields, from providers/schemas.py, as docs/providers.md shows them."

    def handle(self, *args, **options):
        self.stdout.write(markdown_table(), ending="")

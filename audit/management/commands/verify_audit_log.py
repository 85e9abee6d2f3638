from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_verify


class Command(BaseCommand):
    help = "Verifies the hash chain of the audit log: prints OK or the first broken link (exit status 1)."

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.ok:
            raise CommandError(f"BROKEN at entry {result.broken_at}: {result.reason} ({result.checked} checked)")
        self.stdout.write(f"OK: {result.checked} entries verified")

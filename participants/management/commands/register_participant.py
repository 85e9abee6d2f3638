import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from participants.services import participant_register

# The service names the fields it refuses; the operator typed these options.
OPTIONS = {
    "name": "NAME",
    "redirect_uris": "--redirect-uri",
    "api_base": "--api-base",
    "data_categories": "--categories",
}


class Command(BaseCommand):
    help = "Registers a bank, provider or operator client and prints its OAuth credentials once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["bank", "provider", "operator"])
        parser.add_argument("name")
        parser.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris")
        parser.add_argument("--api-base", default="")
        parser.add_argument(
            "--categories",
            default="",
            help="Providers: comma-separated data categories they hold (sales,payments,...).",
        )

    def handle(self, *args, kind: str, name: str, redirect_uris: list[str], api_base: str, categories: str, **options):
        try:
            registration = participant_register(
                kind=kind,
                name=name,
                redirect_uris=redirect_uris,
                api_base=api_base.rstrip("/"),
                data_categories=[c.strip() for c in categories.split(",") if c.strip()],
                actor="command:register_participant",
            )
        except ValidationError as exc:
            refused = [f"{OPTIONS.get(field, field)}: {' '.join(why)}" for field, why in exc.message_dict.items()]
            raise CommandError(" ".join(refused)) from None
        # One line of JSON with exactly these keys (PRODUCT.md): scripts read it as it is.
        output = {
            "slug": registration.participant.slug,
            "client_id": registration.application.client_id,
            "client_secret": registration.client_secret,
        }
        self.stdout.write(json.dumps(output))

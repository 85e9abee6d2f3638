import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from businesses.models import Membership
from businesses.services import business_register
from hub.errors import describe


class Command(BaseCommand):
    help = "Creates the business if new and a user of it with a role; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("brn")
        parser.add_argument("name")
        parser.add_argument("--user", required=True, dest="username")
        parser.add_argument("--role", choices=Membership.Role.values, default=Membership.Role.OWNER)
        parser.add_argument("--password", default=None)

    def handle(self, *args, brn: str, name: str, username: str, role: str, password: str | None, **options):
        try:
            created = business_register(brn=brn, legal_name=name, username=username, role=role, password=password)
        except ValidationError as exc:
            raise CommandError(describe(exc)) from None
        output = {"brn": created.business.brn, "username": created.user.username}
        if created.generated_password:
            output["password"] = created.generated_password
        # One line of JSON (PRODUCT.md): scripts read it as it is.
        self.stdout.write(json.dumps(output))

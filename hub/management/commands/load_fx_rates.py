import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hub.fx import InvalidRates, fx_load_csv


class Command(BaseCommand):
    help = "Loads FX rates (to HKD) from a CSV with the columns date, currency, rate_to_hkd."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_path", type=Path)

    def handle(self, *args, csv_path: Path, **options):
        if not csv_path.exists():
            raise CommandError(f"No such file: {csv_path}")
        try:
            count = fx_load_csv(path=csv_path)
        except InvalidRates as exc:
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(f"{csv_path} is not a valid rates file; nothing was loaded:\n{lines}") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{csv_path} is not a readable CSV file: {exc}") from None
        self.stdout.write(f"Loaded {count} FX rates from {csv_path}.")

from django.core.management.base import BaseCommand, CommandError

from townhall.units import loader


class Command(BaseCommand):
    help = "Import old→new unit links from a CSV with the columns old_code,new_code."

    def add_arguments(self, parser):
        parser.add_argument("csv_path")

    def handle(self, *args, csv_path: str, **options):
        try:
            with open(csv_path, encoding="utf-8-sig", newline="") as handle:
                added = loader.import_successions(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"successor links added: {added}")

from django.core.management.base import BaseCommand
from tqdm import tqdm

from townhall.units import loader


class Command(BaseCommand):
    help = "Load or refresh the administrative units of both eras from their packages."

    def handle(self, *args, **options):
        def progress(total: int, label: str):
            return tqdm(total=total, desc=label, unit="unit", disable=options["verbosity"] == 0)

        quiet = options["verbosity"] == 0
        for result in loader.load_all(progress=progress):
            if quiet:
                continue
            self.stdout.write(
                f"{result.era}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged"
                + (f", {len(result.skipped)} stale rows skipped" if result.skipped else "")
            )
        if not quiet:
            self.stdout.write(f"successor links added: {result.successions}")

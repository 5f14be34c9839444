"""`townhall backup DEST`: the whole database (ciphertext only) and MEDIA_ROOT, in one place."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from townhall.core import backup


class Command(BaseCommand):
    help = (
        "Write a logical backup: every row of Townhall's tables as JSON Lines (encrypted "
        "columns as stored ciphertext), every file under MEDIA_ROOT with its SHA-256, and a "
        "manifest (schema, row counts, checksums). DEST ending in .tar.gz or .tgz is written as "
        "one archive; any other DEST as a new directory. Restore with `townhall restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", help="a new .tar.gz/.tgz file or a new directory")

    def handle(self, *args, dest, verbosity, **options):
        def progress(**kwargs):
            return tqdm(**kwargs, disable=verbosity == 0, leave=False)

        def log(message: str) -> None:
            if verbosity >= 2:
                self.stdout.write(message)

        try:
            result = backup.backup(dest, progress=progress, log=log)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backup written to {result.path}: {result.rows} rows in {result.tables} "
                    f"tables, {result.media_files} media files ({result.media_bytes} bytes)."
                )
            )
            if result.missing_media:
                self.stdout.write(
                    self.style.WARNING(
                        f"{len(result.missing_media)} file(s) referenced by rows were not "
                        "under MEDIA_ROOT (listed in the manifest as missing_media)."
                    )
                )

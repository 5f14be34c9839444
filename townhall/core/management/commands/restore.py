"""`townhall restore SRC`: a `townhall backup` back into an empty, migrated database."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from townhall.core import backup


class Command(BaseCommand):
    help = (
        "Restore a `townhall backup` (a .tar.gz file or a directory) into an empty database "
        "migrated to the backup's schema, and its files into MEDIA_ROOT. Every checksum is "
        "verified before anything is written; the rows go in one transaction, and the row "
        "counts are compared with the manifest before it commits. Refuses a database that "
        "already holds data unless --force, which deletes everything in it first (users' "
        "sessions included). The same FIELD_ENCRYPTION_KEY must be configured to read it."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", help="the backup: a .tar.gz/.tgz file or a directory")
        parser.add_argument(
            "--force",
            action="store_true",
            help="delete every row of the target database first (and overwrite media files)",
        )

    def handle(self, *args, src, force, verbosity, **options):
        def progress(**kwargs):
            return tqdm(**kwargs, disable=verbosity == 0, leave=False)

        def log(message: str) -> None:
            if verbosity >= 2:
                self.stdout.write(message)

        try:
            result = backup.restore(src, force=force, progress=progress, log=log)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {result.rows} rows in {result.tables} tables "
                    f"({result.source_vendor} → {result.target_vendor}), row counts match the "
                    f"manifest; {result.media_files} media files verified, "
                    f"{result.media_written} written."
                )
            )

"""`townhall rotate_keys`: re-encrypt every encrypted column under the newest key."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from townhall.core import rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value under the FIRST key of FIELD_ENCRYPTION_KEY and "
        "recompute the blind indexes keyed by it, in short batches, while Townhall keeps "
        "running. Before: deploy FIELD_ENCRYPTION_KEY=NEW,OLD everywhere (new first; both "
        "decrypt). After: `--check` reports nothing left, then deploy FIELD_ENCRYPTION_KEY=NEW. "
        "Idempotent: run it again to resume after an interruption."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=rotation.DEFAULT_BATCH_SIZE,
            help=f"rows per transaction (default {rotation.DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; fail if any value or blind index is not yet under the first key",
        )

    def handle(self, *args, batch_size, check, verbosity, **options):
        from django.conf import settings

        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if len(settings.FIELD_ENCRYPTION_KEYS) < 2 and not check and verbosity:
            self.stdout.write(
                self.style.WARNING(
                    "Only one key is configured: every value must already be under it. To "
                    "rotate, deploy FIELD_ENCRYPTION_KEY=NEW,OLD first."
                )
            )

        def progress(**kwargs):
            return tqdm(**kwargs, disable=verbosity == 0, leave=False)

        try:
            report = rotation.rotate_all(batch_size=batch_size, check=check, progress=progress)
        except rotation.RotationError as exc:
            raise CommandError(str(exc)) from None
        verb = "to re-encrypt" if check else "re-encrypted"
        if verbosity:
            for column in report.columns:
                self.stdout.write(
                    f"  {column.label}: {column.rotated} {verb}, {column.current} already under "
                    f"the first key, {column.empty} empty"
                )
            self.stdout.write(
                f"  blind indexes: {report.indexes_updated} of {report.indexes_checked} "
                f"submitters {'to recompute' if check else 'recomputed'}"
            )
        summary = (
            f"{report.rows} rows in {len(report.columns)} columns; {report.rotated} values "
            f"{verb}, {report.current} already under the first key, "
            f"{report.indexes_updated} blind indexes {'stale' if check else 'recomputed'}."
        )
        if check and not report.done:
            raise CommandError(f"Rotation not finished: {summary} Run `townhall rotate_keys`.")
        if verbosity:
            self.stdout.write(self.style.SUCCESS(("Check passed: " if check else "") + summary))

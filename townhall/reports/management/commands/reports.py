import signal
import time

from django.core.management.base import BaseCommand, CommandError

from townhall.reports import monthly
from townhall.reports.jobs import run_pending


class Command(BaseCommand):
    help = (
        "`townhall reports run`: render the queued report documents (DOCX and XLSX). Safe from "
        "cron and to run twice at once; a job whose worker died is picked up again. "
        "`townhall reports figures`: recompute the petitions' monthly figures marked stale "
        "(`--rebuild`: all of them, after a bulk load that bypassed the triggers)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Render queued reports")
        run.add_argument("--limit", type=int, default=10, help="Reports per pass (10)")
        run.add_argument(
            "--loop", type=float, metavar="SECONDS", help="Keep running, a pass every SECONDS"
        )
        figures = sub.add_parser("figures", help="Recompute the stale monthly figures")
        figures.add_argument(
            "--rebuild", action="store_true", help="Recompute every month from the records"
        )

    def handle(self, *args, action=None, limit=10, loop=None, **options):
        if action == "figures":
            self._figures(rebuild=options["rebuild"])
            return
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        if loop is None:
            done = run_pending(limit)
            self.stdout.write(f"{done} report(s) rendered")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        try:
            while not stopping:
                done = run_pending(limit)
                if done and options["verbosity"]:
                    self.stdout.write(f"{done} report(s) rendered")
                if not done:
                    time.sleep(loop)
        except KeyboardInterrupt:
            pass

    def _figures(self, *, rebuild: bool) -> None:
        started = time.perf_counter()
        if not rebuild:
            marks = monthly.refresh()
            self.stdout.write(f"{marks} stale mark(s) consumed")
            return

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\r   months {done}/{total}", ending="")
            self.stderr.flush()

        rows = monthly.rebuild(progress=progress)
        seconds = time.perf_counter() - started
        self.stderr.write("")
        self.stdout.write(f"{rows} monthly row(s) written in {seconds:.1f} s")

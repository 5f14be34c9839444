import signal

from django.core.management.base import BaseCommand, CommandError

from townhall.core.dates import parse_iso_date
from townhall.notifications.worker import Stopper, run_loop, tick_once


class Command(BaseCommand):
    help = (
        "Queue due-soon reminders and overdue escalations for today (Asia/Ho_Chi_Minh), then "
        "deliver the outbox. Safe from cron every minute, and to run twice at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Keep running, one tick every SECONDS, until SIGTERM or SIGINT",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="Notifications per delivery batch (100)"
        )
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="Queue reminders and escalations as of this day instead of today",
        )

    def handle(self, *args, loop=None, limit=100, date=None, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        try:
            on = parse_iso_date(date) if date else None
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from None
        verbosity = options["verbosity"]
        if loop is None:
            report = tick_once(on=on, limit=limit)
            if verbosity:
                self.stdout.write(str(report))
            return
        if loop <= 0:
            raise CommandError("--loop takes a number of seconds greater than 0")
        if on is not None:
            raise CommandError("--date cannot be used with --loop")
        self._loop(loop, limit, verbosity)

    def _loop(self, every: float, limit: int, verbosity: int) -> None:
        stopper = Stopper()
        previous = {sig: signal.signal(sig, stopper) for sig in (signal.SIGTERM, signal.SIGINT)}

        def report(result):
            if verbosity >= 2 or (verbosity and not result.idle):
                self.stdout.write(str(result))

        if verbosity:
            self.stdout.write(f"tick: worker started, every {every:g} s (SIGTERM/SIGINT stops)")
        try:
            ticks = run_loop(every=every, stopper=stopper, limit=limit, report=report)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if verbosity:
            self.stdout.write(f"tick: worker stopped after {ticks} tick(s)")

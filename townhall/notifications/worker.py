"""One tick of background work (reminders, escalations, delivery) and a loop that repeats it.

`townhall tick` runs one tick (cron: every minute); `townhall tick --loop SECONDS` is a simple
long-running worker. Any number of ticks may run at once: reminders and escalations are
idempotent by key and delivery claims rows with a lease (see `delivery.py`).
"""

import datetime as dt
import logging
import time
import zoneinfo
from dataclasses import dataclass, field

from django.db import close_old_connections
from django.utils import timezone

from .delivery import DeliveryReport, outbox_deliver
from .reminders import queue_due_soon_reminders, queue_overdue_escalations

logger = logging.getLogger(__name__)

# Deadlines are Vietnamese legal dates whatever the server's clock zone.
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DELIVERY_BUDGET_SECONDS = 45  # a cron tick stops taking new batches before the next one starts


@dataclass
class TickReport:
    on: dt.date
    reminders: int = 0
    escalations: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    @property
    def idle(self) -> bool:
        d = self.delivery
        return not (self.reminders or self.escalations or d.claimed or d.failed)

    def __str__(self) -> str:
        d = self.delivery
        return (
            f"tick {self.on.isoformat()}: reminders={self.reminders} "
            f"escalations={self.escalations} sent={d.sent} failed={d.failed} retried={d.retried}"
        )


def local_today() -> dt.date:
    return timezone.localdate(timezone=VN)


def tick_once(
    *,
    on: dt.date | None = None,
    limit: int = 100,
    now: dt.datetime | None = None,
    budget_seconds: float = DELIVERY_BUDGET_SECONDS,
) -> TickReport:
    """Queue today's reminders and escalations, then deliver batches of `limit` while batches
    come back full and the time budget lasts."""
    report = TickReport(on=on or local_today())
    report.reminders = queue_due_soon_reminders(on=report.on)
    report.escalations = queue_overdue_escalations(on=report.on)
    started = time.monotonic()
    while True:
        batch = outbox_deliver(limit=limit, now=now)
        total = report.delivery
        total.claimed += batch.claimed
        total.sent += batch.sent
        total.retried += batch.retried
        total.failed += batch.failed
        total.skipped += batch.skipped
        if batch.claimed < limit or time.monotonic() - started >= budget_seconds:
            return report


class Stopper:
    """Turns SIGTERM/SIGINT into a request to stop after the current tick; a second signal
    stops at once (rows being sent then are picked up again when their lease lapses)."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))


def run_loop(*, every: float, stopper: Stopper, limit: int = 100, report=None) -> int:
    """Tick every `every` seconds until `stopper` is asked to stop; returns the ticks run.

    A failed tick (the database restarting, say) is logged and retried at the next one: the
    worker outlives a transient outage instead of leaving the outbox unattended.
    """
    ticks = 0
    while not stopper.requested:
        close_old_connections()
        try:
            result = tick_once(limit=limit)
        except Exception:
            logger.exception("tick failed; retrying in %s s", every)
        else:
            if report is not None:
                report(result)
        finally:
            ticks += 1
            close_old_connections()
        stopper.sleep(every)
    return ticks

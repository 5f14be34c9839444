"""The petitions' monthly figures per unit: a cache of the records, kept fresh by marks.

A database trigger (migration reports/0005) writes a `StaleMonth` row — the unit and the month
of the record — in the same transaction as every insert, update or delete of a case or a
petition, whatever wrote it (services, admin, a restore, a script). `refresh` consumes the
marks: it recomputes each marked unit's month from the records with
`statistics_petitions.month_records`, which counts with the statistics' own aggregates, so a stored
figure and a figure counted from the records are one definition. This module decides when and
where the figures are stored; `statistics_petitions.py` how they are counted. The statistics call
`refresh` before they read, and `townhall reports figures` does it from cron.

Why marks are not unique: a mark becomes visible when its writer commits, together with the
write. A refresh deletes only the marks it read, so it never consumes a mark whose write it
cannot see yet; one refresh at a time (an advisory lock on PostgreSQL; SQLite has one writer).
See docs/decisions/0009.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.db import connections, transaction
from django.db.models import Max, Min
from django.utils import timezone

from townhall.petitions.models import Case, Petition

from .models import StaleMonth, UnitMonth, UnitMonthTopic, column_of

BATCH = 2000  # marks per transaction
UNITS_PER_READ = 500  # units per read of a month's records (SQLite's bound parameters)
LOCK_KEY = 7_310_402  # pg_advisory_xact_lock: one refresh at a time


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first days of the first and last whole months inside [start, end], or None."""
    first = start if start.day == 1 else add_months(start, 1)
    last = first_of_month(end + dt.timedelta(days=1))  # the month after the last whole one
    if first >= last:
        return None
    return first, add_months(last, -1)


def _recompute(using: str, month: dt.date, units: list[int] | None) -> int:
    """Rewrite the stored figures of `month` for `units` (every unit: None). Returns the rows
    written."""
    from .statistics_petitions import month_records

    figures, by_topic = month_records(using, month, units)
    stored = UnitMonth.objects.using(using).filter(month=month)
    topics = UnitMonthTopic.objects.using(using).filter(month=month)
    if units is not None:
        stored, topics = stored.filter(unit_id__in=units), topics.filter(unit_id__in=units)
    stored.delete()
    topics.delete()
    UnitMonth.objects.using(using).bulk_create(
        (
            UnitMonth(unit_id=unit, month=month, **{column_of(k): v for k, v in values.items()})
            for unit, values in figures.items()
        ),
        batch_size=1000,
    )
    UnitMonthTopic.objects.using(using).bulk_create(
        (
            UnitMonthTopic(unit_id=unit, month=month, topic_id=topic, petitions=n)
            for unit, topic, n in by_topic
        ),
        batch_size=2000,
    )
    return len(figures) + len(by_topic)


def _lock(using: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def refresh(using: str = "default") -> int:
    """Recompute every month marked stale; returns the number of marks consumed."""
    consumed = 0
    marks = StaleMonth.objects.using(using)
    while marks.exists():
        with transaction.atomic(using=using):
            _lock(using)
            batch = list(marks.order_by("pk").values_list("pk", "unit_id", "month")[:BATCH])
            if not batch:
                break
            months: dict[dt.date, set[int]] = defaultdict(set)
            for _pk, unit, month in batch:
                months[month].add(unit)
            for month, units in sorted(months.items()):
                ordered = sorted(units)
                for i in range(0, len(ordered), UNITS_PER_READ):
                    _recompute(using, month, ordered[i : i + UNITS_PER_READ])
            marks.filter(pk__in=[pk for pk, *_ in batch]).delete()
            consumed += len(batch)
    return consumed


def rebuild(using: str = "default", progress: Callable[[int, int], object] | None = None) -> int:
    """Recompute every month of every unit from the records (after a bulk load that bypassed
    the triggers, such as the benchmark's). Returns the rows written."""
    written = 0
    with transaction.atomic(using=using):
        _lock(using)
        StaleMonth.objects.using(using).all().delete()
        UnitMonth.objects.using(using).all().delete()
        UnitMonthTopic.objects.using(using).all().delete()
        bounds = [
            Case.objects.using(using).aggregate(a=Min("received_on"), b=Max("received_on")),
            Petition.objects.using(using).aggregate(a=Min("received_at"), b=Max("received_at")),
        ]
        days = [
            timezone.localdate(v) if isinstance(v, dt.datetime) else v
            for b in bounds
            for v in b.values()
            if v is not None
        ]
        if not days:
            return 0
        month, last = first_of_month(min(days)), first_of_month(max(days))
        total = (last.year - month.year) * 12 + last.month - month.month + 1
        for done in range(1, total + 1):
            written += _recompute(using, month, None)
            if progress:
                progress(done, total)
            month = add_months(month, 1)
    return written

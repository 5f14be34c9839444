"""The petitions' monthly figures per unit: a cache of the records, kept fresh by marks.

A database trigger (migration reports/0004) writes a `StaleMonth` row — the unit and the month
of the record — in the same transaction as every insert, update or delete of a case or a
petition, whatever wrote it (services, admin, a restore, a script). `refresh` consumes the
marks: it recomputes each marked unit's month from the records with the aggregates that
`statistics.py` counts the records with (`statistics.stored_case_aggregates`,
`statistics.petition_aggregates`), so a stored figure and a figure counted from the records
are one definition. The statistics call `refresh` before they read, and
`townhall reports figures` does it from cron.

Why marks are not unique: a mark becomes visible when its writer commits, together with the
write. A refresh deletes only the marks it read, so it never consumes a mark whose write it
cannot see yet; one refresh at a time (an advisory lock on PostgreSQL; SQLite has one writer).
See docs/decisions/0009.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connections, transaction
from django.db.models import Count, DurationField, Max, Min
from django.utils import timezone

from townhall.petitions.models import Case, Petition

from .models import StaleMonth, UnitMonth, UnitMonthTopic, column_of

BATCH = 2000  # marks per transaction
UNITS_PER_READ = 500  # units per read of a month's records (SQLite's bound parameters)
LOCK_KEY = 7_310_402  # pg_advisory_xact_lock: one refresh at a time


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first days of the first and last whole months inside [start, end], or None."""
    first = start if start.day == 1 else next_month(start)
    last = first_of_month(end + dt.timedelta(days=1))  # the month after the last whole one
    if first >= last:
        return None
    return first, first_of_month(last - dt.timedelta(days=1))


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _raw(qs) -> list[tuple]:
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _seconds(value, connection) -> float:
    if value is None:
        return 0.0
    if not isinstance(value, dt.timedelta):
        value = connection.ops.convert_durationfield_value(value, None, connection)
    return value.total_seconds()


def _grouped(qs, keys: tuple[str, ...], aggregates: dict) -> Iterable[tuple[tuple, dict]]:
    """(key values, {figure: value}) per group of `qs`, read raw (durations in seconds)."""
    connection = connections[qs.db]
    aliases = {f"a{i}": aggregate for i, aggregate in enumerate(aggregates.values())}
    rows = qs.order_by().values(*keys).annotate(**aliases)
    durations = {
        alias
        for alias in aliases
        if isinstance(rows.query.annotations[alias].output_field, DurationField)
    }
    for row in _raw(rows.values_list(*keys, *aliases)):
        values = {}
        for (alias, name), value in zip(
            zip(aliases, aggregates, strict=True), row[len(keys) :], strict=True
        ):
            values[name] = _seconds(value, connection) if alias in durations else value or 0
        yield row[: len(keys)], values


def _recompute(using: str, month: dt.date, units: list[int] | None) -> int:
    """Rewrite the stored figures of `month` for `units` (every unit: None). Returns the rows
    written."""
    from .statistics import petition_aggregates, stored_case_aggregates

    end = next_month(month)
    cases = Case.objects.using(using).filter(
        received_on__gte=month, received_on__lt=end, merged_into__isnull=True
    )
    petitions = Petition.objects.using(using).filter(
        received_at__gte=_local_midnight(month), received_at__lt=_local_midnight(end)
    )
    stored = UnitMonth.objects.using(using).filter(month=month)
    topics = UnitMonthTopic.objects.using(using).filter(month=month)
    if units is not None:
        cases, petitions = cases.filter(unit_id__in=units), petitions.filter(unit_id__in=units)
        stored, topics = stored.filter(unit_id__in=units), topics.filter(unit_id__in=units)
    rows: dict[int, dict] = defaultdict(dict)
    for (unit,), values in _grouped(cases, ("unit",), stored_case_aggregates()):
        rows[unit].update(values)
    kinds = {k: v for k, v in petition_aggregates().items() if not k.startswith("by_topic:")}
    for (unit,), values in _grouped(petitions, ("unit",), kinds):
        rows[unit].update(values)
    by_topic = list(_grouped(petitions, ("unit", "topic"), {"petitions": Count("pk")}))
    stored.delete()
    topics.delete()
    UnitMonth.objects.using(using).bulk_create(
        (
            UnitMonth(unit_id=unit, month=month, **{column_of(k): v for k, v in values.items()})
            for unit, values in rows.items()
        ),
        batch_size=1000,
    )
    UnitMonthTopic.objects.using(using).bulk_create(
        (
            UnitMonthTopic(unit_id=unit, month=month, topic_id=topic, petitions=v["petitions"])
            for (unit, topic), v in by_topic
        ),
        batch_size=2000,
    )
    return len(rows) + len(by_topic)


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
            month = next_month(month)
    return written

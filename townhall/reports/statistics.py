"""Statistics for a unit's subtree, a period and a level, computed from the records.

Every figure comes from a GROUP BY query over the records (conferences,
opinions, directives, cases, petitions, reception sessions and register entries) grouped in
SQL by the root's child each record's unit lies under, with no join to the units (`_read`:
from one read of the scope's units, `Scope.unit_children`, a child number looked up by unit
id on PostgreSQL; elsewhere grouped by unit id and rolled up in Python) — or grouped by agency
(reception: by agency, rolled up in Python) — so Python sees at most one row per unit or
agency, never one per record (docs/decisions/0007). Each kind of record is read once per
period: every figure of a row is a filtered count over the same pass. Those rows are the
breakdown (`by_unit`, with the root's own level first) and add up to the totals, so the
totals are the sum of the breakdown by construction.

This module holds what every kind of record shares: the scope (`Scope`, `scope_build`, the
period, level and era checks, the lineage) and the roll-up into the root's children (`_read`,
`_by_unit`, `_by_agency`), with the entry points that take a kind (`with_previous`, `records`).
Each kind's figures, conditions and records live beside it: `statistics_dialogues.py`
(conferences, opinions, directives), `statistics_petitions.py` (cases and petitions, with what
`monthly` stores) and `statistics_reception.py` (reception sessions and register entries).

The petitions' figures for the whole months of a period are read from their monthly sums per
unit (`monthly.py`: a cache recomputed from the records with the same aggregates, marked stale
by a trigger on every write, docs/decisions/0009); the days outside whole months, the figures
that depend on the reading day (overdue, prolonged because late) and the figures by agency
come from the records.

The definitions (what "answered later" or "overdue" means) live in the `*_Q` conditions of the
kind modules and are shared by the counts and by `records`, the list of records behind each
figure, so a number on the dashboard and the rows it links to cannot disagree. They follow
`townhall.dialogues.selectors.conference_summary` and `townhall.petitions.flags`; tests check
that they agree.

Periods: a conference counts in the period it was *held* in, with its opinions and directives
(whatever their current state); cases and petitions count in the period they were received
in; reception sessions on their date. Overdue is as of `scope.on` (today by default).

Eras: the root is the unit with that code in the era valid on the period's last day (or, when
the code was no longer in use then, on its first day), and its subtree is that era's units.
When the period also covers days of the other era, the subtree follows the reform's lineage
(`units.Succession`, in `Scope.lineage`, the one place it is applied): a unit of the other era
counts, with the units below it, when every unit it is linked to lies in the root's subtree —
so a 2025 statistic for the two-level Hải Phòng (31) includes the three-level Hải Phòng and
Hải Dương before 1 July, and one for the three-level Hải Dương (30) includes, after 1 July,
the new communes that succeeded only communes of Hải Dương. Records of such units are rolled
up in their own `by_unit` rows (`lineage: true`), after the root's children.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from operator import add

from django.db import connections
from django.db.models import DurationField, F, Func, IntegerField, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.core.dates import format_vn, today
from townhall.units.models import ERA_BOUNDS, Agency, Era, Level, Succession, Unit

from .models import era_of
from .monthly import add_months

MAX_YEARS = 10
LEVELS_IN_ERA = {
    Era.THREE_LEVEL: (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE),
    Era.TWO_LEVEL: (Level.PROVINCE, Level.COMMUNE),
}


class StatisticsError(ValueError):
    """Bad input, with the field at fault and the HTTP status the API answers with."""

    def __init__(self, message: str, *, field: str, status: int = 422):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


# --- the scope: a subtree, a period, a level ------------------------------------------------
@dataclass(frozen=True)
class Scope:
    unit: Unit
    start: dt.date
    end: dt.date
    level: str = ""  # conferences: the host level; cases, reception: the unit's level
    on: dt.date = field(default_factory=today)  # overdue as of this day
    own: bool = False  # the root unit itself only, not the units below it

    @property
    def start_at(self) -> dt.datetime:
        return _midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the period (the period's last day is included)."""
        return _midnight(self.end + dt.timedelta(days=1))

    @cached_property
    def lineage(self) -> tuple[Unit, ...]:
        """The other era's units whose records count here (see the module's docstring)."""
        return lineage_of(self.unit, self.start, self.end, own=self.own)

    def units_q(self, unit_field: str = "", *, level: bool = True) -> Q:
        """The scope's units: under the root (or the root itself, `own`) and its lineage, at
        the level asked for (unless `level` is False: conferences keep their host level).
        `unit_field` leads from the model filtered to the unit ("unit",
        "conference__host_unit"); "" filters Unit itself."""
        prefix = f"{unit_field}__" if unit_field else ""
        if self.own:
            q = Q(**{f"{prefix}pk": self.unit.pk}) if self.unit.pk else Q(pk__in=[])
            for other in self.lineage:
                q |= Q(**{f"{prefix}pk": other.pk})
        else:
            q = Q(**{f"{prefix}path__startswith": self.unit.path})
            for other in self.lineage:
                q |= Q(**{f"{prefix}path__startswith": other.path})
        if level and self.level:
            q &= Q(**{f"{prefix}level": self.level})
        return q

    @cached_property
    def _units(self) -> tuple[tuple[int, str, str], ...]:
        """(id, root's child, level) of every unit of the scope, whatever the level."""
        units = Unit.objects.filter(self.units_q(level=False)).order_by()
        return tuple(
            (pk, _child_key(self, path), unit_level)
            for pk, path, unit_level in units.values_list("pk", "path", "level")
        )

    def unit_children(self, *, level: bool = True) -> dict[int, str]:
        """Each unit of the scope, by id, to the root's child it lies under (`_child_key`), from
        one read of the units: the statistics group records by `unit_id` in SQL (no join to
        the units, at most one row per unit) and roll the rows up with this."""
        every = not (level and self.level)
        return {pk: child for pk, child, lvl in self._units if every or lvl == self.level}

    def unit_in_q(self, unit_field: str, *, level: bool = True) -> Q:
        """The statistics' filter on the unit, `unit_id IN (the scope's units)`, for a subtree;
        none (Q()) for the whole country, whose reads take every row of the period and leave
        the other era's units out in Python (`unit_children`): there the filter would cost
        more than the few rows it drops."""
        if self.unit.pk is None and not self.own:
            return Q()
        units = Unit.objects.filter(self.units_q(level=level)).order_by().values("pk")
        return Q(**{f"{unit_field}__in": units})

    def previous(self) -> "Scope":
        start, end = previous_period(self.start, self.end)
        return replace(self, start=start, end=end)


def country(era: str) -> Unit:
    """The whole country in one era: a root (never saved) whose children are the provinces."""
    return Unit(code="", era=era, name=_("Whole country"), kind="", level="", path=f"{era}/")


def _other_era(era: str) -> str:
    return Era.TWO_LEVEL if era == Era.THREE_LEVEL else Era.THREE_LEVEL


def _overlaps_era(era: str, start: dt.date, end: dt.date) -> bool:
    first, last = ERA_BOUNDS[era]
    return first <= end and (last is None or start <= last)


def lineage_of(unit: Unit, start: dt.date, end: dt.date, *, own: bool = False) -> tuple:
    """The units of the other era that count under `unit` for a period: none unless the period
    covers days of that era; else each unit linked (as predecessor or successor) to the root
    or a unit below it (to the root itself with `own`) whose links all lie there — a unit
    split between several roots belongs to none of them. The country takes the other era's
    country whole. Units already under another unit of the result are left out."""
    other = _other_era(unit.era)
    if not _overlaps_era(other, start, end):
        return ()
    if unit.pk is None:
        return () if own else (country(other),)
    forward = unit.era == Era.THREE_LEVEL
    near, far = ("predecessor", "successor") if forward else ("successor", "predecessor")
    inside = Q(**{near: unit}) if own else Q(**{f"{near}__path__startswith": unit.path})
    linked = set(Succession.objects.filter(inside).values_list(f"{far}_id", flat=True))
    if not linked:
        return ()
    elsewhere = set(
        Succession.objects.filter(**{f"{far}_id__in": linked})
        .exclude(inside)
        .values_list(f"{far}_id", flat=True)
    )
    units = sorted(
        Unit.objects.filter(pk__in=linked - elsewhere), key=lambda u: (len(u.path), u.path)
    )
    kept: list[Unit] = []
    for candidate in units:
        if own or not any(candidate.path.startswith(k.path) for k in kept):
            kept.append(candidate)
    return tuple(sorted(kept, key=lambda u: u.path))


def _midnight(day: dt.date) -> dt.datetime:
    """The first instant of a local day (Asia/Ho_Chi_Minh)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before: the same number of whole months when the period is whole months
    (2022 → 2021, Q2 → Q1), otherwise the same number of days."""
    before = start - dt.timedelta(days=1)
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return add_months(start, -months), before
    return before - (end - start), before


def _ten_years_after(start: dt.date) -> dt.date:
    try:
        return start.replace(year=start.year + MAX_YEARS)
    except ValueError:  # 29 February
        return start.replace(year=start.year + MAX_YEARS, day=28)


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise StatisticsError(
            _("The period ends on %(end)s, before it starts on %(start)s")
            % {"end": format_vn(end), "start": format_vn(start)},
            field="to",
        )
    if end >= _ten_years_after(start):
        raise StatisticsError(
            _("The period %(start)s – %(end)s spans more than %(n)d years; ask for less")
            % {"start": format_vn(start), "end": format_vn(end), "n": MAX_YEARS},
            field="to",
        )


def check_level(level: str, day: dt.date, *, field: str = "level") -> None:
    if not level:
        return
    if level not in Level.values:
        raise StatisticsError(_("Unknown level %(level)r") % {"level": level}, field=field)
    era = era_of(day)
    if level not in LEVELS_IN_ERA[era]:
        first = ERA_BOUNDS[era][0]
        raise StatisticsError(
            _(
                "There is no %(level)s on %(day)s: from %(first)s local government has two "
                "levels, province and commune"
            )
            % {
                "level": Level(level).label.lower(),
                "day": format_vn(day),
                "first": format_vn(first),
            },
            field=field,
        )


def unit_resolve(
    code: str, day: dt.date, *, within: QuerySet[Unit] | None = None, latest: bool = False
) -> Unit:
    """The unit with `code` in the era valid on `day`; `within` narrows it to a jurisdiction
    (outside it the unit is "not found", 404, as every record outside a jurisdiction is).
    With `latest`, a code no longer in use names its last unit (Hải Dương, 30, after 2025):
    open matters stay where they were registered."""
    code = (code or "").strip()
    units = Unit.objects.filter(code=code)
    unit = units.valid_on(day).first()
    if unit is None and latest:
        unit = units.order_by("-valid_from").first()
    if unit is None:
        other = units.order_by("-valid_from").first()
        if other is None:
            raise StatisticsError(
                _("No administrative unit has the code %(code)r") % {"code": code}, field="unit"
            )
        raise StatisticsError(
            _("%(name)s (%(code)s) was a unit from %(first)s to %(last)s, not on %(day)s")
            % {
                "name": other.name,
                "code": code,
                "first": format_vn(other.valid_from) or "…",
                "last": format_vn(other.valid_to) or "…",
                "day": format_vn(day),
            },
            field="unit",
        )
    if within is not None and not within.filter(pk=unit.pk).exists():
        raise StatisticsError(
            _("%(name)s (%(code)s) is outside your jurisdiction")
            % {"name": unit.name, "code": code},
            field="unit",
            status=404,
        )
    return unit


def scope_build(
    *,
    code: str,
    start: dt.date,
    end: dt.date,
    level: str = "",
    on: dt.date | None = None,
    within: QuerySet[Unit] | None = None,
    own: bool = False,
) -> Scope:
    """Validate the request and resolve the unit in the era valid at `start`."""
    check_period(start, end)
    check_level(level, start)
    unit = period_unit(code, start, end, within=within)
    return Scope(unit, start, end, level or "", on or today(), own)


def period_unit(
    code: str, start: dt.date, end: dt.date, *, within: QuerySet[Unit] | None = None
) -> Unit:
    """The unit with `code` on the period's last day; if the code was not in use then, on its
    first day (the lineage brings in the other era's records, see Scope.lineage)."""
    if era_of(start) != era_of(end):
        try:
            return unit_resolve(code, end, within=within)
        except StatisticsError as error:
            if error.status == 404:
                raise
    return unit_resolve(code, start, within=within)


# --- rolling rows up into the root's children -----------------------------------------------
Buckets = dict[object, Counter]


def _collect(buckets: Buckets, rows: Iterable[dict], key: str) -> None:
    for row in rows:
        bucket = buckets[row.pop(key)]
        for name, value in row.items():
            if isinstance(value, dt.timedelta):
                value = value.total_seconds()
            bucket[name] += value or 0


def _below(unit: Unit) -> QuerySet[Unit]:
    if unit.pk:
        return Unit.objects.filter(parent=unit)
    return Unit.objects.filter(era=unit.era, parent__isnull=True)


def children_of(scope: Scope) -> list[Unit]:
    """The root's children that existed at some time in the period."""
    return list(
        _below(scope.unit)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=scope.end))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=scope.start))
        .order_by("code")
    )


def _child_key(scope: Scope, path: str) -> str:
    """The code of the root's child that `path` lies under; "" for the root itself; for a
    unit of the other era, "<path>" of the lineage unit it lies under."""
    if path.startswith(scope.unit.path):
        return path[len(scope.unit.path) :].split("/", 1)[0]
    for other in scope.lineage:
        if path.startswith(other.path):
            return other.path
    return ""  # not reached: every unit comes from Scope.units_q


class _ChildIndex(Func):
    """`children[unit_id - first]`: a PostgreSQL array subscript that maps a unit id to the
    number of the root's child it lies under (0 outside the scope), so that a query groups
    by child with no join to the units (see `_read`)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        (array, array_params), (unit, unit_params), (first, first_params) = (
            compiler.compile(expression) for expression in self.source_expressions
        )
        return f"({array}::int[])[{unit} - {first}]", (*array_params, *unit_params, *first_params)


def _child_groups(scope: Scope, unit_field: str, children: dict[int, str], vendor: str):
    """What a statistics read groups by, and each group's child: on PostgreSQL the child's
    number (`_ChildIndex`, from an array of the scope's unit ids: one row per child, and a
    hash aggregate of a few dozen groups rather than 11,000 is a third faster for the
    country); elsewhere the unit id, rolled up in Python."""
    if vendor != "postgresql" or not children:
        return F(unit_field), children
    names = sorted(set(children.values()))
    number = {child: i for i, child in enumerate(names, 1)}
    first, last = min(children), max(children)
    array = [number.get(children.get(pk), 0) for pk in range(first, last + 1)]
    key = _ChildIndex(Value(array), F(unit_field), Value(first - 1))
    return key, dict(enumerate(names, 1))


def _read(
    scope: Scope,
    qs: QuerySet,
    unit_field: str,
    aggregates: dict,
    *,
    level: bool = True,
    agency: str = "",
    by: str = "",
) -> Buckets:
    """`qs` (filtered on everything but the unit) with `aggregates`, in buckets by the root's
    child: grouped in SQL by child (`_child_groups`) or by unit id, with no join to the
    units, and rolled up here with `Scope.unit_children`, which also leaves out any unit
    outside the scope. With `agency` (a field of `qs`), in buckets by that agency instead.
    With `by` (a field of `qs`), also grouped by it: each figure's name gets the value
    appended ("by_topic_id:" and topic 3 → "by_topic_id:3")."""
    vendor = connections[qs.db].vendor
    names = list(aggregates)
    if agency:  # joined to the units: the agencies' rows are not rolled up by unit
        qs, groups = qs.filter(scope.units_q(unit_field, level=level)), None
        key = F(agency)
    else:
        qs = qs.filter(scope.unit_in_q(unit_field, level=level))
        key, groups = _child_groups(scope, unit_field, scope.unit_children(level=level), vendor)
    fields = ("_key", by) if by else ("_key",)
    sums: dict[object, list] = {}
    for keys, values in _aggregate_rows(qs.annotate(_key=key), fields, aggregates):
        key = keys[0]
        if groups is not None:
            key = groups.get(key)
            if key is None:
                continue
        if by:
            key = (key, keys[1])
        acc = sums.get(key)
        sums[key] = values if acc is None else list(map(add, acc, values))
    buckets: Buckets = defaultdict(Counter)
    for key, acc in sums.items():
        suffix = ""
        if by:
            key, value = key
            suffix = str(value)
        buckets[key].update(
            {f"{name}{suffix}": value for name, value in zip(names, acc, strict=True) if value}
        )
    return buckets


def _aggregate_rows(qs: QuerySet, keys: tuple[str, ...], aggregates: dict):
    """(key values, aggregate values in `aggregates`' order) for each group of `qs` by `keys`,
    read raw (`_raw_rows`), durations in seconds."""
    database = connections[qs.db]
    aliases = {f"a{i}": aggregate for i, aggregate in enumerate(aggregates.values())}
    rows = qs.order_by().values(*keys).annotate(**aliases)
    durations = [
        i
        for i, alias in enumerate(aliases)
        if isinstance(rows.query.annotations[alias].output_field, DurationField)
    ]
    for row in _raw_rows(rows.values_list(*keys, *aliases)):
        values = list(row[len(keys) :])
        for i in durations:
            values[i] = _seconds(values[i], database)
        yield row[: len(keys)], values


def _raw_rows(qs: QuerySet) -> list[tuple]:
    """The rows of `qs` as the database driver gives them: Django's per-value converters
    cost more than the query's grouping in Python for 11,000 rows of 20 counts (counts come
    as integers anyway; durations go through `_seconds`)."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _seconds(value, connection) -> float:
    """A summed duration (None for none) in seconds, from an interval or, on databases with no
    interval type (SQLite), Django's stored microseconds."""
    if value is None:
        return 0
    if not isinstance(value, dt.timedelta):
        value = connection.ops.convert_durationfield_value(value, None, connection)
    return value.total_seconds()


def _keyed(by_child: Buckets) -> tuple[Counter, Buckets]:
    total: Counter = Counter()
    for counts in by_child.values():
        total.update(counts)
    return total, by_child


def _roll_up(scope: Scope, by_path: Buckets) -> tuple[Counter, dict[str, Counter]]:
    total: Counter = Counter()
    by_child: dict[str, Counter] = defaultdict(Counter)
    for path, counts in by_path.items():
        by_child[_child_key(scope, path)].update(counts)
        total.update(counts)
    return total, by_child


def _unit_ref(unit: Unit, *, own: bool = False) -> dict:
    return {"code": unit.code, "name": unit.name, "level": unit.level, "own": own}


def _by_unit(scope: Scope, by_child: dict[str, Counter], finish) -> list[dict]:
    own = [{**_unit_ref(scope.unit, own=True), **finish(by_child.get("", Counter()))}]
    lineage = [
        {**_unit_ref(other), "era": other.era, "lineage": True}
        | finish(by_child.get(other.path, Counter()))
        for other in scope.lineage
    ]
    return (
        own
        + [
            {**_unit_ref(child), **finish(by_child.get(child.code, Counter()))}
            for child in children_of(scope)
        ]
        + lineage
    )


def _by_agency(buckets: Buckets, finish, *, sort_key) -> list[dict]:
    agencies = Agency.objects.select_related("unit").in_bulk([k for k in buckets if k])
    rows = [
        {
            "agency": {"id": pk, "name": agencies[pk].name, "unit": agencies[pk].unit.code},
            **finish(counts),
        }
        for pk, counts in buckets.items()
        if pk in agencies
    ]
    return sorted(rows, key=sort_key)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- the figures of each kind of record -----------------------------------------------------
# They live in statistics_dialogues.py, statistics_petitions.py and statistics_reception.py,
# which import this module for the scope and the roll-up: imported on call, not at the top.
def _figures(kind: str):
    """The function that computes the figures of `kind`."""
    from .statistics_dialogues import dialogue_figures
    from .statistics_petitions import petition_figures
    from .statistics_reception import reception_figures

    return {
        "dialogues": dialogue_figures,
        "petitions": petition_figures,
        "reception": reception_figures,
    }[kind]


# --- with the previous period ---------------------------------------------------------------
def with_previous(kind: str, scope: Scope, **options) -> dict:
    """The figures for the period, and the same totals for the period just before."""
    figures_of = _figures(kind)
    figures = figures_of(scope, **options)
    before = scope.previous()
    previous = figures_of(before, **{**options, "by_agency": False})
    previous.pop("by_unit", None)
    return {
        "unit": _unit_ref(scope.unit, own=True) | {"era": scope.unit.era},
        "from": scope.start,
        "to": scope.end,
        "level": scope.level or None,
        "on": scope.on,
        **figures,
        "previous": {"from": before.start, "to": before.end, **previous},
    }


# --- the records behind a figure ------------------------------------------------------------
def records(kind: str, scope: Scope, metric: str, value: str = "") -> QuerySet | None:
    """The records a figure counts (None for a figure that is not a count of records)."""
    from .statistics_dialogues import _dialogue_records
    from .statistics_petitions import _case_records
    from .statistics_reception import _reception_records

    if kind == "dialogues":
        return _dialogue_records(scope, metric)
    if kind == "petitions":
        return _case_records(scope, metric, value)
    if kind == "reception":
        return _reception_records(scope, metric)
    return None

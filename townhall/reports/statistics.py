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

The petitions' figures for the whole months of a period are read from their monthly sums per
unit (`monthly.py`: a cache recomputed from the records with the same aggregates, marked stale
by a trigger on every write, docs/decisions/0009); the days outside whole months, the figures
that depend on the reading day (overdue, prolonged because late) and the figures by agency
come from the records.

The definitions (what "answered later" or "overdue" means) live in the `*_Q` conditions below
and are shared by the counts and by `records`, the list of records behind each figure, so a
number on the dashboard and the rows it links to cannot disagree. They follow
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

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.accounts.models import Role
from townhall.core.dates import format_vn, today
from townhall.dialogues.models import Conference, Directive, DirectiveStatus, Opinion, Outcome
from townhall.dialogues.models import Status as ConferenceStatus
from townhall.petitions import flags
from townhall.petitions.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Case,
    Channel,
    Kind,
    Petition,
    Status,
    Topic,
)
from townhall.reception import selectors as reception
from townhall.reception.models import ReceptionSession, RegisterEntry, SessionKind
from townhall.units.models import ERA_BOUNDS, Agency, Era, Level, Succession, Unit

from . import monthly
from .models import UnitMonth, UnitMonthTopic, column_of, era_of
from .monthly import add_months, whole_months

MAX_YEARS = 10
LEVELS_IN_ERA = {
    Era.THREE_LEVEL: (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE),
    Era.TWO_LEVEL: (Level.PROVINCE, Level.COMMUNE),
}
HELD_STATUSES = (ConferenceStatus.HELD, ConferenceStatus.CONCLUDED, ConferenceStatus.CLOSED)


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


# --- dialogues ------------------------------------------------------------------------------
ANSWERED_Q = Q(outcome=Outcome.ANSWERED)
LATER_Q = Q(outcome=Outcome.DEFERRED, petition__case__status__in=DONE_STATUSES)
# Not yet given an outcome, or deferred and its case still open (= total − answered − later).
PENDING_Q = Q(outcome=Outcome.PENDING) | Q(
    outcome=Outcome.DEFERRED, petition__case__status__in=OPEN_STATUSES
)


def opinion_overdue_q(on: dt.date) -> Q:
    return Q(
        outcome=Outcome.DEFERRED,
        petition__case__status__in=OPEN_STATUSES,
        petition__case__due__lt=on,
    )


DIRECTIVE_OPEN_Q = Q(status=DirectiveStatus.OPEN)
DIRECTIVE_ON_TIME_Q = ~DIRECTIVE_OPEN_Q & Q(done_on__lte=F("deadline"))
DIRECTIVE_LATE_Q = ~DIRECTIVE_OPEN_Q & Q(done_on__gt=F("deadline"))


def directive_overdue_q(on: dt.date) -> Q:
    return DIRECTIVE_OPEN_Q & Q(deadline__lt=on)


DIALOGUE_KEYS = (
    "conferences",
    "opinions",
    "answered_at_conference",
    "answered_later",
    "pending",
    "overdue",
    "directives",
    "directives_done_on_time",
    "directives_done_late",
    "directives_open",
    "directives_overdue",
)


def _held_period_q(scope: Scope, prefix: str = "") -> Q:
    """Conferences held in the period, at the host level asked for (any unit)."""
    q = Q(
        **{
            f"{prefix}status__in": HELD_STATUSES,
            f"{prefix}held_at__gte": scope.start_at,
            f"{prefix}held_at__lt": scope.end_at,
        }
    )
    if scope.level:
        q &= Q(**{f"{prefix}host_level": scope.level})
    return q


def held_q(scope: Scope, prefix: str = "") -> Q:
    """Conferences held in the period, under the root, at the host level asked for."""
    return _held_period_q(scope, prefix) & scope.units_q(f"{prefix}host_unit", level=False)


def _dialogue_buckets(scope: Scope, *, by_agency: bool = False) -> Buckets:
    """By the root's child the host unit lies under, or by host agency."""
    on = scope.on
    reads = (
        (Conference, "", {"conferences": Count("pk")}),
        (
            Opinion,
            "conference__",
            {
                "opinions": Count("pk"),
                "answered_at_conference": Count("pk", filter=ANSWERED_Q),
                "answered_later": Count("pk", filter=LATER_Q),
                "pending": Count("pk", filter=PENDING_Q),
                "overdue": Count("pk", filter=opinion_overdue_q(on)),
            },
        ),
        (
            Directive,
            "conclusion__conference__",
            {
                "directives": Count("pk"),
                "directives_done_on_time": Count("pk", filter=DIRECTIVE_ON_TIME_Q),
                "directives_done_late": Count("pk", filter=DIRECTIVE_LATE_Q),
                "directives_open": Count("pk", filter=DIRECTIVE_OPEN_Q),
                "directives_overdue": Count("pk", filter=directive_overdue_q(on)),
            },
        ),
    )
    buckets: Buckets = defaultdict(Counter)
    for model, prefix, aggregates in reads:
        read = _read(
            scope,
            model.objects.filter(_held_period_q(scope, prefix)),
            f"{prefix}host_unit",
            aggregates,
            level=False,  # the level is the conference's host level
            agency=f"{prefix}host_agency" if by_agency else "",
        )
        for key, counts in read.items():
            buckets[key].update(counts)
    return buckets


def _dialogue_finish(counts: Counter) -> dict:
    row = {k: int(counts.get(k, 0)) for k in DIALOGUE_KEYS}
    row["answered_at_conference_pct"] = _pct(row["answered_at_conference"], row["opinions"])
    return row


def dialogue_figures(scope: Scope, *, by_agency: bool = False) -> dict:
    """Conferences held, opinions received, answered at the conference (number and %),
    answered later, pending, overdue; directives done on time, late, open, overdue."""
    total, by_child = _keyed(_dialogue_buckets(scope))
    figures = {**_dialogue_finish(total), "by_unit": _by_unit(scope, by_child, _dialogue_finish)}
    if by_agency:
        figures["by_agency"] = _by_agency(
            _dialogue_buckets(scope, by_agency=True),
            _dialogue_finish,
            sort_key=lambda r: (-r["conferences"], r["agency"]["name"]),
        )
    return figures


# --- petitions and cases --------------------------------------------------------------------
RESOLVED_Q = Q(
    status__in=(Status.ANSWERED, Status.CLOSED),
    answered_at__isnull=False,
    competent_agency__isnull=False,  # returned cases were never accepted: not "resolved"
)
CASE_OPEN_Q = Q(status__in=OPEN_STATUSES)


# The flag rules live in petitions/flags.py; statistics count with the same Q objects.
mass_q = flags.mass_q
over_level_q = flags.over_level_q
prolonged_q = flags.prolonged_q  # = after a final decision, or (open and) late: counted apart


def case_overdue_q(on: dt.date) -> Q:
    return CASE_OPEN_Q & Q(due__lt=on)


ACK_ON_TIME_Q = Q(LessThanOrEqual(TruncDate("acknowledged_at"), F("acknowledge_due")))
# Counted as the rest of the acknowledged cases (`_petition_finish`); the records' filter.
ACK_LATE_Q = Q(GreaterThan(TruncDate("acknowledged_at"), F("acknowledge_due")))
RESOLVED_ON_TIME_Q = RESOLVED_Q & (
    Q(due__isnull=True) | Q(LessThanOrEqual(TruncDate("answered_at"), F("due")))
)
# Counted as the rest of the resolved cases (`_petition_finish`); the records' filter.
RESOLVED_LATE_Q = RESOLVED_Q & Q(GreaterThan(TruncDate("answered_at"), F("due")))

PETITION_KEYS = (
    "petitions",
    "cases",
    "open",
    "overdue",
    "acknowledged_on_time",
    "acknowledged_late",
    "not_acknowledged",
    "resolved",
    "resolved_on_time",
    "resolved_late",
    "mass",
    "prolonged",
    "over_level",
)
DIMENSIONS = {
    # name: (model, field, the choices every row lists)
    "by_kind": (Petition, "kind", Kind.values),
    "by_channel": (Petition, "channel", Channel.values),
    "by_topic": (Petition, "topic__code", None),
    "by_status": (Case, "status", Status.values),
}


def _cases_between_q(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    """Cases received from `start` to `end` (included) that were not merged into another."""
    return Q(**{f"{prefix}received_on__gte": start, f"{prefix}received_on__lte": end}) & Q(
        **{f"{prefix}merged_into__isnull": True}
    )


def _cases_period_q(scope: Scope, prefix: str = "") -> Q:
    return _cases_between_q(scope.start, scope.end, prefix)


def cases_q(scope: Scope, prefix: str = "") -> Q:
    return _cases_period_q(scope, prefix) & scope.units_q(f"{prefix}unit")


def _petitions_between_q(start: dt.date, end: dt.date) -> Q:
    """Petitions received from `start` to `end` (included), local days."""
    return Q(received_at__gte=_midnight(start), received_at__lt=_midnight(end + dt.timedelta(1)))


def _petitions_period_q(scope: Scope) -> Q:
    return _petitions_between_q(scope.start, scope.end)


def petitions_q(scope: Scope) -> Q:
    return _petitions_period_q(scope) & scope.units_q("unit")


def stored_case_aggregates() -> dict:
    """The figures of a pass over the cases that do not depend on the reading day: what
    `UnitMonth` keeps per unit and month (monthly.py). Each filtered count costs time on every
    row, so the figures that follow from others are computed in `_petition_finish` instead:
    the cases and the open cases (the sum of the cases by status, all of them or the open
    ones: CASE_OPEN_Q), the cases acknowledged late and resolved late (the rest of those
    acknowledged and of those resolved: ACK_LATE_Q, RESOLVED_LATE_Q), the prolonged cases
    (those pursued after a final decision and, of the others, those open past the margin:
    `prolonged_q`)."""
    duration = ExpressionWrapper(F("answered_at") - F("received_at"), output_field=DurationField())
    return {
        "acknowledged_on_time": Count("pk", filter=ACK_ON_TIME_Q),
        "not_acknowledged": Count("pk", filter=Q(acknowledged_at__isnull=True)),
        "resolved": Count("pk", filter=RESOLVED_Q),
        "resolved_on_time": Count("pk", filter=RESOLVED_ON_TIME_Q),
        "mass": Count("pk", filter=mass_q()),
        "over_level": Count("pk", filter=over_level_q()),
        "prolonged_after_final": Count("pk", filter=flags.prolonged_after_final_q()),
        "resolution_seconds": Sum(duration, filter=RESOLVED_Q),
        **{f"by_status:{value}": Count("pk", filter=Q(status=value)) for value in Status.values},
    }


def _dated_case_aggregates(on: dt.date) -> dict:
    """The figures that depend on the reading day: counted from the open cases on each read."""
    return {
        "overdue": Count("pk", filter=case_overdue_q(on)),
        "prolonged_late": Count(
            "pk", filter=flags.prolonged_late_q(on) & ~flags.prolonged_after_final_q()
        ),
    }


def _kind_channel_aggregates() -> dict:
    """The petitions by kind and by channel (the choices are code: `UnitMonth` columns)."""
    return {  # the petitions: the sum of those by kind (`_petition_finish`)
        **{f"by_kind:{value}": Count("pk", filter=Q(kind=value)) for value in Kind.values},
        **{f"by_channel:{value}": Count("pk", filter=Q(channel=value)) for value in Channel.values},
    }


def _petition_aggregates() -> dict:
    """One pass over the petitions: counted by kind, by channel and by topic (by id: no join
    per petition) with a filtered count each."""
    topics = Topic.objects.order_by().values_list("pk", "code")
    return {
        **_kind_channel_aggregates(),
        **{f"by_topic:{code}": Count("pk", filter=Q(topic=pk)) for pk, code in topics},
    }


def month_records(
    using: str, month: dt.date, units: list[int] | None
) -> tuple[dict[int, dict], list[tuple[int, int, int]]]:
    """What `monthly` stores for one month, counted from the records with the aggregates the
    statistics count with: {unit id: {figure: value}} of the cases and petitions received in
    the month, and (unit id, topic id, petitions) rows; for `units` only (None: every unit)."""
    last = add_months(month, 1) - dt.timedelta(days=1)
    cases = Case.objects.using(using).filter(_cases_between_q(month, last))
    petitions = Petition.objects.using(using).filter(_petitions_between_q(month, last))
    if units is not None:
        cases, petitions = cases.filter(unit_id__in=units), petitions.filter(unit_id__in=units)
    figures: dict[int, dict] = defaultdict(dict)
    for qs, aggregates in (
        (cases, stored_case_aggregates()),
        (petitions, _kind_channel_aggregates()),
    ):
        for (unit,), values in _aggregate_rows(qs, ("unit",), aggregates):
            figures[unit].update(zip(aggregates, values, strict=True))
    by_topic = _aggregate_rows(petitions, ("unit", "topic"), {"petitions": Count("pk")})
    return figures, [(unit, topic, n) for (unit, topic), (n,) in by_topic]


def _handling_agency():
    return Coalesce("assigned_agency", "competent_agency", "receiving_agency")


def _petition_buckets(scope: Scope, *, by_agency: bool, stored: bool = True) -> Buckets:
    """By the root's child: the whole months of the period from the stored monthly figures
    (`_stored_buckets`), the days outside them from the records, and the figures that depend
    on the reading day from the open cases. By agency (handling agencies change: nothing is
    stored by agency), or with `stored` False, everything from the records."""
    cases = Case.objects.filter(_cases_period_q(scope))
    if by_agency:
        cases = cases.annotate(handling=_handling_agency())
        aggregates = stored_case_aggregates() | _dated_case_aggregates(scope.on)
        return _read(scope, cases, "unit", aggregates, agency="handling")
    months = whole_months(scope.start, scope.end) if stored else None
    buckets = _stored_buckets(scope, *months) if months else defaultdict(Counter)
    for start, end in _days_outside(scope.start, scope.end, months):
        days = replace(scope, start=start, end=end)
        reads = (
            (Case.objects.filter(_cases_period_q(days)), stored_case_aggregates()),
            (Petition.objects.filter(_petitions_period_q(days)), _petition_aggregates()),
        )
        for qs, aggregates in reads:
            for key, counts in _read(scope, qs, "unit", aggregates).items():
                buckets[key].update(counts)
    open_cases = cases.filter(CASE_OPEN_Q)
    for key, counts in _read(scope, open_cases, "unit", _dated_case_aggregates(scope.on)).items():
        buckets[key].update(counts)
    return buckets


def _days_outside(start: dt.date, end: dt.date, months) -> list[tuple[dt.date, dt.date]]:
    """The parts of [start, end] before and after its whole months (all of it: no months)."""
    if not months:
        return [(start, end)]
    first, last = months
    parts = []
    if start < first:
        parts.append((start, first - dt.timedelta(days=1)))
    after = add_months(last, 1)
    if after <= end:
        parts.append((after, end))
    return parts


def _stored_buckets(scope: Scope, first: dt.date, last: dt.date) -> Buckets:
    """The stored figures of the months first … last (their first days), by the root's child,
    refreshed first (monthly.refresh)."""
    using = UnitMonth.objects.db
    monthly.refresh(using)
    figures = [*stored_case_aggregates(), *_kind_channel_aggregates()]
    columns = {name: Sum(column_of(name)) for name in figures}
    in_months = Q(month__gte=first, month__lte=last)
    buckets = _read(scope, UnitMonth.objects.filter(in_months), "unit", columns)
    codes = dict(Topic.objects.order_by().values_list("pk", "code"))
    by_topic = _read(
        scope,
        UnitMonthTopic.objects.filter(in_months),
        "unit",
        {"by_topic_id:": Sum("petitions")},
        by="topic",
    )
    for key, counts in by_topic.items():
        buckets[key].update(
            {f"by_topic:{codes[int(name.split(':')[1])]}": n for name, n in counts.items()}
        )
    return buckets


def _petition_finish(counts: Counter, *, dimensions: bool = True) -> dict:
    row = {k: int(counts.get(k, 0)) for k in PETITION_KEYS}
    row["prolonged"] = int(counts.get("prolonged_after_final", 0)) + int(
        counts.get("prolonged_late", 0)
    )  # prolonged_q
    statuses = {value: int(counts.get(f"by_status:{value}", 0)) for value in Status.values}
    row["cases"] = sum(statuses.values())
    row["open"] = sum(statuses[value] for value in OPEN_STATUSES)  # CASE_OPEN_Q
    row["petitions"] = sum(int(counts.get(f"by_kind:{value}", 0)) for value in Kind.values)
    acknowledged = row["cases"] - row["not_acknowledged"]
    row["acknowledged_late"] = acknowledged - row["acknowledged_on_time"]  # ACK_LATE_Q
    row["resolved_late"] = row["resolved"] - row["resolved_on_time"]  # RESOLVED_LATE_Q
    seconds = counts.get("resolution_seconds", 0)
    row["average_days_to_resolution"] = (
        round(seconds / 86400 / row["resolved"], 1) if row["resolved"] else None
    )
    row["acknowledged_on_time_pct"] = _pct(row["acknowledged_on_time"], row["cases"])
    row["resolved_on_time_pct"] = _pct(row["resolved_on_time"], row["resolved"])
    if dimensions:
        for name, (_model, _column, choices) in DIMENSIONS.items():
            found = {
                k.split(":", 1)[1]: int(v) for k, v in counts.items() if k.startswith(f"{name}:")
            }
            row[name] = (
                {c: found.get(c, 0) for c in choices} if choices else dict(sorted(found.items()))
            )
    return row


def petition_figures(scope: Scope, *, by_agency: bool = False) -> dict:
    """Petitions by kind, channel and topic; cases by status; acknowledged and resolved on time;
    mass, prolonged and over-level cases; average days to resolution."""
    total, by_child = _keyed(_petition_buckets(scope, by_agency=False))
    figures = {**_petition_finish(total), "by_unit": _by_unit(scope, by_child, _petition_finish)}
    if by_agency:
        figures["by_agency"] = _by_agency(
            _petition_buckets(scope, by_agency=True),
            lambda c: _petition_finish(c, dimensions=False),
            sort_key=lambda r: (-r["open"], -r["cases"], r["agency"]["name"]),
        )
    return figures


# --- reception ------------------------------------------------------------------------------
RECEPTION_KEYS = (
    "days_required",
    "days_held",
    "days_delegated",
    "shortfall",
    "sessions",
    "scheduled",
    "unscheduled",
    "field_visits",
    "visits",
    "people",
    "group_visits",
)


def everyone_reader():
    """A reader who sees every agency, for public aggregates computed by the reception
    selectors (which start from a user's jurisdiction). Never saved, never logged in."""
    return get_user_model()(username="statistics", role=Role.ADMINISTRATOR, is_superuser=True)


def _reception_buckets(scope: Scope, user) -> tuple[Buckets, dict[int, str]]:
    """Per agency, with each agency's unit path for the roll-up."""
    buckets: Buckets = defaultdict(Counter)
    paths: dict[int, str] = {}
    sessions = ReceptionSession.objects.filter(
        scope.units_q("agency__unit"),
        date__gte=scope.start,
        date__lte=scope.end,
    ).order_by()
    kinds = {
        "scheduled": SessionKind.SCHEDULED,
        "unscheduled": SessionKind.UNSCHEDULED,
        "field_visits": SessionKind.FIELD_VISIT,
    }
    rows = sessions.values("agency", "agency__unit__path").annotate(
        sessions=Count("pk"), **{k: Count("pk", filter=Q(kind=v)) for k, v in kinds.items()}
    )
    for row in rows:
        paths[row["agency"]] = row.pop("agency__unit__path")
        _collect(buckets, [row], "agency")
    entries = RegisterEntry.objects.filter(session__in=sessions.values("pk")).order_by()
    rows = entries.values("session__agency", "session__agency__unit__path").annotate(
        visits=Count("pk"),
        people=Sum("people_count"),
        group_visits=Count("pk", filter=Q(is_group=True)),
    )
    for row in rows:
        paths[row["session__agency"]] = row.pop("session__agency__unit__path")
        _collect(buckets, [row], "session__agency")
    for row in reception.compliance(
        user or everyone_reader(), unit=scope.unit, start=scope.start, end=scope.end
    ):
        if scope.own and row.agency.unit_id != scope.unit.pk:
            continue
        if scope.level and row.agency.unit.level != scope.level:
            continue
        paths[row.agency.pk] = row.agency.unit.path
        bucket = buckets[row.agency.pk]
        bucket["days_required"] += row.required
        bucket["days_held"] += row.held
        bucket["days_delegated"] += row.delegated
        bucket["shortfall"] += row.shortfall
    return buckets, paths


def _reception_finish(counts: Counter) -> dict:
    return {k: int(counts.get(k, 0)) for k in RECEPTION_KEYS}


def reception_figures(scope: Scope, *, by_agency: bool = False, user=None) -> dict:
    """Reception days required (the rules in force) and held in person by the heads, sessions
    by kind, visits, people and group visits. `user` narrows the agencies to a jurisdiction;
    by default every agency under the unit counts (public aggregates)."""
    by_agency_counts, paths = _reception_buckets(scope, user)
    by_path: Buckets = defaultdict(Counter)
    for agency_id, counts in by_agency_counts.items():
        by_path[paths[agency_id]].update(counts)
    total, by_child = _roll_up(scope, by_path)
    figures = {**_reception_finish(total), "by_unit": _by_unit(scope, by_child, _reception_finish)}
    if by_agency:
        figures["by_agency"] = _by_agency(
            by_agency_counts,
            _reception_finish,
            sort_key=lambda r: (-r["shortfall"], r["agency"]["unit"], r["agency"]["name"]),
        )
    return figures


# --- with the previous period ---------------------------------------------------------------
FIGURES = {
    "dialogues": dialogue_figures,
    "petitions": petition_figures,
    "reception": reception_figures,
}


def with_previous(kind: str, scope: Scope, **options) -> dict:
    """The figures for the period, and the same totals for the period just before."""
    figures = FIGURES[kind](scope, **options)
    before = scope.previous()
    previous = FIGURES[kind](before, **{**options, "by_agency": False})
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
def _dialogue_records(scope: Scope, metric: str) -> QuerySet | None:
    on = scope.on
    opinion_metrics = {
        "opinions": Q(),
        "answered_at_conference": ANSWERED_Q,
        "answered_later": LATER_Q,
        "pending": PENDING_Q,
        "overdue": opinion_overdue_q(on),
    }
    directive_metrics = {
        "directives": Q(),
        "directives_done_on_time": DIRECTIVE_ON_TIME_Q,
        "directives_done_late": DIRECTIVE_LATE_Q,
        "directives_open": DIRECTIVE_OPEN_Q,
        "directives_overdue": directive_overdue_q(on),
    }
    if metric == "conferences":
        return Conference.objects.filter(held_q(scope)).select_related("host_unit", "host_agency")
    if metric in opinion_metrics:
        return Opinion.objects.filter(
            held_q(scope, "conference__") & opinion_metrics[metric]
        ).select_related("conference", "petition__case", "assignee")
    if metric in directive_metrics:
        return Directive.objects.filter(
            held_q(scope, "conclusion__conference__") & directive_metrics[metric]
        ).select_related("conclusion__conference", "assignee")
    return None


def _case_records(scope: Scope, metric: str, value: str = "") -> QuerySet | None:
    on = scope.on
    case_metrics = {
        "cases": Q(),
        "open": CASE_OPEN_Q,
        "overdue": case_overdue_q(on),
        "acknowledged_on_time": ACK_ON_TIME_Q,
        "acknowledged_late": ACK_LATE_Q,
        "not_acknowledged": Q(acknowledged_at__isnull=True),
        "resolved": RESOLVED_Q,
        "resolved_on_time": RESOLVED_ON_TIME_Q,
        "resolved_late": RESOLVED_LATE_Q,
        "mass": mass_q(),
        "prolonged": prolonged_q(on),
        "over_level": over_level_q(),
    }
    if metric in case_metrics:
        return Case.objects.filter(cases_q(scope) & case_metrics[metric])
    if metric == "by_status" and value in Status.values:
        return Case.objects.filter(cases_q(scope), status=value)
    petition_dimensions = {"by_kind": "kind", "by_channel": "channel", "by_topic": "topic__code"}
    if metric == "petitions":
        return Petition.objects.filter(petitions_q(scope))
    if metric in petition_dimensions and value:
        return Petition.objects.filter(petitions_q(scope), **{petition_dimensions[metric]: value})
    return None


def _reception_records(scope: Scope, metric: str) -> QuerySet | None:
    sessions = ReceptionSession.objects.filter(
        scope.units_q("agency__unit"),
        date__gte=scope.start,
        date__lte=scope.end,
    )
    kinds = {
        "scheduled": SessionKind.SCHEDULED,
        "unscheduled": SessionKind.UNSCHEDULED,
        "field_visits": SessionKind.FIELD_VISIT,
    }
    if metric == "sessions":
        return sessions.select_related("agency__unit")
    if metric in kinds:
        return sessions.filter(kind=kinds[metric]).select_related("agency__unit")
    entries = RegisterEntry.objects.filter(session__in=sessions.values("pk"))
    if metric in ("visits", "people"):
        return entries.select_related("session__agency")
    if metric == "group_visits":
        return entries.filter(is_group=True).select_related("session__agency")
    return None


def records(kind: str, scope: Scope, metric: str, value: str = "") -> QuerySet | None:
    """The records a figure counts (None for a figure that is not a count of records)."""
    if kind == "dialogues":
        return _dialogue_records(scope, metric)
    if kind == "petitions":
        return _case_records(scope, metric, value)
    if kind == "reception":
        return _reception_records(scope, metric)
    return None

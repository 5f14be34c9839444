"""Statistics of the petitions and cases received in the period (`petition_figures`): the
conditions each figure counts with (the `*_Q` below, after `townhall.petitions.flags`), the
aggregates `monthly` stores per unit and month (`month_records`, `stored_case_aggregates`), the
whole months read from those stored sums and the days outside them from the records
(`_petition_buckets`), and the records behind each figure (`_case_records`).

The scope, the period and the roll-up into the root's children are in `statistics.py`.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import replace

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from townhall.petitions import flags
from townhall.petitions.models import OPEN_STATUSES, Case, Channel, Kind, Petition, Status, Topic

from . import monthly
from .models import UnitMonth, UnitMonthTopic, column_of
from .monthly import add_months, whole_months
from .statistics import (
    Buckets,
    Scope,
    _aggregate_rows,
    _by_agency,
    _by_unit,
    _keyed,
    _midnight,
    _pct,
    _read,
)

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


# --- the records behind a figure ------------------------------------------------------------
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

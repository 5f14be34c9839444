"""Statistics of the dialogues: the conferences held in the period, with their opinions and
directives (`dialogue_figures`); the conditions each figure counts with (the `*_Q` below, shared
with `hotspots` and `compliance`) and the records behind each figure (`_dialogue_records`).

The scope, the period and the roll-up into the root's children are in `statistics.py`.
"""

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, F, Q, QuerySet

from townhall.dialogues.models import Conference, Directive, DirectiveStatus, Opinion, Outcome
from townhall.dialogues.models import Status as ConferenceStatus
from townhall.petitions.models import DONE_STATUSES, OPEN_STATUSES

from .statistics import Buckets, Scope, _by_agency, _by_unit, _keyed, _pct, _read

HELD_STATUSES = (ConferenceStatus.HELD, ConferenceStatus.CONCLUDED, ConferenceStatus.CLOSED)


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

"""Statistics of the citizen reception: the reception days required and held by the heads,
sessions by kind, visits, people and group visits, per agency and rolled up into the root's
children (`reception_figures`), and the records behind each figure (`_reception_records`).

The scope, the period and the roll-up into the root's children are in `statistics.py`.
"""

from collections import Counter, defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum

from townhall.accounts.models import Role
from townhall.reception import selectors as reception
from townhall.reception.models import ReceptionSession, RegisterEntry, SessionKind

from .statistics import Buckets, Scope, _by_agency, _by_unit, _collect, _roll_up

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


# --- the records behind a figure ------------------------------------------------------------
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

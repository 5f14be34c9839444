"""Every read of conferences and directives starts from the access policy here; the follow-up
counts are computed from rows on each read (no stored totals)."""

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import Count, F, Q, QuerySet

from townhall.accounts import policy
from townhall.core.dates import today
from townhall.petitions.models import DONE_STATUSES, OPEN_STATUSES
from townhall.units.models import Agency

from .models import Conference, Directive, DirectiveStatus, Opinion, Outcome


# --- the policy -----------------------------------------------------------------------------
def conferences_visible_to(user) -> QuerySet[Conference]:
    """Conferences hosted in the user's jurisdiction (a unit and everything below it)."""
    return Conference.objects.filter(policy.jurisdiction_filter(user, "host_unit"))


def conference_get_for_user(user, pk, *, write: bool = False) -> Conference:
    return policy.get_for_user(
        conferences_visible_to(user).select_related("host_unit", "host_agency"),
        pk,
        user=user,
        write=write,
    )


def opinion_get(conference: Conference, pk) -> Opinion:
    """An opinion of a conference the user already holds; another conference's is 404."""
    return policy.get_for_user(
        conference.opinions.select_related("petition__case"), pk, user=None, write=False
    )


def directives_visible_to(user) -> QuerySet[Directive]:
    """Directives of visible conferences, and those assigned to an agency in the jurisdiction
    (a district agency follows what a province conference asked of it)."""
    return Directive.objects.filter(
        Q(conclusion__conference__in=conferences_visible_to(user).values("pk"))
        | policy.jurisdiction_filter(user, "assignee__unit")
    )


def directive_get_for_user(user, pk, *, write: bool = False) -> Directive:
    return policy.get_for_user(
        directives_visible_to(user).select_related("conclusion__conference", "assignee"),
        pk,
        user=user,
        write=write,
    )


# --- follow-up counts -----------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    """Opinions: answered at the conference + answered later + pending = total; overdue ⊆
    pending (deferred, case still open, past its deadline). Directives: done on time + done late
    + open = total (verified ones count as done); overdue ⊆ open."""

    opinions_total: int
    answered_at_conference: int
    answered_later: int
    pending: int
    overdue: int
    directives_total: int
    directives_done_on_time: int
    directives_done_late: int
    directives_open: int
    directives_overdue: int

    def as_dict(self) -> dict:
        return asdict(self)


def _opinion_counts(opinions: QuerySet[Opinion], on: dt.date) -> dict:
    deferred = Q(outcome=Outcome.DEFERRED)
    case_done = Q(petition__case__status__in=DONE_STATUSES)
    case_open = Q(petition__case__status__in=OPEN_STATUSES)
    return opinions.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=Q(outcome=Outcome.ANSWERED)),
        later=Count("pk", filter=deferred & case_done),
        overdue=Count("pk", filter=deferred & case_open & Q(petition__case__due__lt=on)),
    )


def _directive_counts(directives: QuerySet[Directive], on: dt.date) -> dict:
    is_open = Q(status=DirectiveStatus.OPEN)
    done = ~is_open
    return directives.aggregate(
        total=Count("pk"),
        on_time=Count("pk", filter=done & Q(done_on__lte=F("deadline"))),
        late=Count("pk", filter=done & Q(done_on__gt=F("deadline"))),
        open=Count("pk", filter=is_open),
        overdue=Count("pk", filter=is_open & Q(deadline__lt=on)),
    )


def conference_summary(conference: Conference, *, on: dt.date | None = None) -> Summary:
    on = on or today()
    o = _opinion_counts(Opinion.objects.filter(conference=conference), on)
    d = _directive_counts(Directive.objects.filter(conclusion__conference=conference), on)
    return Summary(
        opinions_total=o["total"],
        answered_at_conference=o["answered"],
        answered_later=o["later"],
        pending=o["total"] - o["answered"] - o["later"],
        overdue=o["overdue"],
        directives_total=d["total"],
        directives_done_on_time=d["on_time"],
        directives_done_late=d["late"],
        directives_open=d["open"],
        directives_overdue=d["overdue"],
    )


def preparation_checklist(conference: Conference) -> list[Opinion]:
    """Agenda opinions with their preparation state, unprepared first."""
    return sorted(
        conference.opinions.select_related("petition", "prepare_agency", "collected_by"),
        key=lambda o: (o.is_prepared, o.prepare_agency_id is not None, o.number),
    )


# --- across conferences ---------------------------------------------------------------------
@dataclass(frozen=True)
class SlowAgency:
    agency: Agency
    overdue: int  # open, past the deadline
    done_late: int  # done or verified after the deadline
    open: int
    total: int


def slow_agencies(user, *, on: dt.date | None = None) -> list[SlowAgency]:
    """Agencies with overdue or late directives, among the directives the user may see —
    "no organisation has been slow to carry out the conclusions" is this list being empty."""
    on = on or today()
    is_open = Q(status=DirectiveStatus.OPEN)
    rows = (
        directives_visible_to(user)
        .values("assignee")
        .annotate(
            overdue=Count("pk", filter=is_open & Q(deadline__lt=on)),
            late=Count("pk", filter=~is_open & Q(done_on__gt=F("deadline"))),
            open=Count("pk", filter=is_open),
            total=Count("pk"),
        )
        .filter(Q(overdue__gt=0) | Q(late__gt=0))
        .order_by()
    )
    rows = list(rows)
    agencies = Agency.objects.select_related("unit").in_bulk([r["assignee"] for r in rows])
    found = [
        SlowAgency(agencies[r["assignee"]], r["overdue"], r["late"], r["open"], r["total"])
        for r in rows
    ]
    return sorted(found, key=lambda s: (-s.overdue, -s.done_late, s.agency.name))

"""Every read of petitions and cases starts from the access policy here."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from townhall.accounts import policy
from townhall.accounts.models import User
from townhall.core import calendar, statements, text
from townhall.core.dates import today
from townhall.core.reference import Reference
from townhall.core.statements import Statement
from townhall.units.models import Unit

from . import flags, similarity
from .models import (
    OPEN_STATUSES,
    Case,
    CaseScope,
    ConfidentialRead,
    Kind,
    Petition,
    Submitter,
    Topic,
)

DUE_SOON_WORKING_DAYS = 3


# --- the policy for cases -------------------------------------------------------------------
_TOPICS: Reference[dict[str, Topic]] = Reference(
    lambda: {topic.code: topic for topic in Topic.objects.all()}
).watch(Topic)


def topic_with_code(code: str) -> Topic | None:
    """The topic with this code, retired or not (the services refuse a retired one by name)."""
    return _TOPICS.get().get(code.strip())


def _scope_case_ids(user) -> QuerySet | None:
    """The ids of the cases in the user's jurisdiction, as a subquery: those whose locality,
    receiving, competent or assigned agency lies in it (the case's CaseScope rows, see
    scope.py). None for a user who sees everything: no filter at all (a subquery listing every
    case is what SQLite would then read)."""
    if policy.sees_everything(user):
        return None
    return _scope_case_ids_under(policy.jurisdiction_paths(user))


def _scope_case_ids_under(paths: list[str]) -> QuerySet:
    return CaseScope.objects.filter(_in_units(paths)).values("case_id")


def _in_units(paths: list[str]) -> Q:
    """The CaseScope rows of the cases within these units: a case has a row for each unit
    that contains its locality or one of its agencies (scope.with_ancestors), so the unit's
    own path finds it, by equality, once per unit."""
    return Q(path__in=paths)  # no paths: no rows (EmptyResultSet)


def cases_visible_to(user, *, probe: bool = False) -> QuerySet[Case]:
    """Cases in the user's jurisdiction (`_scope_case_ids`). With `probe`, the same rule
    written as one look-up of the case's scope row per case (EXISTS), for a query whose own
    filters pick few cases from the case table's indexes: SQLite otherwise starts from the
    jurisdiction's scope rows and reads the case table once for each (ADR 0021)."""
    within = _scope_case_ids(user)
    if within is None:
        return Case.objects.all()
    if probe:
        return Case.objects.filter(Exists(within.filter(case=OuterRef("pk"))))
    return Case.objects.filter(pk__in=within)


def case_get_for_user(user, pk, *, write: bool = False) -> Case:
    return policy.get_for_user(
        cases_visible_to(user).select_related("unit", "topic", "receiving_agency"),
        pk,
        user=user,
        write=write,
    )


def petitions_visible_to(user) -> QuerySet[Petition]:
    """Petitions of the cases in the user's jurisdiction (`_scope_case_ids`)."""
    within = _scope_case_ids(user)
    return Petition.objects.all() if within is None else Petition.objects.filter(case__in=within)


# --- confidentiality ------------------------------------------------------------------------
def may_see_identity(user, case: Case) -> bool:
    """A denouncer's identity: only the handling leader and the assigned handler (Art. 9, 56)."""
    if not (user and user.is_authenticated):
        return False
    if (
        case.kind != Kind.DENUNCIATION
        and not case.petitions.filter(kind=Kind.DENUNCIATION).exists()
    ):
        return True
    return user.pk in {case.handling_leader_id, case.handler_id}


@dataclass(frozen=True)
class PersonView:
    name: str
    id_number: str
    phone: str
    address: str
    is_representative: bool
    hidden: bool


HIDDEN = "••• (bảo mật)"


def submitters_for(user, case: Case, *, purpose: str) -> list[PersonView]:
    """Submitters as this user may see them; an entitled read of a denouncer is logged."""
    people = Submitter.objects.filter(petition__case=case).order_by("petition_id", "pk")
    if not may_see_identity(user, case):
        return [PersonView(HIDDEN, "", "", "", p.is_representative, True) for p in people]
    if case.kind == Kind.DENUNCIATION or case.petitions.filter(kind=Kind.DENUNCIATION).exists():
        ConfidentialRead.objects.create(user=user, case=case, purpose=purpose)
    return [
        PersonView(p.name, p.id_number, p.phone, p.address, p.is_representative, False)
        for p in people
    ]


# --- worklists ------------------------------------------------------------------------------
WORKLISTS = ("all", "mine", "agency", "due_soon", "overdue", "flagged")


# The worklists whose conditions read only the case facts that CaseScope rows carry.
FACT_WORKLISTS = ("all", "due_soon", "overdue", "flagged")


def _facts_q(name: str, on: dt.date) -> Q:
    """The conditions of a worklist of FACT_WORKLISTS, over fields that Case and CaseScope
    both have (models.SCOPE_FACTS): one definition for both reads."""
    if name == "due_soon":
        horizon = calendar.add_working_days(on, DUE_SOON_WORKING_DAYS)
        return Q(status__among=OPEN_STATUSES, due__gte=on, due__lte=horizon)
    if name == "overdue":
        return Q(status__among=OPEN_STATUSES, due__lt=on)
    if name == "flagged":
        return flags.flagged_q(on)
    return Q()


def worklist_order(name: str) -> tuple[str, str]:
    return ("due", "pk") if name in ("due_soon", "overdue") else ("-received_at", "-pk")


def worklist(user: User, name: str = "all", *, on: dt.date | None = None) -> QuerySet[Case]:
    on = on or today()
    # The agencies' cases are few: each is checked against the jurisdiction (`probe`).
    cases = cases_visible_to(user, probe=name == "agency").filter(merged_into__isnull=True)
    if name == "mine":
        return cases.filter(handler=user, status__in=OPEN_STATUSES)
    if name == "agency":
        # The ids as constants (core/lookups.py): the plan starts from the agencies' cases.
        agencies = policy.member_agency_ids(user)
        if not agencies:
            return cases.none()
        return cases.filter(
            Q(assigned_agency__among=agencies) | Q(competent_agency__among=agencies),
            status__among=OPEN_STATUSES,
        )
    if name in FACT_WORKLISTS:
        return cases.filter(_facts_q(name, on))
    return cases


def worklist_page(
    user: User, name: str, start: int, size: int, *, on: dt.date | None = None
) -> tuple[int, list[int]] | None:
    """The number of cases of a worklist and the ids of one page in `worklist_order`, read
    from the CaseScope rows of the user's jurisdiction and the case facts they carry: one
    range of the scope index, where `page_ids` over `worklist` probes the case table once per
    scope row (a province's lists at a million cases: 11,000 probes, ~35 ms). None when the
    facts cannot answer: a user who sees everything (no scope rows to start from) or a list
    that reads other fields ("mine", "agency"). A case with several rows in the jurisdiction
    counts once (its rows carry the same facts)."""
    if not facts_answer(user, name):
        return None
    on = on or today()
    if not policy.jurisdiction_paths(user):
        return 0, []

    def compile_page():
        paths = policy.jurisdiction_paths(user)
        rows = CaseScope.objects.filter(_in_units(paths), _facts_q(name, on), live=True)
        order = [field.replace("pk", "case_id") for field in worklist_order(name)]
        columns = ["case_id", *(field.lstrip("-") for field in order if field != "-case_id")]
        rows = rows.order_by().values(*dict.fromkeys(columns))
        if len(paths) == 1:
            # One unit: one row per case. The count and the page straight from one of
            # CaseScope's indexes, in its order (the newest cases; the open ones by
            # deadline), no rows gathered, no duplicates to remove.
            return _count_and_page(rows, rows.order_by(*order).values_list("case_id"), start, size)
        # Several units: a case within two of them has two rows, removed once gathered.
        distinct = rows.distinct()
        return _page_statements(
            distinct,
            distinct.order_by(*order).values_list("case_id"),
            "case_id",
            order,
            start,
            size,
        )

    key = ("worklist_page", policy.scope_key(user), name, on, start, size)
    return _run_page(statements.compiled(key, compile_page))


def _page_statements(
    rows: QuerySet, ordered: QuerySet, key: str, order: list[str], start: int, size: int
) -> tuple:
    """The SQL that reads the number of `rows` (a `values()` queryset holding `key` and the
    `order` fields) and the `key` of one page in that order (`ordered`, a `values_list(key)`
    of the same rows ordered): on PostgreSQL one read, the rows gathered once in a
    MATERIALIZED CTE, then counted and sorted; elsewhere a count and the page."""
    if connection.vendor == "postgresql":
        inner, params = rows.query.sql_with_params()
        by = ", ".join(f'"{f.lstrip("-")}" {"DESC" if f.startswith("-") else "ASC"}' for f in order)
        sql = (
            f"WITH m AS MATERIALIZED ({inner}) SELECT (SELECT COUNT(*) FROM m), "  # noqa: S608 - field names from code  # nosec B608
            f'ARRAY(SELECT "{key}" FROM m ORDER BY {by} LIMIT %s OFFSET %s)'
        )
        return ((sql, (*params, size, start)),)
    return _count_and_page(rows, ordered, start, size)


def _count_and_page(rows: QuerySet, ordered: QuerySet, start: int, size: int) -> tuple:
    """The number of `rows` and the page of `ordered` (none for an empty page), each read on
    its own, from its index: on PostgreSQL in one statement (an array of the page's keys),
    elsewhere in two."""
    inner, params = rows.order_by().query.sql_with_params()
    count = f"SELECT COUNT(*) FROM ({inner}) counted"  # noqa: S608 - SQL compiled by the ORM  # nosec B608
    if size <= 0:
        return ((count, params), None)
    page, page_params = ordered[start : start + size].query.sql_with_params()
    if connection.vendor == "postgresql":
        return ((f"SELECT ({count}), ARRAY({page})", (*params, *page_params)),)
    return ((count, params), (page, page_params))


def _run_page(compiled: tuple) -> tuple[int, list[int]]:
    """Run what `_page_statements` compiled: the number of rows and the ids of the page."""
    with connection.cursor() as cursor:
        if len(compiled) == 1:
            sql, params = compiled[0]
            cursor.execute(sql, params)
            count, ids = cursor.fetchone()
            return count, list(ids)
        (count_sql, count_params), page = compiled
        cursor.execute(count_sql, count_params)
        (count,) = cursor.fetchone()
        if page is None:
            return count, []
        cursor.execute(*page)
        return count, [row[0] for row in cursor.fetchall()]


def facts_answer(user: User, name: str) -> bool:
    """Whether `worklist_page` answers this plain worklist for this user."""
    return name in FACT_WORKLISTS and not policy.sees_everything(user)


def worklist_ids(user: User, name: str, start: int, size: int) -> tuple[int, list[int]]:
    """The count and one page of ids of a plain worklist (no filters): from the scope rows'
    facts where they answer, else from the cases (`page_ids` over `worklist`)."""
    found = worklist_page(user, name, start, size)
    if found is None:
        on = today()
        found = page_ids(
            user,
            lambda: worklist(user, name, on=on).order_by(*worklist_order(name)),
            start,
            size,
            key=("worklist", name, on, policy.member_agency_ids(user) if name == "agency" else ()),
        )
    return found


class WorklistIds:
    """A plain worklist's case ids as a sequence for Django's Paginator (`count()` and a
    slice), each read by `worklist_page`; for a list the facts can answer (`facts_answer`)."""

    def __init__(self, user: User, name: str, *, on: dt.date | None = None):
        self.user, self.name, self.on = user, name, on or today()

    def count(self) -> int:
        return worklist_page(self.user, self.name, 0, 0, on=self.on)[0]

    def __getitem__(self, part: slice) -> list[int]:
        start, stop = part.start or 0, part.stop or 0
        return worklist_page(self.user, self.name, start, stop - start, on=self.on)[1]


def page_ids(
    user, cases, start: int, size: int, *, key: tuple | None = None
) -> tuple[int, list[int]]:
    """The number of cases and the ids of one page (`start`, `size`) of an ordered queryset.

    For a user with a jurisdiction, on PostgreSQL, one read: the matching cases are gathered
    once (a MATERIALIZED CTE of their ids and sort keys), then counted and sorted. The count
    must visit every case of the scope anyway, and reading them twice is what made a
    province's lists slow (overdue at a million cases: 62 → 31 ms; a district's lists 5–8 →
    2–3 ms). Users who see everything, and SQLite, keep two reads: a count, then the page's
    ids from the index order — gathering a million cases to sort them would be slower.
    (One read with `COUNT(*) OVER ()` was tried and refused: 228 ms for a province's whole
    list, where the planner gave up the index order.)

    `cases` may be a function that builds the queryset; with `key` (what it is built from,
    besides the user's scope), the SQL is compiled once for those inputs
    (`statements.compiled`) and the queryset is not built again.
    """

    def compile_page():
        queryset = cases() if callable(cases) else cases
        order = list(queryset.query.order_by) or ["pk"]
        plain = all(isinstance(f, str) for f in order)
        ordered = queryset.values_list("pk")
        if connection.vendor != "postgresql" or policy.sees_everything(user) or not plain:
            return _count_and_page(queryset.values("pk"), ordered, start, size)
        columns = list(dict.fromkeys(f.lstrip("-") for f in ["pk", *order]))
        return _page_statements(
            queryset.order_by().values(*columns), ordered, "pk", order, start, size
        )

    full = ("page_ids", user.pk, policy.scope_key(user), key, start, size)
    try:
        return _run_page(compile_page() if key is None else statements.compiled(full, compile_page))
    except EmptyResultSet:  # a policy or filter that can match nothing
        return 0, []


def rows_for(ids: list[int], *related: str) -> list[Case]:
    """The cases of one page, in the order of `ids`, without their long texts.

    Lists are paged in two reads: the ids of the page from the ordered, filtered queryset
    (`page_ids`, which the narrow indexes answer — CaseScope's path index and the covering
    index of live cases), then the rows of those ids only. A province's overdue list at a
    million cases: 38 ms instead of 110 ms reading 11,000 full rows. The folded search text
    (up to 20,000 characters a case) and the answer are left out: no list shows them. (The
    JSON API's list reads values instead: `api.schemas.summaries`.)
    """
    found = Case.objects.select_related(*related).defer("search_text", "answer").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def search(cases: QuerySet[Case], query: str) -> QuerySet[Case]:
    """Diacritic-insensitive search over texts, titles, references and tracking codes."""
    folded = text.fold(query or "")
    for word in folded.split()[:8]:
        cases = cases.filter(search_text__contains=word)
    return cases


def is_overdue(case: Case, on: dt.date | None = None) -> bool:
    return overdue(case.status, case.due, on)


def overdue(status: str, due: dt.date | None, on: dt.date | None = None) -> bool:
    return status in OPEN_STATUSES and due is not None and due < (on or today())


# --- similar cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    case: Case
    score: float


def _similar_rows(
    keys: list[int],
    paths: list[str],
    exclude: int | None,
    neighbourhood: str | None,
    *,
    vendor: str,
    everything: bool,
) -> QuerySet:
    """The candidate petitions of visible open cases (`similar_cases`), with their signatures
    and what the panels show of their cases, as values (`_SIMILAR`)."""
    sql, params = similarity.candidates_sql(keys, vendor)
    petitions = Petition.objects.all()
    if not everything:
        petitions = petitions.filter(case__in=_scope_case_ids_under(paths))
    petitions = petitions.filter(
        pk__in=RawSQL(sql, params),  # noqa: S611 - constants; keys are parameters  # nosec B611
        case__status__in=OPEN_STATUSES,
        case__merged_into__isnull=True,
    )
    if exclude is not None:
        petitions = petitions.exclude(case_id=exclude)
    if neighbourhood is not None:
        petitions = petitions.filter(case__unit__path__startswith=neighbourhood)
    return petitions.order_by().values_list(*_SIMILAR_VALUES)


_SIMILAR_CASE = ("id", "reference", "title", "kind", "status", "received_at", "unit_id", "topic_id")
_SIMILAR_UNIT = ("id", "code", "name", "path")
_SIMILAR_TOPIC = ("id", "code", "name")
_SIMILAR_VALUES = (
    "signature",
    *(f"case__{name}" for name in _SIMILAR_CASE),
    *(f"case__unit__{name}" for name in _SIMILAR_UNIT),
    *(f"case__topic__{name}" for name in _SIMILAR_TOPIC),
)
_SIMILAR = Statement(_similar_rows)
"""The similar-case read, compiled once per shape (core/statements.py): a look-up's query
took Django longer to build and compile than PostgreSQL to run."""


def _similar_case(row: tuple) -> Case:
    """The case of a `_SIMILAR` row, with its unit and topic, as the panels read them."""
    case, case.unit, case.topic = statements.objects(
        row[1:], (Case, _SIMILAR_CASE), (Unit, _SIMILAR_UNIT), (Topic, _SIMILAR_TOPIC)
    )
    return case


def similar_cases(
    user, content: str, *, unit=None, exclude_case_id: int | None = None, limit: int = 5
) -> list[Similar]:
    """Open cases most like `content`, by LSH buckets in the database then MinHash estimate.

    With `unit`, keeps cases in the same or neighbouring localities (same parent unit).
    """
    sig = text.signature(content)
    keys = text.band_keys(sig)
    if not keys:
        return []
    everything = policy.sees_everything(user)
    paths = [] if everything else policy.jurisdiction_paths(user)
    if not everything and not paths:
        return []
    neighbourhood = ""
    if unit is not None:
        neighbourhood = unit.path.rsplit("/", 2)[0] + "/" if unit.parent_id else unit.path
    # One read: the candidate petitions of visible open cases (the band look-up is a subquery),
    # their signatures and what the panels show of their cases (at most `CANDIDATES` rows; a
    # second read of the cases kept cost a third of a look-up, 1.8 ms of 5 at a million
    # cases). The case conditions are joins from the petition (a probe per candidate): as
    # `case IN (subquery)`, SQLite listed every open case first (58 ms at 100,000 cases).
    found = _SIMILAR.rows(
        keys,
        paths,
        exclude_case_id,
        neighbourhood or None,
        vendor=connection.vendor,
        everything=everything,
    )
    best: dict[int, tuple[float, tuple]] = {}  # a case's best petition: (score, row)
    for row, score in zip(found, similarity.scores(sig, [r[0] for r in found]), strict=True):
        case_id = row[1]
        if score > best.get(case_id, (-1.0, None))[0]:
            best[case_id] = (score, row)
    keep = sorted(
        (
            (score, case_id, row)
            for case_id, (score, row) in best.items()
            if score >= text.SIMILARITY_THRESHOLD
        ),
        key=lambda kept: kept[:2],
        reverse=True,
    )[:limit]
    return [Similar(_similar_case(row), round(score, 2)) for score, _, row in keep]

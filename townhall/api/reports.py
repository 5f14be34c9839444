"""Statistics, the inspection of the regulation, hotspots and report documents over JSON.

Who may read what:

- `/reports/dialogues`, `/reports/reception`, `/reports/petitions` are public aggregate
  statistics for any unit (the portal's "public statistics for any unit"): counts only, no
  person and no record. With a staff bearer token, for a unit in the user's jurisdiction, the
  answer adds `by_agency`, which names the agencies and their overdue or missed figures — an
  agency's failures are for the staff who oversee it. A bearer token that is not valid is a
  401, not a silent fall-back to the public answer.
- `/reports/compliance`, `/reports/hotspots`, `/reports/documents` list heads, agencies and
  cases that fall short: staff only, and only for a unit in the user's jurisdiction (outside
  it, 404 as for every record).

The unit is a code resolved in the era valid on the period's first day (`from`). Bad input is
a 4xx problem naming the field: an unknown unit, a period that ends before it starts or spans
more than 10 years, a level that does not exist in that era (there is no district level from
1 July 2025).
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from townhall.accounts import policy
from townhall.accounts.models import User
from townhall.core.dates import today
from townhall.reports import compliance, documents, hotspots, jobs, statistics
from townhall.reports.models import PeriodKind, ReportJob
from townhall.units.models import Level

from .auth import bearer
from .errors import Problem
from .idempotency import OPENAPI_EXTRA, idempotent
from .schemas import MAX_ID, PROBLEMS, Schema, respond

LevelName = Literal[tuple(Level.values)]
PeriodName = Literal[tuple(PeriodKind.values)]
UNIT = Query(..., max_length=10, description="The root unit's code, in the era valid on `from`")
FROM = Query(..., alias="from", description="First day, YYYY-MM-DD")
TO = Query(..., alias="to", description="Last day, YYYY-MM-DD (inclusive)")
ON = Query(None, description="Count overdue as of this day (default: today)")
HOST_LEVEL = Query(None, description="Keep the conferences hosted by units of this level")
CASE_LEVEL = Query(None, description="Keep the cases of units of this level")
AGENCY_LEVEL = Query(None, description="Keep the agencies of units of this level")


class PublicOrStaff(HttpBearer):
    """No Authorization header: the public answer. A bearer token: the staff user, or a 401."""

    PUBLIC = "public"

    def __call__(self, request: HttpRequest):
        if not request.headers.get(self.header):
            return self.PUBLIC
        user = super().__call__(request)
        if not user:
            raise AuthenticationError(
                message="The bearer token is not valid; leave the header out for public figures"
            )
        return user

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return bearer.authenticate(request, token)


public_or_staff = PublicOrStaff()
router = Router(tags=["reports"])


def _staff(request: HttpRequest) -> User | None:
    return request.auth if isinstance(request.auth, User) else None


def _problem(error: statistics.StatisticsError) -> Problem:
    return Problem(error.status, error.message, field=error.field)


def _scope(code: str, start: dt.date, end: dt.date, level: str | None, on, *, within=None):
    try:
        return statistics.scope_build(
            code=code, start=start, end=end, level=level or "", on=on, within=within
        )
    except statistics.StatisticsError as error:
        raise _problem(error) from None


# --- shapes ---------------------------------------------------------------------------------
class UnitRef(Schema):
    code: str
    name: str
    level: str
    own: bool = Field(False, description="The root unit itself (its own level), not a child")


class RootRef(UnitRef):
    era: str


class AgencyRef(Schema):
    id: int
    name: str
    unit: str


class DialogueCounts(Schema):
    conferences: int = Field(..., description="Held in the period (held, concluded or closed)")
    opinions: int = Field(..., description="On the agenda of those conferences")
    answered_at_conference: int
    answered_at_conference_pct: float | None
    answered_later: int = Field(..., description="Deferred, and the case is since answered")
    pending: int = Field(..., description="No outcome yet, or deferred and the case still open")
    overdue: int = Field(..., description="Deferred, case open, past its deadline")
    directives: int
    directives_done_on_time: int
    directives_done_late: int
    directives_open: int
    directives_overdue: int


class PetitionCounts(Schema):
    petitions: int = Field(..., description="Submissions received in the period")
    cases: int = Field(..., description="Cases opened in the period (merged ones excluded)")
    open: int
    overdue: int
    acknowledged_on_time: int
    acknowledged_late: int
    not_acknowledged: int
    acknowledged_on_time_pct: float | None
    resolved: int
    resolved_on_time: int
    resolved_late: int
    resolved_on_time_pct: float | None
    mass: int
    prolonged: int
    over_level: int
    average_days_to_resolution: float | None


class PetitionDimensions(Schema):
    by_kind: dict[str, int] = Field(..., description="Petitions by kind")
    by_channel: dict[str, int] = Field(..., description="Petitions by channel")
    by_topic: dict[str, int] = Field(..., description="Petitions by topic code")
    by_status: dict[str, int] = Field(..., description="Cases by status")


class ReceptionCounts(Schema):
    days_required: int = Field(..., description="By the rules in force, weeks/months whole")
    days_held: int = Field(..., description="Days the heads received in person")
    days_delegated: int
    shortfall: int
    sessions: int
    scheduled: int
    unscheduled: int
    field_visits: int
    visits: int
    people: int
    group_visits: int


class _Period(Schema):
    start: dt.date = Field(..., alias="from")
    end: dt.date = Field(..., alias="to")


class _Envelope(_Period):
    unit: RootRef
    level: str | None
    on: dt.date


class AgencyRow(Schema):
    agency: AgencyRef


class DialogueUnitRow(DialogueCounts, UnitRef):
    pass


class DialogueAgencyRow(DialogueCounts, AgencyRow):
    pass


class DialoguePrevious(DialogueCounts, _Period):
    pass


class DialoguesOut(DialogueCounts, _Envelope):
    by_unit: list[DialogueUnitRow]
    by_agency: list[DialogueAgencyRow] | None = Field(None, description="Staff only")
    previous: DialoguePrevious


class PetitionUnitRow(PetitionDimensions, PetitionCounts, UnitRef):
    pass


class PetitionAgencyRow(PetitionCounts, AgencyRow):
    pass


class PetitionPrevious(PetitionDimensions, PetitionCounts, _Period):
    pass


class PetitionsOut(PetitionDimensions, PetitionCounts, _Envelope):
    by_unit: list[PetitionUnitRow]
    by_agency: list[PetitionAgencyRow] | None = Field(None, description="Staff only")
    previous: PetitionPrevious


class ReceptionUnitRow(ReceptionCounts, UnitRef):
    pass


class ReceptionAgencyRow(ReceptionCounts, AgencyRow):
    pass


class ReceptionPrevious(ReceptionCounts, _Period):
    pass


class ReceptionOut(ReceptionCounts, _Envelope):
    by_unit: list[ReceptionUnitRow]
    by_agency: list[ReceptionAgencyRow] | None = Field(None, description="Staff only")
    previous: ReceptionPrevious


# --- statistics (public; by agency for staff) ----------------------------------------------
def _names_agencies(request: HttpRequest, scope: statistics.Scope) -> bool:
    """`by_agency` is for staff, about a unit in their jurisdiction."""
    staff = _staff(request)
    return bool(staff) and policy.units_in_jurisdiction(staff).filter(pk=scope.unit.pk).exists()


def _figures(request, kind: str, schema, unit, start, end, level, on) -> HttpResponse:
    scope = _scope(unit, start, end, level, on)
    data = statistics.with_previous(kind, scope, by_agency=_names_agencies(request, scope))
    return respond(schema, data)


@router.get(
    "/reports/dialogues",
    auth=public_or_staff,
    response={200: DialoguesOut, **PROBLEMS},
    summary="Dialogues held, opinions answered at the conference, later, pending, overdue",
)
def get_dialogues(
    request: HttpRequest,
    unit: str = UNIT,
    start: dt.date = FROM,
    end: dt.date = TO,
    host_level: LevelName | None = HOST_LEVEL,
    on: dt.date | None = ON,
):
    return _figures(request, "dialogues", DialoguesOut, unit, start, end, host_level, on)


@router.get(
    "/reports/petitions",
    auth=public_or_staff,
    response={200: PetitionsOut, **PROBLEMS},
    summary="Petitions by kind, channel, topic; cases by status, on time, flagged",
)
def get_petitions(
    request: HttpRequest,
    unit: str = UNIT,
    start: dt.date = FROM,
    end: dt.date = TO,
    level: LevelName | None = CASE_LEVEL,
    on: dt.date | None = ON,
):
    return _figures(request, "petitions", PetitionsOut, unit, start, end, level, on)


@router.get(
    "/reports/reception",
    auth=public_or_staff,
    response={200: ReceptionOut, **PROBLEMS},
    summary="Reception days required and held, sessions, visits, people, group visits",
)
def get_reception(
    request: HttpRequest,
    unit: str = UNIT,
    start: dt.date = FROM,
    end: dt.date = TO,
    level: LevelName | None = AGENCY_LEVEL,
    on: dt.date | None = ON,
):
    return _figures(request, "reception", ReceptionOut, unit, start, end, level, on)


# --- the inspection (staff) -----------------------------------------------------------------
class DialogueComplianceRow(Schema):
    unit: UnitRef
    required: int
    held: int
    shortfall: int
    legal_basis: str
    heads: list[str]
    chairs: list[dict]


class ReceptionComplianceRow(Schema):
    agency: AgencyRef
    office: str
    head: str | None
    required: int
    held: int
    delegated: int
    shortfall: int


class DirectiveRef(Schema):
    id: int
    conference: int
    text: str
    deadline: dt.date


class AgencyDirectivesRow(Schema):
    agency: AgencyRef
    overdue: int
    done_late: int
    open: int
    total: int
    overdue_directives: list[DirectiveRef]


class ComplianceOut(Schema):
    unit: RootRef
    year: int
    on: dt.date
    units_short: int
    heads_short: int
    agencies_with_overdue: int
    dialogues: list[DialogueComplianceRow]
    reception: list[ReceptionComplianceRow]
    agencies: list[AgencyDirectivesRow]


def _agency(agency) -> dict:
    return {"id": agency.pk, "name": agency.name, "unit": agency.unit.code}


def _unit(unit, *, own: bool = False) -> dict:
    return {"code": unit.code, "name": unit.name, "level": unit.level, "own": own}


def inspection_data(report: compliance.Inspection) -> dict:
    """The inspection as plain data (the API's body; the XLSX and DOCX read the same)."""
    return {
        "unit": _unit(report.unit, own=True) | {"era": report.unit.era},
        "year": report.year,
        "on": report.on,
        "units_short": len(report.units_short),
        "heads_short": len(report.heads_short),
        "agencies_with_overdue": sum(1 for a in report.agencies if a.overdue),
        "dialogues": [
            {
                "unit": _unit(r.unit),
                "required": r.required,
                "held": r.held,
                "shortfall": r.shortfall,
                "legal_basis": r.legal_basis,
                "heads": r.heads,
                "chairs": [{"title": t, "dialogues": n} for t, n in r.chairs],
            }
            for r in report.dialogues
        ],
        "reception": [
            {
                "agency": _agency(r.agency),
                "office": r.office,
                "head": str(r.head) if r.head else None,
                "required": r.required,
                "held": r.held,
                "delegated": r.delegated,
                "shortfall": r.shortfall,
            }
            for r in report.reception
        ],
        "agencies": [
            {
                "agency": _agency(a.agency),
                "overdue": a.overdue,
                "done_late": a.done_late,
                "open": a.open,
                "total": a.total,
                "overdue_directives": [
                    {
                        "id": d.pk,
                        "conference": d.conclusion.conference_id,
                        "text": d.text,
                        "deadline": d.deadline,
                    }
                    for d in a.directives
                ],
            }
            for a in report.agencies
        ],
    }


def _unit_in_jurisdiction(user: User, code: str, day: dt.date, *, latest: bool = False):
    try:
        return statistics.unit_resolve(
            code, day, within=policy.units_in_jurisdiction(user), latest=latest
        )
    except statistics.StatisticsError as error:
        raise _problem(error) from None


@router.get(
    "/reports/compliance",
    auth=bearer,
    response={200: ComplianceOut, **PROBLEMS},
    summary="Inspection: dialogues and reception days required vs held; agencies' overdue "
    "directives",
)
def get_compliance(
    request: HttpRequest,
    unit: str = UNIT,
    year: int = Query(..., ge=2000, le=2100, description="The year inspected"),
    on: dt.date | None = ON,
):
    found = _unit_in_jurisdiction(request.auth, unit, dt.date(year, 1, 1))
    report = compliance.inspection(request.auth, unit=found, year=year, on=on)
    return respond(ComplianceOut, inspection_data(report))


class CaseRef(Schema):
    id: int
    reference: str
    title: str
    status: str
    due: dt.date | None


class HotspotRow(Schema):
    unit: UnitRef
    score: int
    counts: dict[str, int]
    reasons: list[str]
    topics: list[str]
    last_dialogue: dt.date | None
    cases: list[CaseRef]


class VenueRow(HotspotRow):
    why: str


class HotspotsOut(Schema):
    unit: RootRef
    on: dt.date
    hotspots: list[HotspotRow]
    venues: list[VenueRow] = Field(..., description="Suggested places for the next dialogues")


def _hotspot(h: hotspots.Hotspot) -> dict:
    return {
        "unit": _unit(h.unit),
        "score": h.score,
        "counts": h.counts,
        "reasons": h.reasons,
        "topics": h.topics,
        "last_dialogue": h.last_dialogue,
        "cases": [
            {
                "id": c.pk,
                "reference": c.reference,
                "title": c.title,
                "status": c.status,
                "due": c.due,
            }
            for c in h.cases
        ],
    }


@router.get(
    "/reports/hotspots",
    auth=bearer,
    response={200: HotspotsOut, **PROBLEMS},
    summary="Units ranked by open, mass, prolonged, over-level, overdue matters; venues",
)
def get_hotspots(
    request: HttpRequest,
    unit: str = Query(
        ...,
        max_length=10,
        description="The root unit's code, in the era valid on `on` (a code no longer in use: "
        "its last unit)",
    ),
    limit: int = Query(20, ge=1, le=200),
    on: dt.date | None = ON,
):
    on = on or today()
    found = _unit_in_jurisdiction(request.auth, unit, on, latest=True)
    ranked = hotspots.hotspots(request.auth, unit=found, on=on, limit=limit)
    venues = hotspots.suggest_venues(request.auth, unit=found, on=on)
    return respond(
        HotspotsOut,
        {
            "unit": _unit(found, own=True) | {"era": found.era},
            "on": on,
            "hotspots": [_hotspot(h) for h in ranked],
            "venues": [_hotspot(v.hotspot) | {"why": v.why} for v in venues],
        },
    )


# --- report documents (staff) ---------------------------------------------------------------
class DocumentIn(Schema):
    unit: str = Field(..., max_length=10, description="The jurisdiction's unit code")
    period: PeriodName = Field(..., description="month, q1, half (6 months), nine, year")
    year: int = Field(..., ge=2000, le=2100)
    month: int | None = Field(None, ge=1, le=12, description="For a monthly report")


class DocumentOut(Schema):
    id: int
    unit: str
    period: str
    year: int
    month: int | None
    start: dt.date = Field(..., alias="from")
    end: dt.date = Field(..., alias="to")
    status: str
    progress: int
    step: str
    error: str
    docx: str | None
    xlsx: str | None


def _job_data(job: ReportJob) -> dict:
    start, end = documents.period_bounds(job.period, job.year, job.month)
    done = job.status == "done"
    base = f"/api/v1/reports/documents/{job.pk}"
    return {
        "id": job.pk,
        "unit": job.unit.code,
        "period": job.period,
        "year": job.year,
        "month": job.month,
        "from": start,
        "to": end,
        "status": job.status,
        "progress": job.progress,
        "step": job.step,
        "error": job.error,
        "docx": f"{base}/docx" if done else None,
        "xlsx": f"{base}/xlsx" if done else None,
    }


@router.post(
    "/reports/documents",
    auth=bearer,
    response={201: DocumentOut, 202: DocumentOut, **PROBLEMS},
    summary="Make a report (DOCX and XLSX): at once for a small jurisdiction, else queued",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def create_document(request: HttpRequest, payload: DocumentIn):
    try:
        start, _end = documents.period_bounds(payload.period, payload.year, payload.month)
    except ValueError as error:
        raise Problem(422, str(error), field="month") from None
    found = _unit_in_jurisdiction(request.auth, payload.unit, start)
    job = jobs.job_request(
        user=request.auth,
        unit=found,
        period=payload.period,
        year=payload.year,
        month=payload.month,
    )
    return respond(DocumentOut, _job_data(job), status=201 if job.status == "done" else 202)


def _job(request: HttpRequest, job_id: int) -> ReportJob:
    return get_object_or_404(jobs.jobs_visible_to(request.auth).select_related("unit"), pk=job_id)


JobId = Path(..., ge=1, le=MAX_ID, description="The report's id")


@router.get(
    "/reports/documents/{job_id}",
    auth=bearer,
    response={200: DocumentOut, **PROBLEMS},
    summary="A report's progress",
)
def get_document(request: HttpRequest, job_id: int = JobId):
    return respond(DocumentOut, _job_data(_job(request, job_id)))


@router.get(
    "/reports/documents/{job_id}/{fmt}",
    auth=bearer,
    response={200: None, **PROBLEMS},
    summary="Download a finished report as DOCX or XLSX",
)
def download_document(
    request: HttpRequest, fmt: Literal["docx", "xlsx"], job_id: int = JobId
) -> HttpResponse:
    job = _job(request, job_id)
    if job.status != "done":
        raise Problem(409, f"The report is {job.status} ({job.progress}%); try again later")
    return jobs.download(job, fmt)

"""Citizen reception over JSON: schedules, sessions, register entries, compliance, the register.

Every write calls `townhall.reception.services` (the same functions as the staff pages); every
read starts from `townhall.reception.selectors` (the access policy). A record outside the user's
jurisdiction is 404; a read-only role asking to write is 403; an agency, user, case or unit
named in a body that the user cannot see is 422 naming the field; a rule broken is 422 naming
the field (the service's `PetitionError`). Every POST honours `Idempotency-Key`.
"""

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router

from townhall.accounts import policy
from townhall.accounts.models import User
from townhall.core.dates import today
from townhall.petitions.selectors import case_get_for_user, topic_with_code
from townhall.petitions.services import SubmitterData
from townhall.reception import exports, selectors, services
from townhall.reception.models import (
    Action,
    Office,
    ReceptionSchedule,
    ReceptionSession,
    RegisterEntry,
    SessionKind,
    UnscheduledReason,
)
from townhall.units.models import Agency
from townhall.units.selectors import unit_with_code

from .auth import bearer
from .errors import Problem
from .idempotency import OPENAPI_EXTRA, idempotent
from .schemas import MAX_ID, PROBLEMS, KindName, Schema, ref, respond

router = Router(tags=["reception"], auth=bearer)

MAX_PERIOD_DAYS = 366
# The period's bounds as query parameters `from` and `to` (YYYY-MM-DD, inclusive).
FROM = Query(..., alias="from", description="First day, YYYY-MM-DD")
TO = Query(..., alias="to", description="Last day, YYYY-MM-DD (inclusive)")
FROM_OPTIONAL = Query(None, alias="from", description="First day, YYYY-MM-DD")
TO_OPTIONAL = Query(None, alias="to", description="Last day, YYYY-MM-DD (inclusive)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ActionName = Literal[tuple(Action.values)]
SessionKindName = Literal[tuple(SessionKind.values)]
ReasonName = Literal[tuple(UnscheduledReason.values)]
OfficeName = Literal[tuple(Office.values)]


def _id(description: str, default=...):
    return Field(default, ge=1, le=MAX_ID, description=description)


def _path_id(description: str):
    return Path(..., ge=1, le=MAX_ID, description=description)


# --- shapes ---------------------------------------------------------------------------------
class Ref(Schema):
    id: int
    name: str


class RuleOut(Schema):
    office: OfficeName
    days_required: int
    per: Literal["week", "month"]
    valid_from: dt.date
    valid_to: dt.date | None
    legal_basis: str


class ScheduleIn(Schema):
    agency: int = _id("The agency whose head receives")
    head: int | None = _id("The head who receives; default: the agency's head", None)
    weekday: int = Field(..., ge=0, le=6, description="0 = Monday … 6 = Sunday")
    week_of_month: Literal[1, 2, 3, 4, -1] | None = Field(
        None, description="Null: every week; 1–4: that week's weekday; -1: the last one"
    )
    valid_from: dt.date
    valid_to: dt.date | None = None
    venue: str = Field(..., max_length=200)
    is_published: bool = False


class ScheduleOut(Schema):
    id: int
    agency: Ref
    head: Ref
    weekday: int
    week_of_month: int | None
    description: str
    valid_from: dt.date
    valid_to: dt.date | None
    venue: str
    is_published: bool


class PublishIn(Schema):
    published: bool = True


class PeriodCheckOut(Schema):
    start: dt.date
    end: dt.date
    per: str
    required: int
    days: list[dt.date]
    shortfall: int
    legal_basis: str


class ScheduleCheckOut(Schema):
    agency: Ref
    office: OfficeName
    days: list[dt.date]
    shortfall: int
    periods: list[PeriodCheckOut]


class SessionIn(Schema):
    agency: int = _id("The agency holding the reception")
    date: dt.date
    received_by: int | None = _id("The head whose reception day it is; default: the head", None)
    kind: SessionKindName = SessionKind.SCHEDULED
    reason: ReasonName | None = Field(None, description="Required for an unscheduled session")
    is_delegated: bool = False
    delegate: int | None = _id("The deputy who received (required when delegated)", None)
    schedule: int | None = _id("The schedule this session keeps", None)
    venue: str = Field("", max_length=200)
    note: str = Field("", max_length=2000)


class SessionOut(Schema):
    id: int
    agency: Ref
    date: dt.date
    received_by: Ref
    is_delegated: bool
    delegate: Ref | None
    kind: SessionKindName
    reason: str
    schedule: int | None
    venue: str
    note: str


class SessionPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[SessionOut]


class CitizenIn(Schema):
    name: str = Field(..., max_length=200)
    id_number: str | None = Field(None, max_length=20, description="9 (CMND) or 12 digits (CCCD)")
    phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=500)
    email: str | None = Field(None, max_length=200)


class EntryIn(Schema):
    content: str = Field(..., max_length=10_000)
    kind: KindName
    topic: str = Field(..., max_length=40, description="A code from GET /api/v1/topics")
    action: ActionName
    citizens: list[CitizenIn] = Field(
        default_factory=list, description="The visitor, or a group's representatives"
    )
    is_group: bool = False
    people_count: int | None = Field(None, ge=1, le=10_000_000)
    unit: str | None = Field(
        None, max_length=10, description="The locality's unit code; default: the session's"
    )
    handled_by: str = Field("", max_length=200, description="An agency that already handled it")
    transferred_to: int | None = _id("Required when the action is transferred", None)
    guidance: str = Field("", max_length=2000, description="Required when returned")
    follow_up: str = Field("", max_length=2000)
    notes: str = Field("", max_length=2000)
    title: str = Field("", max_length=200)
    case_id: int | None = _id("Attach to this existing (similar) case", None)


class PersonOut(Schema):
    name: str
    address: str
    id_number: str
    is_representative: bool


class EntryOut(Schema):
    id: int
    session: int
    number: int
    date: dt.date
    people_count: int
    is_group: bool
    content: str
    kind: str
    handled_by: str
    action: ActionName
    transferred_to: Ref | None
    guidance: str
    follow_up: str
    notes: str
    petition: int
    tracking_code: str
    case: int
    case_reference: str
    case_status: str
    citizens: list[PersonOut]
    hidden: bool = Field(..., description="A denouncer's identity, hidden from this user")


class EntryCreatedOut(EntryOut):
    secret: str = Field(..., description="Shown once: the citizen's code to read the case")


class FollowUpIn(Schema):
    follow_up: str = Field(..., max_length=2000)


class PeriodComplianceOut(Schema):
    start: dt.date
    end: dt.date
    per: str
    required: int
    held: int
    delegated: int
    shortfall: int
    legal_basis: str


class ComplianceRowOut(Schema):
    agency: Ref
    unit: str
    office: OfficeName
    head: Ref | None
    required: int
    held: int = Field(..., description="Distinct days the head received in person")
    delegated: int = Field(..., description="Further distinct days a deputy received")
    shortfall: int
    periods: list[PeriodComplianceOut]


class ComplianceOut(Schema):
    unit: str
    unit_name: str
    start: dt.date
    end: dt.date
    rows: list[ComplianceRowOut]


# --- builders -------------------------------------------------------------------------------
def _schedule(schedule: ReceptionSchedule) -> dict:
    return {
        "id": schedule.pk,
        "agency": ref(schedule.agency),
        "head": ref(schedule.head),
        "weekday": schedule.weekday,
        "week_of_month": schedule.week_of_month,
        "description": str(schedule.describe()),
        "valid_from": schedule.valid_from,
        "valid_to": schedule.valid_to,
        "venue": schedule.venue,
        "is_published": schedule.is_published,
    }


def _session(session: ReceptionSession) -> dict:
    return {
        "id": session.pk,
        "agency": ref(session.agency),
        "date": session.date,
        "received_by": ref(session.received_by),
        "is_delegated": session.is_delegated,
        "delegate": ref(session.delegate),
        "kind": session.kind,
        "reason": session.reason,
        "schedule": session.schedule_id,
        "venue": session.venue,
        "note": session.note,
    }


def _entry(row: selectors.RegisterRow) -> dict:
    entry, case = row.entry, row.case
    return {
        "id": entry.pk,
        "session": entry.session_id,
        "number": entry.number,
        "date": entry.session.date,
        "people_count": entry.people_count,
        "is_group": entry.is_group,
        "content": entry.content,
        "kind": entry.kind,
        "handled_by": entry.handled_by,
        "action": entry.action,
        "transferred_to": ref(entry.transferred_to),
        "guidance": entry.guidance,
        "follow_up": entry.follow_up,
        "notes": entry.notes,
        "petition": entry.petition_id,
        "tracking_code": entry.petition.tracking_code,
        "case": case.pk,
        "case_reference": case.reference,
        "case_status": case.status,
        "citizens": [vars(p) for p in row.people],
        "hidden": row.hidden,
    }


def _entries(user: User, entries) -> list[dict]:
    return [_entry(row) for row in selectors.register_rows(user, entries, purpose="api")]


# --- look-ups -------------------------------------------------------------------------------
def _writer(user: User) -> None:
    if not policy.can_write(user):
        raise policy.AccessDenied("Your role may read reception records but not change them.")


def _agency(user: User, pk: int, *, field: str) -> Agency:
    agency = selectors.agencies_for_reception(user).filter(pk=pk).first()
    if agency is None:
        raise Problem(422, f"No active agency with id {pk} in your jurisdiction", field=field)
    return agency


def _colleague(user: User, pk: int, *, field: str) -> User:
    found = policy.users_visible_to(user).filter(pk=pk, is_active=True).first()
    if found is None:
        raise Problem(422, f"No active colleague with id {pk} in your jurisdiction", field=field)
    return found


def _head(user: User, pk: int | None, agency: Agency, *, field: str) -> User:
    if pk is not None:
        return _colleague(user, pk, field=field)
    if agency.head_id is None:
        raise Problem(422, f"{agency.name} has no head on record: name one", field=field)
    return agency.head


def _period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise Problem(422, "The period ends before it starts", field="to")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise Problem(422, f"A period is at most {MAX_PERIOD_DAYS} days", field="to")


# --- rules (public) -------------------------------------------------------------------------
@router.get(
    "/reception/rules",
    auth=None,
    response={200: list[RuleOut], **PROBLEMS},
    summary="The minimum reception days per office in force on a date (default: every rule)",
)
def list_rules(request: HttpRequest, on: dt.date | None = None):
    if on is None:
        return selectors.all_rules()
    return selectors.rules_in_force(on)


@router.get(
    "/reception/schedules/published",
    auth=None,
    response={200: list[ScheduleOut], **PROBLEMS},
    summary="Published reception schedules in force on a date (the citizens' calendar)",
)
def list_published_schedules(request: HttpRequest, on: dt.date | None = None):
    schedules = selectors.published_schedules(on=on or today()).order_by("agency__unit__path", "pk")
    return [_schedule(s) for s in schedules]


# --- schedules ------------------------------------------------------------------------------
@router.get(
    "/reception/schedules",
    response={200: list[ScheduleOut], **PROBLEMS},
    summary="Reception schedules in your jurisdiction",
)
def list_schedules(request: HttpRequest, agency: int | None = Query(None, ge=1, le=MAX_ID)):
    schedules = selectors.schedules_visible_to(request.auth)
    if agency is not None:
        schedules = schedules.filter(agency_id=agency)
    return [_schedule(s) for s in schedules[:500]]


@router.post(
    "/reception/schedules",
    response={201: ScheduleOut, **PROBLEMS},
    summary="Create a recurring reception day for a head",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def create_schedule(request: HttpRequest, payload: ScheduleIn) -> HttpResponse:
    user = request.auth
    _writer(user)
    agency = _agency(user, payload.agency, field="agency")
    schedule = services.schedule_create(
        agency=agency,
        head=_head(user, payload.head, agency, field="head"),
        weekday=payload.weekday,
        week_of_month=payload.week_of_month,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        venue=payload.venue,
        is_published=payload.is_published,
        actor=user,
    )
    return respond(ScheduleOut, _schedule(schedule), status=201)


@router.get(
    "/reception/schedules/{schedule_id}",
    response={200: ScheduleOut, **PROBLEMS},
    summary="One reception schedule",
)
def get_schedule(
    request: HttpRequest, schedule_id: int = _path_id("The schedule's id")
) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(request.auth, schedule_id)
    return respond(ScheduleOut, _schedule(schedule))


@router.post(
    "/reception/schedules/{schedule_id}/publish",
    response={200: ScheduleOut, **PROBLEMS},
    summary="Publish a schedule on the portal, or withdraw it",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def publish_schedule(
    request: HttpRequest,
    payload: PublishIn | None = None,
    schedule_id: int = _path_id("The schedule's id"),
) -> HttpResponse:
    payload = payload or PublishIn()
    schedule = selectors.schedule_get_for_user(request.auth, schedule_id, write=True)
    schedule = services.schedule_publish(
        schedule=schedule, actor=request.auth, published=payload.published
    )
    return respond(
        ScheduleOut, _schedule(selectors.schedule_get_for_user(request.auth, schedule.pk))
    )


@router.get(
    "/reception/agencies/{agency_id}/schedule-check",
    response={200: ScheduleCheckOut, **PROBLEMS},
    summary="The agency's scheduled days against the minimum in force, period by period",
)
def check_schedule(
    request: HttpRequest,
    agency_id: int = _path_id("The agency's id"),
    start: dt.date = FROM,
    end: dt.date = TO,
) -> HttpResponse:
    _period(start, end)
    agency = selectors.agency_get_for_user(request.auth, agency_id)
    check = selectors.schedule_check(agency=agency, start=start, end=end)
    return respond(
        ScheduleCheckOut,
        {
            "agency": ref(agency),
            "office": check.office,
            "days": check.days,
            "shortfall": check.shortfall,
            "periods": [{**vars(p), "shortfall": p.shortfall} for p in check.periods],
        },
    )


# --- sessions -------------------------------------------------------------------------------
@router.get(
    "/reception/sessions",
    response={200: SessionPageOut, **PROBLEMS},
    summary="Reception sessions in your jurisdiction, newest first",
)
def list_sessions(
    request: HttpRequest,
    agency: int | None = Query(None, ge=1, le=MAX_ID),
    start: dt.date | None = FROM_OPTIONAL,
    end: dt.date | None = TO_OPTIONAL,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=100),
) -> HttpResponse:
    sessions = selectors.sessions_visible_to(request.auth)
    if agency is not None:
        sessions = sessions.filter(agency_id=agency)
    if start is not None:
        sessions = sessions.filter(date__gte=start)
    if end is not None:
        sessions = sessions.filter(date__lte=end)
    first = (page - 1) * page_size
    return respond(
        SessionPageOut,
        {
            "count": sessions.count(),
            "page": page,
            "page_size": page_size,
            "results": [_session(s) for s in sessions[first : first + page_size]],
        },
    )


@router.post(
    "/reception/sessions",
    response={201: SessionOut, **PROBLEMS},
    summary="Record a reception session (scheduled, unscheduled or a field visit)",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def create_session(request: HttpRequest, payload: SessionIn) -> HttpResponse:
    user = request.auth
    _writer(user)
    agency = _agency(user, payload.agency, field="agency")
    schedule = None
    if payload.schedule is not None:
        schedule = selectors.schedules_visible_to(user).filter(pk=payload.schedule).first()
        if schedule is None:
            raise Problem(
                422,
                f"No schedule with id {payload.schedule} in your jurisdiction",
                field="schedule",
            )
    session = services.session_record(
        agency=agency,
        date=payload.date,
        received_by=_head(user, payload.received_by, agency, field="received_by"),
        kind=payload.kind,
        reason=payload.reason or "",
        is_delegated=payload.is_delegated,
        delegate=(
            _colleague(user, payload.delegate, field="delegate")
            if payload.delegate is not None
            else None
        ),
        schedule=schedule,
        venue=payload.venue,
        note=payload.note,
        actor=user,
    )
    return respond(SessionOut, _session(session), status=201)


@router.get(
    "/reception/sessions/{session_id}",
    response={200: SessionOut, **PROBLEMS},
    summary="One reception session",
)
def get_session(
    request: HttpRequest, session_id: int = _path_id("The session's id")
) -> HttpResponse:
    return respond(SessionOut, _session(selectors.session_get_for_user(request.auth, session_id)))


# --- the register ---------------------------------------------------------------------------
@router.get(
    "/reception/sessions/{session_id}/entries",
    response={200: list[EntryOut], **PROBLEMS},
    summary="The session's register entries (a denouncer's identity only to those entitled)",
)
def list_entries(request: HttpRequest, session_id: int = _path_id("The session's id")):
    session = selectors.session_get_for_user(request.auth, session_id)
    entries = selectors.entries_visible_to(request.auth).filter(session=session)
    return _entries(request.auth, entries.order_by("number"))


def _visit(user: User, session: ReceptionSession, payload: EntryIn) -> services.Visit:
    topic = topic_with_code(payload.topic)
    if topic is None:
        raise Problem(
            422, f"Unknown topic {payload.topic!r}; see GET /api/v1/topics", field="topic"
        )
    unit = None
    if payload.unit:
        unit = unit_with_code(payload.unit, on=session.date)
        if unit is None:
            raise Problem(
                422, f"No unit with code {payload.unit!r} on {session.date:%d/%m/%Y}", field="unit"
            )
    transferred_to = None
    if payload.transferred_to is not None:
        transferred_to = Agency.objects.filter(pk=payload.transferred_to, is_active=True).first()
        if transferred_to is None:
            raise Problem(
                422, f"No active agency with id {payload.transferred_to}", field="transferred_to"
            )
    return services.Visit(
        content=payload.content,
        kind=payload.kind,
        topic=topic,
        action=payload.action,
        citizens=[
            SubmitterData(
                name=c.name,
                id_number=c.id_number or "",
                phone=c.phone or "",
                address=c.address or "",
                email=c.email or "",
            )
            for c in payload.citizens
        ],
        is_group=payload.is_group,
        people_count=payload.people_count,
        unit=unit,
        handled_by=payload.handled_by,
        transferred_to=transferred_to,
        guidance=payload.guidance,
        follow_up=payload.follow_up,
        notes=payload.notes,
        title=payload.title,
    )


@router.post(
    "/reception/sessions/{session_id}/entries",
    response={201: EntryCreatedOut, **PROBLEMS},
    summary="Write a visit in the register: creates or attaches a petition (channel reception)",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def create_entry(
    request: HttpRequest, payload: EntryIn, session_id: int = _path_id("The session's id")
) -> HttpResponse:
    user = request.auth
    session = selectors.session_get_for_user(user, session_id, write=True)
    case = None
    if payload.case_id is not None:
        try:
            case = case_get_for_user(user, payload.case_id, write=True)
        except Http404 as missing:
            raise Problem(
                422, f"No case with id {payload.case_id} in your jurisdiction", field="case_id"
            ) from missing
    recorded = services.entry_record(
        session=session, visit=_visit(user, session, payload), actor=user, case=case
    )
    entries = selectors.entries_visible_to(user).filter(pk=recorded.entry.pk)
    body = {**_entries(user, entries)[0], "secret": recorded.secret}
    return respond(EntryCreatedOut, body, status=201)


@router.post(
    "/reception/entries/{entry_id}/follow-up",
    response={200: EntryOut, **PROBLEMS},
    summary="Write the result of following a visit up",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def follow_up_entry(
    request: HttpRequest, payload: FollowUpIn, entry_id: int = _path_id("The entry's id")
) -> HttpResponse:
    user = request.auth
    entry: RegisterEntry = selectors.entry_get_for_user(user, entry_id, write=True)
    services.entry_follow_up(entry=entry, actor=user, follow_up=payload.follow_up)
    entries = selectors.entries_visible_to(user).filter(pk=entry.pk)
    return respond(EntryOut, _entries(user, entries)[0])


@router.get(
    "/reception/register.xlsx",
    response={200: None, **PROBLEMS},
    summary="The register of an agency for a period, as the official form (XLSX)",
)
def export_register(
    request: HttpRequest,
    agency: int = Query(..., ge=1, le=MAX_ID),
    start: dt.date = FROM,
    end: dt.date = TO,
) -> HttpResponse:
    _period(start, end)
    found = selectors.agency_get_for_user(request.auth, agency)
    content = exports.register_workbook(request.auth, agency=found, start=start, end=end)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(found, start, end)}"'
    )
    return response


# --- compliance -----------------------------------------------------------------------------
@router.get(
    "/reception/compliance",
    response={200: ComplianceOut, **PROBLEMS},
    summary="Reception days required against held, for every agency head under a unit",
)
def get_compliance(
    request: HttpRequest,
    unit: str = Query(..., max_length=10, description="A unit code in your jurisdiction"),
    start: dt.date = FROM,
    end: dt.date = TO,
) -> HttpResponse:
    _period(start, end)
    found = selectors.unit_get_for_user(request.auth, unit.strip(), start)
    rows = selectors.compliance(request.auth, unit=found, start=start, end=end)
    return respond(
        ComplianceOut,
        {
            "unit": found.code,
            "unit_name": found.name,
            "start": start,
            "end": end,
            "rows": [
                {
                    "agency": ref(row.agency),
                    "unit": row.agency.unit.code,
                    "office": row.office,
                    "head": ref(row.head),
                    "required": row.required,
                    "held": row.held,
                    "delegated": row.delegated,
                    "shortfall": row.shortfall,
                    "periods": [{**vars(p), "shortfall": p.shortfall} for p in row.periods],
                }
                for row in rows
            ],
        },
    )

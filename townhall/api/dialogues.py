"""Dialogue conferences over JSON: plan, agenda, outcomes, conclusion, directives, follow-up.

Every write calls its service in `townhall.dialogues.services` (the staff pages call the same
ones); every read starts from `townhall.dialogues.selectors`. A conference outside the user's
jurisdiction is 404; a read-only role asking to write is 403; an agency, user, case or topic named
in a body that the user cannot see is 422 naming the field. Every POST honours
`Idempotency-Key`.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router

from townhall.accounts import policy
from townhall.accounts.models import User
from townhall.dialogues import selectors, services
from townhall.dialogues.models import (
    Conference,
    Directive,
    Opinion,
    Status,
)
from townhall.petitions import selectors as case_selectors
from townhall.petitions import services as petition_services
from townhall.petitions.models import Topic
from townhall.units.models import Agency, Unit
from townhall.units.selectors import unit_with_code

from .auth import bearer
from .dialogue_schemas import (
    AnnounceIn,
    CloseIn,
    ConcludeIn,
    ConferenceIn,
    ConferenceOut,
    ConferencePageOut,
    DirectiveOut,
    DoneIn,
    HoldIn,
    MinutesIn,
    NoteIn,
    OpinionIn,
    OpinionOut,
    OutcomeIn,
    PreparationIn,
    PreparedIn,
    SlowAgencyOut,
    SummaryOut,
    VersionIn,
    conference_json,
    conference_summary_json,
    directive_json,
    opinion_json,
)
from .errors import Problem
from .idempotency import OPENAPI_EXTRA, idempotent
from .schemas import MAX_ID, PROBLEMS, ref, respond

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
router = Router(tags=["conferences"], auth=bearer)

ConferenceId = Path(..., ge=1, le=MAX_ID, description="The conference's id")
ON_DATE = Query(None, description="Count overdue as of this date (default: today)")


# --- look-ups: ids and codes in bodies → records the user may use ----------------------------
def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return timezone.make_aware(value, VN) if timezone.is_naive(value) else value


def _agency(user: User, pk: int, *, field: str) -> Agency:
    agency = policy.active_agency(user, pk)
    if agency is None:
        raise Problem(422, f"No active agency with id {pk} in your jurisdiction", field=field)
    return agency


def _colleague(user: User, pk: int, *, field: str) -> User:
    found = policy.users_visible_to(user).filter(pk=pk, is_active=True).first()
    if found is None:
        raise Problem(422, f"No active colleague with id {pk} in your jurisdiction", field=field)
    return found


def _unit(code: str, day: dt.date, *, field: str) -> Unit:
    unit = unit_with_code(code, on=day)
    if unit is None:
        raise Problem(422, f"No unit with code {code!r} on {day:%d/%m/%Y}", field=field)
    return unit


def _topic(code: str, *, field: str) -> Topic:
    topic = case_selectors.topic_with_code(code)
    if topic is None:
        raise Problem(422, f"Unknown topic {code!r}; see GET /api/v1/topics", field=field)
    return topic


def _case(user: User, pk: int, *, field: str):
    case = case_selectors.cases_visible_to(user).filter(pk=pk).first()
    if case is None:
        raise Problem(422, f"No case with id {pk} in your jurisdiction", field=field)
    return case


def _writable(request: HttpRequest, conference_id: int) -> Conference:
    return selectors.conference_get_for_user(request.auth, conference_id, write=True)


def _opinion_of(request: HttpRequest, opinion_id: int) -> Opinion:
    """An opinion of any conference the user sees; the service refuses one of another."""
    opinions = Opinion.objects.filter(
        conference__in=selectors.conferences_visible_to(request.auth).values("pk")
    )
    return policy.get_for_user(opinions, opinion_id, user=request.auth)


WRITE = {"response": {200: ConferenceOut, **PROBLEMS}, "openapi_extra": OPENAPI_EXTRA}


def _transition(
    request: HttpRequest, conference_id: int, change: Callable[[Conference, User], object]
) -> HttpResponse:
    conference = _writable(request, conference_id)
    change(conference, request.auth)
    return respond(ConferenceOut, conference_json(conference))


# --- conferences ----------------------------------------------------------------------------
@router.post(
    "/conferences",
    response={201: ConferenceOut, **PROBLEMS},
    summary="Plan a conference",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def create_conference(request: HttpRequest, payload: ConferenceIn) -> HttpResponse:
    user = request.auth
    if not policy.can_write(user):
        raise policy.AccessDenied("Your role may read conferences but not plan them.")
    starts_at = _aware(payload.starts_at)
    host_agency = _agency(user, payload.host_agency, field="host_agency")
    host_unit = None
    if payload.host_unit:
        host_unit = _unit(payload.host_unit, timezone.localdate(starts_at), field="host_unit")
    plan = services.ConferencePlan(
        title=payload.title,
        host_agency=host_agency,
        host_unit=host_unit,
        starts_at=starts_at,
        chairs=[
            services.ChairData(
                user=_colleague(user, c.user, field=f"chairs.{i}.user"), role=c.role, title=c.title
            )
            for i, c in enumerate(payload.chairs)
        ],
        organisers=[
            _agency(user, pk, field=f"organisers.{i}") for i, pk in enumerate(payload.organisers)
        ],
        venue=payload.venue,
        is_online=payload.is_online,
        audience_kind=payload.audience_kind,
        audience_description=payload.audience_description,
        expected_attendance=payload.expected_attendance,
        topics=[_topic(code, field=f"topics.{i}") for i, code in enumerate(payload.topics)],
        hotspot_cases=[
            _case(user, pk, field=f"hotspot_cases.{i}")
            for i, pk in enumerate(payload.hotspot_cases)
        ],
    )
    conference = services.conference_plan(plan=plan, actor=user)
    return respond(ConferenceOut, conference_json(conference), status=201)


@router.get(
    "/conferences",
    response={200: ConferencePageOut, **PROBLEMS},
    summary="Conferences hosted in your jurisdiction, newest first",
)
def list_conferences(
    request: HttpRequest,
    status: Status | None = None,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=100),
) -> HttpResponse:
    conferences = selectors.conferences_visible_to(request.auth)
    if status:
        conferences = conferences.filter(status=status)
    count = conferences.count()
    start = (page - 1) * page_size
    rows = conferences.select_related("host_agency", "host_unit").order_by("-starts_at", "-pk")
    return respond(
        ConferencePageOut,
        {
            "count": count,
            "page": page,
            "page_size": page_size,
            "results": [conference_summary_json(c) for c in rows[start : start + page_size]],
        },
    )


@router.get(
    "/conferences/{conference_id}",
    response={200: ConferenceOut, **PROBLEMS},
    summary="One conference: agenda, outcomes, conclusion, directives, counts, timeline",
)
def get_conference(request: HttpRequest, conference_id: int = ConferenceId) -> HttpResponse:
    conference = selectors.conference_get_for_user(request.auth, conference_id)
    return respond(ConferenceOut, conference_json(conference))


@router.get(
    "/conferences/{conference_id}/summary",
    response={200: SummaryOut, **PROBLEMS},
    summary="The live follow-up counts of one conference",
)
def get_summary(
    request: HttpRequest,
    conference_id: int = ConferenceId,
    on: dt.date | None = ON_DATE,
) -> HttpResponse:
    conference = selectors.conference_get_for_user(request.auth, conference_id)
    return respond(SummaryOut, selectors.conference_summary(conference, on=on).as_dict())


@router.post("/conferences/{conference_id}/announce", summary="Announce", **WRITE)
@idempotent
def announce(request: HttpRequest, payload: AnnounceIn, conference_id: int = ConferenceId):
    return _transition(
        request,
        conference_id,
        lambda c, user: services.conference_announce(
            conference=c,
            actor=user,
            announced_at=_aware(payload.announced_at),
            invitation_number=payload.invitation_number,
            version=payload.version,
        ),
    )


@router.post("/conferences/{conference_id}/collect", summary="Start collecting", **WRITE)
@idempotent
def collect(request: HttpRequest, payload: VersionIn, conference_id: int = ConferenceId):
    return _transition(
        request,
        conference_id,
        lambda c, user: services.conference_start_collecting(
            conference=c, actor=user, version=payload.version
        ),
    )


@router.post("/conferences/{conference_id}/ready", summary="Mark ready", **WRITE)
@idempotent
def ready(request: HttpRequest, payload: VersionIn, conference_id: int = ConferenceId):
    return _transition(
        request,
        conference_id,
        lambda c, user: services.conference_mark_ready(
            conference=c, actor=user, version=payload.version
        ),
    )


@router.post("/conferences/{conference_id}/hold", summary="Hold (it takes place)", **WRITE)
@idempotent
def hold(request: HttpRequest, payload: HoldIn, conference_id: int = ConferenceId):
    return _transition(
        request,
        conference_id,
        lambda c, user: services.conference_hold(
            conference=c,
            actor=user,
            held_at=_aware(payload.held_at),
            attendance=payload.attendance,
            minutes=payload.minutes,
            version=payload.version,
        ),
    )


@router.post("/conferences/{conference_id}/minutes", summary="Attendance and minutes", **WRITE)
@idempotent
def minutes(request: HttpRequest, payload: MinutesIn, conference_id: int = ConferenceId):
    return _transition(
        request,
        conference_id,
        lambda c, user: services.conference_record_minutes(
            conference=c,
            actor=user,
            minutes=payload.minutes,
            attendance=payload.attendance,
            version=payload.version,
        ),
    )


@router.post("/conferences/{conference_id}/conclude", summary="Conclude, with directives", **WRITE)
@idempotent
def conclude(request: HttpRequest, payload: ConcludeIn, conference_id: int = ConferenceId):
    user = request.auth
    directives = [
        services.DirectiveData(
            text=d.text,
            assignee=_agency(user, d.assignee, field=f"directives.{i}.assignee")
            if d.assignee is not None
            else None,
            deadline=d.deadline,
            expected_result=d.expected_result,
        )
        for i, d in enumerate(payload.directives)
    ]
    return _transition(
        request,
        conference_id,
        lambda c, user: services.conference_conclude(
            conference=c,
            actor=user,
            number=payload.number,
            signed_on=payload.signed_on,
            text=payload.text,
            directives=directives,
            published_at=_aware(payload.published_at),
            version=payload.version,
        ),
    )


@router.post("/conferences/{conference_id}/close", summary="Close", **WRITE)
@idempotent
def close(request: HttpRequest, payload: CloseIn, conference_id: int = ConferenceId):
    return _transition(
        request,
        conference_id,
        lambda c, user: services.conference_close(
            conference=c, actor=user, note=payload.note, version=payload.version
        ),
    )


# --- opinions -------------------------------------------------------------------------------
@router.post(
    "/conferences/{conference_id}/opinions",
    response={201: OpinionOut, **PROBLEMS},
    summary="Add an opinion to the agenda (it is registered as a petition)",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def add_opinion(
    request: HttpRequest, payload: OpinionIn, conference_id: int = ConferenceId
) -> HttpResponse:
    user = request.auth
    conference = _writable(request, conference_id)
    received_at = _aware(payload.received_at) or timezone.now()
    day = timezone.localdate(received_at)
    intake = petition_services.Intake(
        kind=payload.kind,
        channel="",  # set by the service from the date
        unit=_unit(payload.unit, day, field="unit") if payload.unit else conference.host_unit,
        topic=_topic(payload.topic, field="topic"),
        text=payload.text,
        received_at=received_at,
        receiving_agency=_agency(user, payload.receiving_agency, field="receiving_agency")
        if payload.receiving_agency is not None
        else conference.host_agency,
        submitters=[
            petition_services.SubmitterData(
                name=p.name,
                id_number=p.id_number or "",
                phone=p.phone or "",
                address=p.address or "",
                email=p.email or "",
                is_representative=p.is_representative,
            )
            for p in payload.submitters
        ],
        people_count=payload.people_count,
        title=payload.title,
    )
    opinion = services.opinion_add(
        conference=conference,
        intake=intake,
        actor=user,
        collected_by=_agency(user, payload.collected_by, field="collected_by")
        if payload.collected_by is not None
        else None,
        case=_case(user, payload.case_id, field="case_id") if payload.case_id else None,
    )
    return respond(OpinionOut, opinion_json(_reloaded(opinion)), status=201)


def _reloaded(opinion: Opinion) -> Opinion:
    return Opinion.objects.select_related(
        "petition__case", "collected_by", "prepare_agency", "assignee"
    ).get(pk=opinion.pk)


OPINION_WRITE = {"response": {200: OpinionOut, **PROBLEMS}, "openapi_extra": OPENAPI_EXTRA}
OpinionId = Path(..., ge=1, le=MAX_ID, description="The opinion's id")


@router.post(
    "/conferences/{conference_id}/opinions/{opinion_id}/preparation",
    summary="Ask an agency to prepare an answer before the day",
    **OPINION_WRITE,
)
@idempotent
def request_preparation(
    request: HttpRequest,
    payload: PreparationIn,
    conference_id: int = ConferenceId,
    opinion_id: int = OpinionId,
):
    conference = _writable(request, conference_id)
    opinion = services.opinion_request_preparation(
        conference=conference,
        opinion=_opinion_of(request, opinion_id),
        actor=request.auth,
        agency=_agency(request.auth, payload.agency, field="agency"),
        prepare_by=payload.prepare_by,
    )
    return respond(OpinionOut, opinion_json(_reloaded(opinion)))


@router.post(
    "/conferences/{conference_id}/opinions/{opinion_id}/prepared",
    summary="The prepared answer",
    **OPINION_WRITE,
)
@idempotent
def prepared(
    request: HttpRequest,
    payload: PreparedIn,
    conference_id: int = ConferenceId,
    opinion_id: int = OpinionId,
):
    conference = _writable(request, conference_id)
    opinion = services.opinion_prepare(
        conference=conference,
        opinion=_opinion_of(request, opinion_id),
        actor=request.auth,
        answer=payload.answer,
    )
    return respond(OpinionOut, opinion_json(_reloaded(opinion)))


@router.post(
    "/conferences/{conference_id}/opinions/{opinion_id}/outcome",
    summary="Record the outcome once: answered at the conference, or deferred",
    **OPINION_WRITE,
)
@idempotent
def record_outcome(
    request: HttpRequest,
    payload: OutcomeIn,
    conference_id: int = ConferenceId,
    opinion_id: int = OpinionId,
):
    user = request.auth
    conference = _writable(request, conference_id)
    assignee = None
    if not payload.answered_at_conference and payload.assignee is not None:
        assignee = _agency(user, payload.assignee, field="assignee")
    opinion = services.opinion_record_outcome(
        conference=conference,
        opinion=_opinion_of(request, opinion_id),
        actor=user,
        answered_at_conference=payload.answered_at_conference,
        answered_by=payload.answered_by,
        answer=payload.answer,
        assignee=assignee,
        deadline=payload.deadline,
        expected_result=payload.expected_result,
    )
    return respond(OpinionOut, opinion_json(_reloaded(opinion)))


# --- directives -----------------------------------------------------------------------------
DirectiveId = Path(..., ge=1, le=MAX_ID, description="The directive's id")
DIRECTIVE_WRITE = {"response": {200: DirectiveOut, **PROBLEMS}, "openapi_extra": OPENAPI_EXTRA}


def _directive_response(directive: Directive) -> HttpResponse:
    directive = Directive.objects.select_related("assignee", "conclusion").get(pk=directive.pk)
    return respond(DirectiveOut, directive_json(directive, timezone.localdate()))


@router.get(
    "/directives/{directive_id}",
    response={200: DirectiveOut, **PROBLEMS},
    summary="One directive with its progress reports",
)
def get_directive(request: HttpRequest, directive_id: int = DirectiveId) -> HttpResponse:
    return _directive_response(selectors.directive_get_for_user(request.auth, directive_id))


def _directive_change(request: HttpRequest, directive_id: int, change) -> HttpResponse:
    directive = selectors.directive_get_for_user(request.auth, directive_id, write=True)
    return _directive_response(change(directive, request.auth))


@router.post("/directives/{directive_id}/progress", summary="Report progress", **DIRECTIVE_WRITE)
@idempotent
def progress(request: HttpRequest, payload: NoteIn, directive_id: int = DirectiveId):
    return _directive_change(
        request,
        directive_id,
        lambda d, user: services.directive_report_progress(
            directive=d, actor=user, note=payload.note, version=payload.version
        ),
    )


@router.post("/directives/{directive_id}/done", summary="Mark done", **DIRECTIVE_WRITE)
@idempotent
def done(request: HttpRequest, payload: DoneIn, directive_id: int = DirectiveId):
    return _directive_change(
        request,
        directive_id,
        lambda d, user: services.directive_mark_done(
            directive=d,
            actor=user,
            result=payload.result,
            done_at=_aware(payload.done_at),
            version=payload.version,
        ),
    )


@router.post("/directives/{directive_id}/verify", summary="Verify the result", **DIRECTIVE_WRITE)
@idempotent
def verify(request: HttpRequest, payload: NoteIn, directive_id: int = DirectiveId):
    return _directive_change(
        request,
        directive_id,
        lambda d, user: services.directive_verify(
            directive=d, actor=user, note=payload.note, version=payload.version
        ),
    )


@router.post(
    "/directives/{directive_id}/reopen", summary="Send a done directive back", **DIRECTIVE_WRITE
)
@idempotent
def reopen(request: HttpRequest, payload: NoteIn, directive_id: int = DirectiveId):
    return _directive_change(
        request,
        directive_id,
        lambda d, user: services.directive_reopen(
            directive=d, actor=user, note=payload.note, version=payload.version
        ),
    )


@router.get(
    "/slow-agencies",
    response={200: list[SlowAgencyOut], **PROBLEMS},
    summary="Agencies with overdue or late directives, across the conferences you see",
)
def list_slow_agencies(
    request: HttpRequest,
    on: dt.date | None = ON_DATE,
) -> list[dict]:
    rows = selectors.slow_agencies(request.auth, on=on)
    return [
        {
            "agency": ref(r.agency),
            "unit": {"code": r.agency.unit.code, "name": r.agency.unit.name},
            "overdue": r.overdue,
            "done_late": r.done_late,
            "open": r.open,
            "total": r.total,
        }
        for r in rows
    ]

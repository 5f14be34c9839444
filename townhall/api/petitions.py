"""Petitions and cases over JSON: intake, reads, worklists and one POST per transition.

Every write calls its service in `townhall.petitions.services` (nothing here repeats a rule or a
transition); every read starts from `townhall.petitions.selectors` (the access policy). A case
outside the user's jurisdiction is 404; a read-only role asking to write is 403; an agency, user
or case named in a body that the user cannot see is 422 naming the field. Every POST honours
`Idempotency-Key` (see idempotency.py).
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router

from townhall.accounts import policy
from townhall.accounts.models import User
from townhall.core.dates import today
from townhall.petitions import selectors, services
from townhall.petitions.errors import StaleVersion, TransitionNotAllowed
from townhall.petitions.models import Case, Petition, Topic
from townhall.units.models import Agency, Era, Unit
from townhall.units.selectors import unit_with_code, units_with_code

from .auth import bearer
from .errors import Problem
from .idempotency import OPENAPI_EXTRA, idempotent
from .schemas import (
    CASE_RELATED,
    MAX_ID,
    PROBLEMS,
    CaseAcceptIn,
    CaseAnswerIn,
    CaseAssignIn,
    CaseCloseIn,
    CaseExtendIn,
    CaseMergeIn,
    CaseOut,
    CasePageOut,
    CaseReopenIn,
    CaseReturnIn,
    CaseTransferIn,
    CaseVersionIn,
    KindName,
    PetitionCreatedOut,
    PetitionIn,
    PetitionOut,
    StatusName,
    Text,
    TopicOut,
    WorklistName,
    case_detail,
    case_summary,
    petition_detail,
    respond,
    summaries,
)

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

topics_router = Router(tags=["topics"])
router = Router(tags=["petitions and cases"], auth=bearer)


def _case_id() -> int:
    return Path(..., ge=1, le=MAX_ID, description="The case's id")


# --- look-ups that turn ids and codes into records the user may use --------------------------
def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value, VN) if timezone.is_naive(value) else value


def _unit(code: str, era: str | None, day: dt.date) -> Unit:
    """The unit by code valid on `day` (or pinned to an era). A code known only in another era
    is handed to the intake service anyway, which refuses it naming the date."""
    code = code.strip()
    if era:
        unit = unit_with_code(code, era=era)
        if unit is None:
            raise Problem(
                422,
                f"No administrative unit has code {code!r} in the era {Era(era).label}",
                field="unit",
            )
        return unit
    unit = unit_with_code(code, on=day) or max(
        units_with_code(code), key=lambda u: u.valid_from or dt.date.min, default=None
    )
    if unit is None:
        raise Problem(
            422, f"Unknown unit code {code!r}; see GET /api/v1/units for the codes", field="unit"
        )
    return unit


def _topic(code: str) -> Topic:
    topic = selectors.topic_with_code(code)
    if topic is None:
        raise Problem(
            422, f"Unknown topic {code!r}; see GET /api/v1/topics for the codes", field="topic"
        )
    return topic


def _agency(user: User, pk: int, *, field: str) -> Agency:
    agency = policy.active_agency(user, pk)
    if agency is None:
        raise Problem(422, f"No active agency with id {pk} in your jurisdiction", field=field)
    return agency


def _default_agency(user: User) -> Agency:
    membership = (
        user.memberships.select_related("agency__unit")
        .filter(agency__is_active=True)
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise Problem(
            422,
            "You belong to no active agency: give the receiving_agency's id",
            field="receiving_agency",
        )
    return membership.agency


def _handler(user: User, pk: int) -> User:
    handler = policy.users_visible_to(user).filter(pk=pk, is_active=True).first()
    if handler is None:
        raise Problem(
            422, f"No active colleague with id {pk} in your jurisdiction", field="handler"
        )
    return handler


def _case_in_body(user: User, pk: int, *, field: str) -> Case:
    try:
        return selectors.case_get_for_user(user, pk, write=True)
    except Http404:
        raise Problem(422, f"No case with id {pk} in your jurisdiction", field=field) from None


def _reload(case: Case) -> Case:
    return Case.objects.select_related(*CASE_RELATED).get(pk=case.pk)


# --- topics (public) ------------------------------------------------------------------------
@topics_router.get("/topics", response=list[TopicOut], summary="The topics a petition can have")
def list_topics(request: HttpRequest):
    return list(Topic.objects.filter(is_active=True).order_by("order", "code"))


# --- intake ---------------------------------------------------------------------------------
@router.post(
    "/petitions",
    response={201: PetitionCreatedOut, **PROBLEMS},
    summary="Register a petition (a new case, or attached to case_id)",
    openapi_extra=OPENAPI_EXTRA,
)
@idempotent
def create_petition(request: HttpRequest, payload: PetitionIn) -> HttpResponse:
    user = request.auth
    if not policy.can_write(user):
        raise policy.AccessDenied("Your role may read petitions but not register them.")
    received_at = _aware(payload.received_at)
    unit = _unit(payload.unit, payload.unit_era, received_at.astimezone(VN).date())
    topic = _topic(payload.topic)
    if payload.receiving_agency is not None:
        agency = _agency(user, payload.receiving_agency, field="receiving_agency")
    else:
        agency = _default_agency(user)
    case = None
    if payload.case_id is not None:
        case = _case_in_body(user, payload.case_id, field="case_id")
    intake = services.Intake(
        kind=payload.kind,
        channel=payload.channel,
        unit=unit,
        topic=topic,
        text=payload.text,
        received_at=received_at,
        receiving_agency=agency,
        submitters=[
            services.SubmitterData(
                name=person.name,
                id_number=person.id_number or "",
                phone=person.phone or "",
                address=person.address or "",
                email=person.email or "",
                is_representative=person.is_representative,
            )
            for person in payload.submitters
        ],
        people_count=payload.people_count,
        title=payload.title,
    )
    receipt = services.petition_receive(intake=intake, actor=user, case=case)
    return respond(
        PetitionCreatedOut,
        {
            "id": receipt.petition.pk,
            "case_id": receipt.case.pk,
            "tracking_code": receipt.petition.tracking_code,
            "deadline": receipt.case.acknowledge_due,
            "secret": receipt.secret,
        },
        status=201,
    )


# --- reads ----------------------------------------------------------------------------------
@router.get(
    "/petitions/{petition_id}",
    response={200: PetitionOut, **PROBLEMS},
    summary="One petition, with its case",
    by_alias=True,
)
def get_petition(
    request: HttpRequest,
    petition_id: int = Path(..., ge=1, le=MAX_ID, description="The petition's id"),
) -> HttpResponse:
    petitions = selectors.petitions_visible_to(request.auth).select_related(
        "unit", "topic", "receiving_agency", *(f"case__{name}" for name in CASE_RELATED)
    )
    petition: Petition = policy.get_for_user(petitions, petition_id, user=request.auth)
    return respond(PetitionOut, petition_detail(petition, request.auth))


@router.get(
    "/cases/{case_id}",
    response={200: CaseOut, **PROBLEMS},
    summary="One case: status, deadlines, flags, petitions, submitters and timeline",
    by_alias=True,
)
def get_case(request: HttpRequest, case_id: int = _case_id()) -> HttpResponse:
    case = selectors.case_get_for_user(request.auth, case_id)
    return respond(CaseOut, case_detail(_reload(case), request.auth))


UNIT_FILTER = Query(None, max_length=10, description="A unit code: cases in that unit or below it")
SEARCH = Query(None, max_length=200, description="Words, a reference or a tracking code")


@router.get(
    "/cases",
    response={200: CasePageOut, **PROBLEMS},
    summary="Cases in your jurisdiction: worklists, filters, search, pages",
)
def list_cases(
    request: HttpRequest,
    worklist: WorklistName = "all",
    status: StatusName | None = None,
    kind: KindName | None = None,
    unit: Text | None = UNIT_FILTER,
    q: Text | None = SEARCH,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=100),
) -> HttpResponse:
    start = (page - 1) * page_size
    if status or kind or unit or q:
        filters = (status, kind, unit, q)
        count, ids = _filtered_page(request.auth, worklist, filters, start, page_size)
    else:
        count, ids = selectors.worklist_ids(request.auth, worklist, start, page_size)
    return respond(
        CasePageOut,
        {
            "count": count,
            "page": page,
            "page_size": page_size,
            "results": summaries(ids),
        },
    )


def _filtered_page(user, worklist: str, filters: tuple, start: int, page_size: int):
    """A worklist page with the filters applied, from the cases (`selectors.page_ids`)."""
    status, kind, unit, q = filters
    paths: list[str] = []
    if unit:
        paths = [found.path for found in units_with_code(unit)]
        if not paths:
            raise Problem(422, f"Unknown unit code {unit!r}", field="unit")
    on = today()

    def build():
        cases = selectors.worklist(user, worklist, on=on)
        if status:
            cases = cases.filter(status=status)
        if kind:
            cases = cases.filter(kind=kind)
        if paths:
            within = Q()
            for path in paths:
                within |= Q(unit__path__startswith=path)
            cases = cases.filter(within)
        if q:
            cases = selectors.search(cases, q)
        return cases.order_by(*selectors.worklist_order(worklist))

    key = ("filtered", worklist, on, status, kind, tuple(paths), q)
    return selectors.page_ids(user, build, start, page_size, key=key)


# --- transitions ----------------------------------------------------------------------------
def _transition(
    request: HttpRequest, case_id: int, change: Callable[[Case, User], Case]
) -> HttpResponse:
    """Fetch the case for writing, apply the service, answer with the case as it is now."""
    user = request.auth
    case = selectors.case_get_for_user(user, case_id, write=True)
    if case.merged_into_id:
        # The services do not all refuse this yet (case_reopen, case_acknowledge): a case merged
        # away has no petitions left, so any change belongs on the case it was merged into.
        raise TransitionNotAllowed(
            f"Case {case.reference} was merged into case {case.merged_into_id}; act on that case",
            field="status",
        )
    try:
        case = change(case, user)
    except StaleVersion as conflict:
        raise StaleVersion(conflict.message, current=case_summary(_reload(case))) from None
    return respond(CaseOut, case_detail(_reload(case), user, with_submitters=False))


TRANSITION = {
    "response": {200: CaseOut, **PROBLEMS},
    "openapi_extra": OPENAPI_EXTRA,
    "by_alias": True,
}


@router.post("/cases/{case_id}/acknowledge", summary="Acknowledge in writing", **TRANSITION)
@idempotent
def acknowledge(
    request: HttpRequest, payload: CaseVersionIn | None = None, case_id: int = _case_id()
):
    payload = payload or CaseVersionIn()
    return _transition(
        request,
        case_id,
        lambda case, user: services.case_acknowledge(
            case=case, actor=user, version=payload.version
        ),
    )


@router.post("/cases/{case_id}/accept", summary="Accept: the legal deadline starts", **TRANSITION)
@idempotent
def accept(request: HttpRequest, payload: CaseAcceptIn | None = None, case_id: int = _case_id()):
    payload = payload or CaseAcceptIn()

    def change(case: Case, user: User) -> Case:
        competent = None
        if payload.competent_agency is not None:
            competent = _agency(user, payload.competent_agency, field="competent_agency")
        return services.case_accept(
            case=case,
            actor=user,
            competent_agency=competent,
            is_complex=payload.is_complex,
            is_remote=payload.is_remote,
            version=payload.version,
        )

    return _transition(request, case_id, change)


@router.post(
    "/cases/{case_id}/return",
    summary="Return with guidance (not for this body to handle)",
    **TRANSITION,
)
@idempotent
def return_with_guidance(request: HttpRequest, payload: CaseReturnIn, case_id: int = _case_id()):
    return _transition(
        request,
        case_id,
        lambda case, user: services.case_return(
            case=case, actor=user, guidance=payload.guidance, version=payload.version
        ),
    )


@router.post("/cases/{case_id}/transfer", summary="Transfer to the competent body", **TRANSITION)
@idempotent
def transfer(request: HttpRequest, payload: CaseTransferIn, case_id: int = _case_id()):
    def change(case: Case, user: User) -> Case:
        to_agency = _agency(user, payload.to_agency, field="to_agency")
        return services.case_transfer(
            case=case, actor=user, to_agency=to_agency, note=payload.note, version=payload.version
        )

    return _transition(request, case_id, change)


@router.post("/cases/{case_id}/assign", summary="Assign to an agency and handler", **TRANSITION)
@idempotent
def assign(request: HttpRequest, payload: CaseAssignIn, case_id: int = _case_id()):
    def change(case: Case, user: User) -> Case:
        agency = _agency(user, payload.agency, field="agency")
        handler = _handler(user, payload.handler) if payload.handler is not None else None
        return services.case_assign(
            case=case,
            actor=user,
            agency=agency,
            handler=handler,
            due=payload.due,
            version=payload.version,
        )

    return _transition(request, case_id, change)


@router.post("/cases/{case_id}/answer", summary="Answer or decide", **TRANSITION)
@idempotent
def answer(request: HttpRequest, payload: CaseAnswerIn, case_id: int = _case_id()):
    return _transition(
        request,
        case_id,
        lambda case, user: services.case_answer(
            case=case,
            actor=user,
            answer=payload.answer,
            decision_reference=payload.decision_reference,
            is_final=payload.is_final,
            publish=payload.publish,
            version=payload.version,
        ),
    )


@router.post(
    "/cases/{case_id}/extend",
    summary="Extend the deadline by a written decision (capped by the rule)",
    **TRANSITION,
)
@idempotent
def extend(request: HttpRequest, payload: CaseExtendIn, case_id: int = _case_id()):
    return _transition(
        request,
        case_id,
        lambda case, user: services.case_extend(
            case=case,
            actor=user,
            reason=payload.reason,
            decision_reference=payload.decision_reference,
            version=payload.version,
        ),
    )


@router.post("/cases/{case_id}/close", summary="Close an answered or returned case", **TRANSITION)
@idempotent
def close(request: HttpRequest, payload: CaseCloseIn | None = None, case_id: int = _case_id()):
    payload = payload or CaseCloseIn()
    return _transition(
        request,
        case_id,
        lambda case, user: services.case_close(
            case=case, actor=user, note=payload.note, version=payload.version
        ),
    )


@router.post(
    "/cases/{case_id}/reopen",
    summary="Reopen on a new complaint about the same matter",
    **TRANSITION,
)
@idempotent
def reopen(request: HttpRequest, payload: CaseReopenIn, case_id: int = _case_id()):
    return _transition(
        request,
        case_id,
        lambda case, user: services.case_reopen(
            case=case, actor=user, note=payload.note, version=payload.version
        ),
    )


@router.post(
    "/cases/{case_id}/merge",
    summary="Merge this case into target (answers with the target case)",
    **TRANSITION,
)
@idempotent
def merge(request: HttpRequest, payload: CaseMergeIn, case_id: int = _case_id()):
    def change(source: Case, user: User) -> Case:
        target = _case_in_body(user, payload.target, field="target")
        with transaction.atomic():
            if payload.version is not None:
                # case_merge takes no version: check it here, under the row lock it will take.
                locked = Case.objects.select_for_update().get(pk=source.pk)
                if locked.version != payload.version:
                    raise StaleVersion(
                        f"Case {locked.reference} was changed by someone else (version "
                        f"{locked.version}, you had {payload.version}); reload it and try again",
                        current={"status": locked.status, "version": locked.version},
                    )
            return services.case_merge(source=source, target=target, actor=user)

    return _transition(request, case_id, change)

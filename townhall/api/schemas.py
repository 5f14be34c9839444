"""Request and response shapes of the petitions and cases API, and the case JSON builders.

Unknown JSON fields are ignored (pydantic's default). Ids are bounded to the database's
64-bit range so an absurd id is a 422 naming the field, never a 500.
"""

import dataclasses
import datetime as dt
import zoneinfo
from typing import Annotated, Any, Literal

import ninja
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field
from pydantic import AfterValidator, field_validator, model_validator

from townhall.accounts.models import display_name
from townhall.core.dates import FIRST_YEAR, LAST_YEAR, year_is_plausible
from townhall.core.statements import Statement
from townhall.petitions import flags, selectors
from townhall.petitions.models import Case, Channel, Kind, Petition, Status

MAX_ID = 2**63 - 1
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

KindName = Literal[tuple(Kind.values)]
ChannelName = Literal[tuple(Channel.values)]
StatusName = Literal[tuple(Status.values)]
WorklistName = Literal[selectors.WORKLISTS]
EraName = Literal["three_level", "two_level"]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (code 0)")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


def Id(description: str = "", default: Any = ...) -> Any:  # noqa: N802 - reads like a type
    return Field(default, ge=1, le=MAX_ID, description=description)


class Schema(ninja.Schema):
    """django-ninja's `Schema`, except that a dict is validated as plain pydantic validates it.

    ninja wraps whatever it validates in a `DjangoGetter`, which reads each field as an
    attribute through its resolvers, so that ORM objects can be returned as they are. Our
    responses are dicts built by `respond()`'s callers and our request bodies are parsed JSON:
    for them the wrapper only cost time (a 20-case page: 1.4–2.1 ms of validation instead of
    0.3, about a sixth of the page's CPU). Objects, and schemas with `resolve_*` methods, still
    go through ninja's own validator. The OpenAPI document does not change."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info) -> Any:
        # Same name as ninja's validator, which pydantic therefore replaces.
        if isinstance(values, dict) and not cls._ninja_resolvers:
            return handler(values)
        return ninja.Schema._run_root_validator.__func__(cls, values, handler, info)


# --- problems -------------------------------------------------------------------------------
class ProblemFieldError(Schema):
    field: str
    message: str


class ProblemDetails(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemFieldError] | None = None


class ConflictProblem(ProblemDetails):
    current: dict | None = Field(None, description="The case as it is now (stale version)")


PROBLEMS: dict[int, type[Schema]] = {
    400: ProblemDetails,
    401: ProblemDetails,
    403: ProblemDetails,
    404: ProblemDetails,
    409: ConflictProblem,
    422: ProblemDetails,
}


def respond(schema: type[Schema], data: Any, *, status: int = 200) -> HttpResponse:
    """Validate `data` against `schema` and render it (used where the exact bytes matter).

    Rendered by pydantic's own JSON serializer (UTF-8, compact), the dates as `mode="json"`
    gives them: dumping to Python values and then through `json.dumps` was ~8% of a worklist
    page's CPU."""
    body = schema.model_validate(data).model_dump_json(by_alias=True)
    return HttpResponse(body, status=status, content_type="application/json")


# --- intake ---------------------------------------------------------------------------------
class TopicOut(Schema):
    code: str
    name: str


class SubmitterIn(Schema):
    name: Text = Field(..., max_length=200)
    phone: Text | None = Field(None, max_length=20, description="0xxxxxxxxx or +84xxxxxxxxx")
    id_number: Text | None = Field(None, max_length=20, description="9 (CMND) or 12 digits (CCCD)")
    address: Text | None = Field(None, max_length=500)
    email: Text | None = Field(None, max_length=200)
    is_representative: bool = False


class PetitionIn(Schema):
    kind: KindName
    channel: ChannelName
    unit: Text = Field(..., max_length=10, description="The locality's official unit code")
    unit_era: EraName | None = Field(
        None,
        description="Pin the unit to an era when a code names different places in different "
        "eras (10750: Thị trấn Phú Thái until 30/06/2025, Xã Phú Thái after). By default the "
        "unit valid on the received date.",
    )
    received_at: dt.datetime = Field(
        ..., description="ISO 8601; without an offset it is read as Asia/Ho_Chi_Minh time"
    )
    topic: Text = Field(..., max_length=40, description="A code from GET /api/v1/topics")
    text: Text = Field(..., description="The content, at most 10,000 characters")
    submitters: list[SubmitterIn]
    receiving_agency: int | None = Id("Default: your first agency", None)
    case_id: int | None = Id("Attach to this existing case instead of opening a new one", None)
    people_count: int | None = Field(None, ge=1, le=10_000_000)
    title: Text = Field("", max_length=200)

    @field_validator("received_at")
    @classmethod
    def _plausible_year(cls, value: dt.datetime) -> dt.datetime:
        if not year_is_plausible(value):
            raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
        return value


class PetitionCreatedOut(Schema):
    id: int
    case_id: int
    tracking_code: str
    deadline: dt.date = Field(..., description="Acknowledge in writing by this date")
    secret: str = Field(..., description="Shown once: the citizen's code to read the case")


# --- cases ----------------------------------------------------------------------------------
class NamedRef(Schema):
    id: int
    name: str


class CaseFlagOut(Schema):
    code: str
    reason: str


class CaseEventOut(Schema):
    at: dt.datetime
    action: str
    from_: str = Field(..., alias="from")
    to: str
    note: str
    actor: str | None
    data: dict


class CaseSubmitterOut(Schema):
    name: str
    phone: str
    id_number: str
    address: str
    is_representative: bool
    hidden: bool = Field(..., description="A denouncer's identity, hidden from this user")


class CasePetitionOut(Schema):
    id: int
    tracking_code: str
    kind: str
    channel: str
    received_at: dt.datetime
    people_count: int
    over_level: bool


class CaseSummaryOut(Schema):
    id: int
    reference: str
    kind: str
    status: str
    unit: str
    unit_name: str
    topic: str
    title: str
    received_at: dt.datetime
    acknowledge_due: dt.date
    accept_due: dt.date | None
    due: dt.date | None
    overdue: bool
    version: int
    receiving_agency: NamedRef
    competent_agency: NamedRef | None
    assigned_agency: NamedRef | None
    handler: NamedRef | None
    merged_into: int | None


class CaseOut(CaseSummaryOut):
    acknowledged_at: dt.datetime | None
    is_complex: bool
    is_remote: bool
    instance: int
    extensions: int
    answer: str
    decision_reference: str
    is_final_decision: bool
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    flags: list[CaseFlagOut]
    petitions: list[CasePetitionOut]
    submitters: list[CaseSubmitterOut] | None = Field(
        ...,
        description="As this user may see them (a denouncer's identity only to the handling "
        "leader and the assigned handler; each such read is logged). Null in the answers to "
        "transitions: read GET /api/v1/cases/{id}.",
    )
    events: list[CaseEventOut]


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseSummaryOut]


class PetitionOut(Schema):
    id: int
    tracking_code: str
    kind: str
    channel: str
    received_at: dt.datetime
    unit: str
    unit_name: str
    topic: str
    text: str
    people_count: int
    over_level: bool
    receiving_agency: NamedRef
    case: CaseOut


# --- transitions ----------------------------------------------------------------------------
class CaseVersionIn(Schema):
    version: int | None = Field(
        None, ge=1, le=MAX_ID, description="The version you read; 409 if the case changed since"
    )


class CaseAcceptIn(CaseVersionIn):
    competent_agency: int | None = Id("Default: the receiving agency", None)
    is_complex: bool = False
    is_remote: bool = False


class CaseReturnIn(CaseVersionIn):
    guidance: Text = Field(..., description="Where the citizen should take the matter")


class CaseTransferIn(CaseVersionIn):
    to_agency: int = Id("The competent agency")
    note: Text = ""


class CaseAssignIn(CaseVersionIn):
    agency: int = Id("The agency that handles the case")
    handler: int | None = Id("A member of that agency", None)
    due: dt.date | None = Field(None, description="Not after the legal deadline")


class CaseAnswerIn(CaseVersionIn):
    answer: Text
    decision_reference: Text = Field("", max_length=80)
    is_final: bool = False
    publish: bool = False


class CaseExtendIn(CaseVersionIn):
    reason: Text
    decision_reference: Text = Field(..., max_length=80)


class CaseCloseIn(CaseVersionIn):
    note: Text = ""


class CaseReopenIn(CaseVersionIn):
    note: Text = Field(..., description="Why the matter is pursued again")


class CaseMergeIn(CaseVersionIn):
    target: int = Id("The case that receives this case's petitions")


# --- builders -------------------------------------------------------------------------------
def local_time(value: dt.datetime | None) -> dt.datetime | None:
    """Times are given in Vietnam's time zone (+07:00), as officials read them."""
    return timezone.localtime(value, VN) if value is not None else None


def ref(obj) -> dict | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def events_json(events) -> list[dict]:
    """A case's or a conference's events (`CaseEventOut` / `EventOut`), oldest first."""
    return [
        {
            "at": local_time(e.at),
            "action": e.action,
            "from": e.from_status,
            "to": e.to_status,
            "note": e.note,
            "actor": str(e.actor) if e.actor_id else None,
            "data": e.data or {},
        }
        for e in events.select_related("actor").order_by("at", "pk")
    ]


CASE_RELATED = (
    "unit",
    "topic",
    "receiving_agency",
    "competent_agency",
    "assigned_agency",
    "handler",
)
"""The relations a case's JSON follows (read with it: `select_related`)."""

SUMMARY_FIELDS = (
    "id",
    "reference",
    "kind",
    "status",
    "unit__code",
    "unit__name",
    "topic__code",
    "title",
    "received_at",
    "acknowledge_due",
    "accept_due",
    "due",
    "version",
    "merged_into_id",
    "receiving_agency_id",
    "receiving_agency__name",
    "competent_agency_id",
    "competent_agency__name",
    "assigned_agency_id",
    "assigned_agency__name",
    "handler_id",
    "handler__title",
    "handler__first_name",
    "handler__last_name",
    "handler__username",
)
"""The values a case's summary is made of (`summary_of`), across `CASE_RELATED`: a list reads
only these, as tuples (`CASE_SUMMARIES`), not the cases as objects."""

CASE_SUMMARIES = Statement(lambda ids: Case.objects.filter(pk__in=ids).values_list(*SUMMARY_FIELDS))
"""The summaries of a page of cases by id, compiled once per page size (core/statements.py)."""


def _agency(values: dict, name: str) -> dict | None:
    pk = values[f"{name}_id"]
    return {"id": pk, "name": values[f"{name}__name"]} if pk is not None else None


def summary_of(values: dict) -> dict:
    """One case of a list, from its `SUMMARY_FIELDS`."""
    handler = values["handler_id"]
    return {
        "id": values["id"],
        "reference": values["reference"],
        "kind": values["kind"],
        "status": values["status"],
        "unit": values["unit__code"],
        "unit_name": values["unit__name"],
        "topic": values["topic__code"],
        "title": values["title"],
        "received_at": local_time(values["received_at"]),
        "acknowledge_due": values["acknowledge_due"],
        "accept_due": values["accept_due"],
        "due": values["due"],
        "overdue": selectors.overdue(values["status"], values["due"]),
        "version": values["version"],
        "receiving_agency": _agency(values, "receiving_agency"),
        "competent_agency": _agency(values, "competent_agency"),
        "assigned_agency": _agency(values, "assigned_agency"),
        "handler": None
        if handler is None
        else {
            "id": handler,
            "name": display_name(
                values["handler__title"],
                values["handler__first_name"],
                values["handler__last_name"],
                values["handler__username"],
            ),
        },
        "merged_into": values["merged_into_id"],
    }


def summaries(ids: list[int]) -> list[dict]:
    """The summaries of these cases, in the order of `ids` (ids the policy gave: a page)."""
    if not ids:
        return []
    found = {row[0]: row for row in CASE_SUMMARIES.rows(list(ids))}
    return [
        summary_of(dict(zip(SUMMARY_FIELDS, found[pk], strict=True))) for pk in ids if pk in found
    ]


def _value(obj, path: str):
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def case_summary(case: Case) -> dict:
    """One case's summary, from the case object (its relations read as they are loaded)."""
    return summary_of({name: _value(case, name) for name in SUMMARY_FIELDS})


def case_detail(case: Case, user, *, with_submitters: bool = True) -> dict:
    data = case_summary(case)
    data.update(
        {
            "acknowledged_at": local_time(case.acknowledged_at),
            "is_complex": case.is_complex,
            "is_remote": case.is_remote,
            "instance": case.instance,
            "extensions": case.extensions,
            "answer": case.answer,
            "decision_reference": case.decision_reference,
            "is_final_decision": case.is_final_decision,
            "answered_at": local_time(case.answered_at),
            "closed_at": local_time(case.closed_at),
            "flags": [{"code": f.code, "reason": f.reason} for f in flags.case_flags(case)],
            "petitions": [
                {
                    "id": p.pk,
                    "tracking_code": p.tracking_code,
                    "kind": p.kind,
                    "channel": p.channel,
                    "received_at": local_time(p.received_at),
                    "people_count": p.people_count,
                    "over_level": p.over_level,
                }
                for p in case.petitions.order_by("received_at", "pk")
            ],
            "submitters": [
                dataclasses.asdict(person)
                for person in selectors.submitters_for(user, case, purpose="api")
            ]
            if with_submitters
            else None,
            "events": events_json(case.events),
        }
    )
    return data


def petition_detail(petition: Petition, user) -> dict:
    return {
        "id": petition.pk,
        "tracking_code": petition.tracking_code,
        "kind": petition.kind,
        "channel": petition.channel,
        "received_at": local_time(petition.received_at),
        "unit": petition.unit.code,
        "unit_name": petition.unit.name,
        "topic": petition.topic.code,
        "text": petition.text,
        "people_count": petition.people_count,
        "over_level": petition.over_level,
        "receiving_agency": ref(petition.receiving_agency),
        "case": case_detail(petition.case, user),
    }

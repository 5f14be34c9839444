"""Request and response shapes of the dialogue conferences API, and the JSON builders of a
conference, its opinions and directives (`api/dialogues.py` has the endpoints)."""

import datetime as dt

from django.utils import timezone
from ninja import Field

from townhall.dialogues import selectors
from townhall.dialogues.models import (
    AudienceKind,
    ChairRole,
    Conference,
    Directive,
    DirectiveStatus,
    Opinion,
    Outcome,
    Status,
)
from townhall.petitions.models import Kind

from .schemas import MAX_ID, Id, Schema, SubmitterIn, events_json, local_time, ref


# --- shapes ---------------------------------------------------------------------------------
class VersionIn(Schema):
    version: int | None = Field(
        None, ge=1, le=MAX_ID, description="The version you read; 409 if it changed since"
    )


class ChairIn(Schema):
    user: int = Id("A staff user in your jurisdiction")
    role: ChairRole = ChairRole.CHAIR
    title: str = Field("", max_length=160, description="Default: the user's title")


class ConferenceIn(Schema):
    title: str = Field(..., max_length=250)
    host_agency: int = Id("The convening body (issues the documents)")
    host_unit: str | None = Field(
        None, max_length=10, description="A unit code; default: the host agency's unit"
    )
    starts_at: dt.datetime = Field(..., description="ISO 8601; without an offset, Vietnam time")
    chairs: list[ChairIn] = Field(..., min_length=1, max_length=10)
    organisers: list[int] = Field(default_factory=list, max_length=20)
    venue: str = Field("", max_length=250)
    is_online: bool = False
    audience_kind: AudienceKind = AudienceKind.RESIDENTS
    audience_description: str = Field("", max_length=250)
    expected_attendance: int | None = Field(None, ge=1, le=10_000_000)
    topics: list[str] = Field(default_factory=list, max_length=20, description="Topic codes")
    hotspot_cases: list[int] = Field(default_factory=list, max_length=50, description="Case ids")


class AnnounceIn(VersionIn):
    announced_at: dt.datetime | None = Field(None, description="Default: now")
    invitation_number: str = Field("", max_length=40, description="e.g. 45-GM/HU")


class HoldIn(VersionIn):
    held_at: dt.datetime | None = Field(None, description="Default: now")
    attendance: int | None = Field(None, ge=0, le=10_000_000)
    minutes: str = ""


class MinutesIn(VersionIn):
    attendance: int | None = Field(None, ge=0, le=10_000_000)
    minutes: str | None = None


class CloseIn(VersionIn):
    note: str = ""


class OpinionIn(Schema):
    text: str = Field(..., description="The opinion, at most 10,000 characters")
    kind: Kind = Kind.RECOMMENDATION
    topic: str = Field(..., max_length=40, description="A code from GET /api/v1/topics")
    unit: str | None = Field(
        None, max_length=10, description="The locality's unit code; default: the host unit"
    )
    received_at: dt.datetime | None = Field(
        None,
        description="Default: now. Before the conference's day: collected before "
        "(dialogue_before); on the day: raised from the floor (dialogue_floor)",
    )
    submitters: list[SubmitterIn] = Field(default_factory=list)
    people_count: int | None = Field(None, ge=1, le=10_000_000)
    title: str = Field("", max_length=200)
    receiving_agency: int | None = Id("Default: the host agency", None)
    collected_by: int | None = Id("The agency that collected it (e.g. the Front)", None)
    case_id: int | None = Id("Join this case (the same matter) instead of opening one", None)


class PreparationIn(Schema):
    agency: int = Id("The agency that prepares the answer")
    prepare_by: dt.date = Field(..., description="Before the conference's day")


class PreparedIn(Schema):
    answer: str


class OutcomeIn(Schema):
    answered_at_conference: bool
    answered_by: str = Field("", max_length=200, description="Answered: who answered")
    answer: str = Field("", description="Answered: the answer given")
    assignee: int | None = Id("Deferred: the agency that resolves it", None)
    deadline: dt.date | None = Field(None, description="Deferred: on or after the conference")
    expected_result: str = Field("", description="Deferred: what is expected")


class DirectiveIn(Schema):
    text: str
    assignee: int | None = Id("The agency that carries it out (required)", None)
    deadline: dt.date | None = Field(None, description="On or after the conference (required)")
    expected_result: str = ""


class ConcludeIn(VersionIn):
    number: str = Field(..., max_length=40, description="e.g. 125-TB/HU")
    signed_on: dt.date
    text: str
    directives: list[DirectiveIn] = Field(default_factory=list, max_length=200)
    published_at: dt.datetime | None = Field(None, description="Default: now")


class NoteIn(VersionIn):
    note: str = ""


class DoneIn(VersionIn):
    result: str
    done_at: dt.datetime | None = Field(None, description="Default: now")


class Ref(Schema):
    id: int
    name: str


class UnitRef(Schema):
    code: str
    name: str


class ChairOut(Schema):
    user: Ref
    role: str
    title: str


class EventOut(Schema):
    at: dt.datetime
    action: str
    from_: str = Field(..., alias="from")
    to: str
    note: str
    actor: str | None
    data: dict


class OpinionOut(Schema):
    id: int
    number: int
    petition_id: int
    tracking_code: str
    case_id: int
    case_status: str
    channel: str
    kind: str
    text: str
    received_at: dt.datetime
    collected_by: Ref | None
    prepare_agency: Ref | None
    prepare_by: dt.date | None
    prepared_answer: str
    prepared_at: dt.datetime | None
    outcome: Outcome
    answered_by: str
    answer: str
    assignee: Ref | None
    deadline: dt.date | None
    expected_result: str


class DirectiveOut(Schema):
    id: int
    conference_id: int
    number: int
    text: str
    assignee: Ref
    deadline: dt.date
    expected_result: str
    status: DirectiveStatus
    done_at: dt.datetime | None
    result: str
    verified_at: dt.datetime | None
    overdue: bool
    done_late: bool
    version: int
    events: list[EventOut]


class ConclusionOut(Schema):
    number: str
    signed_on: dt.date
    text: str
    signed_by: Ref | None
    signer_title: str
    published_at: dt.datetime
    publish_due: dt.date
    published_late: bool
    directives: list[DirectiveOut]


class SummaryOut(Schema):
    opinions_total: int
    answered_at_conference: int
    answered_later: int
    pending: int = Field(..., description="Total minus answered; includes the overdue")
    overdue: int = Field(..., description="Deferred, still open, past the deadline")
    directives_total: int
    directives_done_on_time: int
    directives_done_late: int
    directives_open: int = Field(..., description="Not yet done; includes the overdue")
    directives_overdue: int


class ConferenceSummaryOut(Schema):
    id: int
    title: str
    status: Status
    host_agency: Ref
    host_unit: UnitRef
    host_level: str
    starts_at: dt.datetime
    venue: str
    is_online: bool
    version: int


class ConferenceOut(ConferenceSummaryOut):
    chairs: list[ChairOut]
    organisers: list[Ref]
    audience_kind: AudienceKind
    audience_description: str
    expected_attendance: int | None
    topics: list[str]
    hotspot_cases: list[Ref]
    invitation_number: str
    announced_at: dt.datetime | None
    held_at: dt.datetime | None
    attendance: int | None
    minutes: str
    closed_at: dt.datetime | None
    opinions: list[OpinionOut]
    conclusion: ConclusionOut | None
    summary: SummaryOut
    events: list[EventOut]


class ConferencePageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[ConferenceSummaryOut]


class SlowAgencyOut(Schema):
    agency: Ref
    unit: UnitRef
    overdue: int
    done_late: int
    open: int
    total: int


# --- builders -------------------------------------------------------------------------------
def conference_summary_json(conference: Conference) -> dict:
    return {
        "id": conference.pk,
        "title": conference.title,
        "status": conference.status,
        "host_agency": ref(conference.host_agency),
        "host_unit": {"code": conference.host_unit.code, "name": conference.host_unit.name},
        "host_level": conference.host_level,
        "starts_at": local_time(conference.starts_at),
        "venue": conference.venue,
        "is_online": conference.is_online,
        "version": conference.version,
    }


def opinion_json(o: Opinion) -> dict:
    p = o.petition
    return {
        "id": o.pk,
        "number": o.number,
        "petition_id": p.pk,
        "tracking_code": p.tracking_code,
        "case_id": p.case_id,
        "case_status": p.case.status,
        "channel": p.channel,
        "kind": p.kind,
        "text": p.text,
        "received_at": local_time(p.received_at),
        "collected_by": ref(o.collected_by),
        "prepare_agency": ref(o.prepare_agency),
        "prepare_by": o.prepare_by,
        "prepared_answer": o.prepared_answer,
        "prepared_at": local_time(o.prepared_at),
        "outcome": o.outcome,
        "answered_by": o.answered_by,
        "answer": o.answer,
        "assignee": ref(o.assignee),
        "deadline": o.deadline,
        "expected_result": o.expected_result,
    }


def directive_json(d: Directive, on: dt.date) -> dict:
    return {
        "id": d.pk,
        "conference_id": d.conclusion.conference_id,
        "number": d.number,
        "text": d.text,
        "assignee": ref(d.assignee),
        "deadline": d.deadline,
        "expected_result": d.expected_result,
        "status": d.status,
        "done_at": local_time(d.done_at),
        "result": d.result,
        "verified_at": local_time(d.verified_at),
        "overdue": d.is_overdue(on),
        "done_late": d.done_late,
        "version": d.version,
        "events": events_json(d.events),
    }


def conference_json(conference: Conference) -> dict:
    conference = Conference.objects.select_related("host_agency", "host_unit").get(pk=conference.pk)
    on = timezone.localdate()
    data = conference_summary_json(conference)
    conclusion = getattr(conference, "conclusion", None)
    opinions = conference.opinions.select_related(
        "petition__case", "collected_by", "prepare_agency", "assignee"
    ).order_by("number")
    data.update(
        {
            "chairs": [
                {"user": ref(c.user), "role": c.role, "title": c.title}
                for c in conference.chairings.select_related("user")
            ],
            "organisers": [ref(a) for a in conference.organisers.order_by("name")],
            "audience_kind": conference.audience_kind,
            "audience_description": conference.audience_description,
            "expected_attendance": conference.expected_attendance,
            "topics": list(conference.topics.values_list("code", flat=True)),
            "hotspot_cases": [
                {"id": c.pk, "name": c.reference} for c in conference.hotspot_cases.all()
            ],
            "invitation_number": conference.invitation_number,
            "announced_at": local_time(conference.announced_at),
            "held_at": local_time(conference.held_at),
            "attendance": conference.attendance,
            "minutes": conference.minutes,
            "closed_at": local_time(conference.closed_at),
            "opinions": [opinion_json(o) for o in opinions],
            "conclusion": None,
            "summary": selectors.conference_summary(conference).as_dict(),
            "events": events_json(conference.events),
        }
    )
    if conclusion is not None:
        directives = conclusion.directives.select_related("assignee", "conclusion")
        data["conclusion"] = {
            "number": conclusion.number,
            "signed_on": conclusion.signed_on,
            "text": conclusion.text,
            "signed_by": ref(conclusion.signed_by),
            "signer_title": conclusion.signer_title,
            "published_at": local_time(conclusion.published_at),
            "publish_due": conclusion.publish_due,
            "published_late": conclusion.published_late,
            "directives": [directive_json(d, on) for d in directives],
        }
    return data

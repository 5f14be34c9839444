"""Every write to reception data: schedules, sessions and register entries.

Keyword-only, atomic, each appends a `ReceptionEvent`. A register entry creates or attaches a
petition through `petitions.services.petition_receive` (channel "reception") and applies the
action taken through the petitions lifecycle (`case_accept`, `case_return`, `case_transfer`),
so nothing here duplicates a case transition. Bad input raises `PetitionError` naming the field.
"""

import datetime as dt
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from townhall.accounts import policy
from townhall.accounts.models import User
from townhall.core import text
from townhall.petitions import services as petitions
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Case, Channel, Kind, Status, Topic
from townhall.petitions.services import SubmitterData
from townhall.units.models import Agency, Unit

from .models import (
    Action,
    ReceptionEvent,
    ReceptionSchedule,
    ReceptionSession,
    RegisterEntry,
    SessionKind,
    UnscheduledReason,
    Weekday,
    WeekOfMonth,
)

# A backfilled entry (a session recorded after the day) is stamped at the opening of that day.
OPENING_HOUR = 8


def _event(*, actor, action: str, schedule=None, session=None, data=None) -> ReceptionEvent:
    return ReceptionEvent.objects.create(
        schedule=schedule,
        session=session,
        at=timezone.now(),
        actor=actor if actor and getattr(actor, "is_authenticated", False) else None,
        action=action,
        data=data or {},
    )


def _in_jurisdiction(user: User, agency: Agency) -> bool:
    if policy.sees_everything(user):
        return True
    return any(agency.unit.path.startswith(path) for path in policy.jurisdiction_paths(user))


def _require_jurisdiction(user: User, agency: Agency, *, field: str) -> None:
    if not _in_jurisdiction(user, agency):
        raise PetitionError(
            f"{user} has no jurisdiction over {agency.name} ({agency.unit.name})", field=field
        )


def _require_agency_on(agency: Agency, day: dt.date, *, field: str) -> None:
    if not agency.is_active:
        raise PetitionError(f"{agency.name} is no longer active", field="agency")
    if not agency.unit.is_valid_on(day):
        raise PetitionError(
            f"{agency.unit.name} was not an administrative unit on {day:%d/%m/%Y}", field=field
        )


# --- schedules ------------------------------------------------------------------------------
@transaction.atomic
def schedule_create(
    *,
    agency: Agency,
    head: User,
    weekday: int,
    venue: str,
    valid_from: dt.date,
    actor: User,
    week_of_month: int | None = None,
    valid_to: dt.date | None = None,
    is_published: bool = False,
) -> ReceptionSchedule:
    _require_jurisdiction(head, agency, field="head")
    if weekday not in Weekday.values:
        raise PetitionError("The weekday is 0 (Monday) to 6 (Sunday)", field="weekday")
    if week_of_month is not None and week_of_month not in WeekOfMonth.values:
        raise PetitionError(
            "The week of the month is 1 to 4, or -1 for the last", field="week_of_month"
        )
    if valid_to is not None and valid_to < valid_from:
        raise PetitionError("The schedule ends before it starts", field="valid_to")
    _require_agency_on(agency, valid_from, field="valid_from")
    venue = text.normalize(venue or "")
    if not venue:
        raise PetitionError("Say where citizens are received", field="venue")
    schedule = ReceptionSchedule.objects.create(
        agency=agency,
        head=head,
        weekday=weekday,
        week_of_month=week_of_month,
        valid_from=valid_from,
        valid_to=valid_to,
        venue=venue,
        is_published=is_published,
        created_by=actor,
    )
    _event(actor=actor, action="created", schedule=schedule, data={"rule": schedule.describe()})
    return schedule


@transaction.atomic
def schedule_publish(
    *, schedule: ReceptionSchedule, actor: User, published: bool = True
) -> ReceptionSchedule:
    schedule = ReceptionSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.is_published == published:
        state = "published" if published else "not published"
        raise PetitionError(f"The schedule is already {state}", field="is_published")
    schedule.is_published = published
    schedule.save(update_fields=["is_published"])
    _event(actor=actor, action="published" if published else "withdrawn", schedule=schedule)
    return schedule


@transaction.atomic
def schedule_end(
    *, schedule: ReceptionSchedule, actor: User, valid_to: dt.date
) -> ReceptionSchedule:
    schedule = ReceptionSchedule.objects.select_for_update().get(pk=schedule.pk)
    if valid_to < schedule.valid_from:
        raise PetitionError("The schedule cannot end before it starts", field="valid_to")
    schedule.valid_to = valid_to
    schedule.save(update_fields=["valid_to"])
    _event(actor=actor, action="ended", schedule=schedule, data={"valid_to": valid_to.isoformat()})
    return schedule


# --- sessions -------------------------------------------------------------------------------
@transaction.atomic
def session_record(
    *,
    agency: Agency,
    date: dt.date,
    received_by: User,
    actor: User,
    kind: str = SessionKind.SCHEDULED,
    reason: str = "",
    is_delegated: bool = False,
    delegate: User | None = None,
    schedule: ReceptionSchedule | None = None,
    venue: str = "",
    note: str = "",
) -> ReceptionSession:
    """Record a reception day held by (or, delegated, on behalf of) `received_by`."""
    if kind not in SessionKind.values:
        raise PetitionError(f"Unknown kind of session {kind!r}", field="kind")
    _require_jurisdiction(received_by, agency, field="received_by")
    if date > timezone.localdate():
        raise PetitionError("A session is recorded on or after the day it is held", field="date")
    _require_agency_on(agency, date, field="date")
    if is_delegated and delegate is None:
        raise PetitionError("A delegated session names the delegate who received", field="delegate")
    if delegate is not None:
        if not is_delegated:
            raise PetitionError("Only a delegated session has a delegate", field="delegate")
        if delegate.pk == received_by.pk:
            raise PetitionError("The head cannot delegate to themselves", field="delegate")
        _require_jurisdiction(delegate, agency, field="delegate")
    if kind == SessionKind.UNSCHEDULED and reason not in UnscheduledReason.values:
        raise PetitionError(
            "An unscheduled session gives its reason: urgent, mass or complex", field="reason"
        )
    if kind != SessionKind.UNSCHEDULED and reason:
        raise PetitionError("Only an unscheduled session gives a reason", field="reason")
    if schedule is not None and schedule.agency_id != agency.pk:
        raise PetitionError("The schedule belongs to another agency", field="schedule")
    session = ReceptionSession.objects.create(
        agency=agency,
        date=date,
        received_by=received_by,
        is_delegated=is_delegated,
        delegate=delegate,
        kind=kind,
        reason=reason,
        schedule=schedule,
        venue=text.normalize(venue or "") or (schedule.venue if schedule else ""),
        note=(note or "").strip(),
        created_by=actor,
    )
    _event(
        actor=actor,
        action="recorded",
        session=session,
        data={"kind": kind, "delegated": is_delegated, "received_by": str(received_by)},
    )
    return session


# --- the register ---------------------------------------------------------------------------
@dataclass
class Visit:
    """What a clerk writes in the register for one visit."""

    content: str
    kind: str
    topic: Topic
    action: str
    citizens: list[SubmitterData] = dataclass_field(default_factory=list)
    is_group: bool = False
    people_count: int | None = None
    unit: Unit | None = None  # the locality the matter concerns; the session's by default
    handled_by: str = ""
    transferred_to: Agency | None = None
    guidance: str = ""
    follow_up: str = ""
    notes: str = ""
    title: str = ""


def _has_text(value: str | None) -> bool:
    """Whether anything visible is written: spaces and invisible format characters are not."""
    return any(
        not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf") for ch in (value or "")
    )


def _check_visit(visit: Visit) -> int:
    """Validate what the petitions intake does not; returns the number of people."""
    if not _has_text(visit.content):
        raise PetitionError("The content of the visit is required", field="content")
    if visit.kind not in Kind.values:
        raise PetitionError(f"Unknown kind {visit.kind!r}", field="kind")
    if visit.action not in Action.values:
        raise PetitionError(f"Unknown action {visit.action!r}", field="action")
    if visit.is_group and not visit.citizens:
        raise PetitionError(
            "A group visit records at least one representative", field="representatives"
        )
    if not visit.citizens:
        raise PetitionError("Record who came: at least one citizen", field="citizens")
    people = visit.people_count or len(visit.citizens)
    if people < len(visit.citizens):
        raise PetitionError(
            f"{len(visit.citizens)} citizens recorded but only {people} people counted",
            field="people_count",
        )
    if visit.action == Action.TRANSFERRED and visit.transferred_to is None:
        raise PetitionError("Say which agency the matter is transferred to", field="transferred_to")
    if visit.action != Action.TRANSFERRED and visit.transferred_to is not None:
        raise PetitionError("Only a transferred matter names an agency", field="transferred_to")
    if visit.action == Action.RETURNED_WITH_GUIDANCE and not (visit.guidance or "").strip():
        raise PetitionError("Say where the citizen should take the matter", field="guidance")
    return people


def _received_at(session: ReceptionSession) -> dt.datetime:
    if session.date == timezone.localdate():
        return timezone.now()
    opening = dt.datetime.combine(session.date, dt.time(OPENING_HOUR))
    return timezone.make_aware(opening)


def _intake(session: ReceptionSession, visit: Visit, people: int) -> petitions.Intake:
    return petitions.Intake(
        kind=visit.kind,
        channel=Channel.RECEPTION,
        unit=visit.unit or session.agency.unit,
        topic=visit.topic,
        text=visit.content,
        received_at=_received_at(session),
        receiving_agency=session.agency,
        submitters=[
            SubmitterData(**{**vars(c), "is_representative": visit.is_group})
            for c in visit.citizens
        ],
        people_count=people,
        title=visit.title,
    )


# The intake names its fields after the petition; the register form names them after the visit.
_INTAKE_FIELDS = {"submitters": "citizens", "text": "content"}


def _register_field(name: str) -> str:
    head, dot, rest = name.partition(".")
    return _INTAKE_FIELDS.get(head, head) + dot + rest


def _apply_action(*, case: Case, visit: Visit, actor: User, attaching: bool) -> Case:
    if visit.action == Action.ACCEPTED:
        # An attached petition joins a case someone may already be working on.
        if attaching and case.status not in (Status.RECEIVED, Status.TRANSFERRED):
            return case
        return petitions.case_accept(case=case, actor=actor)
    if visit.action == Action.RETURNED_WITH_GUIDANCE:
        return petitions.case_return(case=case, actor=actor, guidance=visit.guidance)
    return petitions.case_transfer(
        case=case, actor=actor, to_agency=visit.transferred_to, note=visit.notes
    )


@dataclass
class Recorded:
    entry: RegisterEntry
    secret: str  # the petition's secret, shown once to the citizen with the tracking code


@transaction.atomic
def entry_record(
    *, session: ReceptionSession, visit: Visit, actor: User, case: Case | None = None
) -> Recorded:
    """Write one visit in the register; creates a petition (or attaches it to `case`)."""
    people = _check_visit(visit)
    session = (
        ReceptionSession.objects.select_for_update()
        .select_related("agency__unit")
        .get(pk=session.pk)
    )
    try:
        receipt = petitions.petition_receive(
            intake=_intake(session, visit, people), actor=actor, case=case
        )
    except PetitionError as exc:
        exc.field = _register_field(exc.field)
        raise
    receipt.petition.case = _apply_action(
        case=receipt.case, visit=visit, actor=actor, attaching=case is not None
    )
    number = (session.entries.aggregate(last=Max("number"))["last"] or 0) + 1
    entry = RegisterEntry.objects.create(
        session=session,
        number=number,
        people_count=people,
        is_group=visit.is_group,
        content=receipt.petition.text,
        kind=visit.kind,
        handled_by=text.normalize(visit.handled_by or ""),
        action=visit.action,
        transferred_to=visit.transferred_to,
        guidance=(visit.guidance or "").strip(),
        petition=receipt.petition,
        follow_up=(visit.follow_up or "").strip(),
        notes=(visit.notes or "").strip(),
        recorded_by=actor,
    )
    _event(
        actor=actor,
        action="entry_recorded",
        session=session,
        data={
            "number": number,
            "action": visit.action,
            "case": receipt.case.reference,
            "tracking_code": receipt.petition.tracking_code,
            "people": people,
        },
    )
    return Recorded(entry=entry, secret=receipt.secret)


@transaction.atomic
def entry_follow_up(*, entry: RegisterEntry, actor: User, follow_up: str) -> RegisterEntry:
    """Write the result of following a visit up (the register's "Theo dõi kết quả")."""
    entry = RegisterEntry.objects.select_for_update().get(pk=entry.pk)
    follow_up = (follow_up or "").strip()
    if not follow_up:
        raise PetitionError("The follow-up note is required", field="follow_up")
    entry.follow_up = follow_up
    entry.save(update_fields=["follow_up"])
    _event(
        actor=actor,
        action="entry_followed_up",
        session=entry.session,
        data={"number": entry.number},
    )
    return entry

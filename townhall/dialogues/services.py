"""Every write to conferences, opinions and directives: one function per transition.

Each is keyword-only and atomic, locks the row, checks the source state (and the optimistic
version when given), saves with `update_fields` and appends an event. Opinions are petitions:
they are received, accepted, answered and assigned through `townhall.petitions.services`, so a
deferred opinion is followed as a case with its deadline. Bad input raises `PetitionError` (or
`TransitionNotAllowed`, 409) naming the field; nothing is written.

Times a secretary states (announced at, held at, done at) may be in the past — conferences are
often recorded after the fact — but never in the future. Events are stamped with the time they
were recorded; the stated time is in their data.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from townhall.accounts.models import User
from townhall.notifications.services import notification_queue
from townhall.petitions import services as petitions
from townhall.petitions.errors import PetitionError, StaleVersion, TransitionNotAllowed
from townhall.petitions.models import OPEN_STATUSES, Case, Channel, Topic
from townhall.petitions.models import Status as CaseStatus
from townhall.units.models import Agency, Unit

from .models import (
    AudienceKind,
    ChairRole,
    Conclusion,
    Conference,
    ConferenceChair,
    ConferenceEvent,
    Directive,
    DirectiveEvent,
    DirectiveStatus,
    Opinion,
    Outcome,
    Status,
)
from .rules import rule_for

CLOCK_SKEW = dt.timedelta(minutes=5)


# --- inputs ---------------------------------------------------------------------------------
@dataclass
class ChairData:
    user: User
    role: str = ChairRole.CHAIR
    title: str = ""


@dataclass
class ConferencePlan:
    """What a staff form or the API hands to `conference_plan`."""

    title: str
    host_agency: Agency
    starts_at: dt.datetime
    chairs: list[ChairData]
    host_unit: Unit | None = None  # default: the host agency's unit
    organisers: list[Agency] = field(default_factory=list)
    venue: str = ""
    is_online: bool = False
    audience_kind: str = AudienceKind.RESIDENTS
    audience_description: str = ""
    expected_attendance: int | None = None
    topics: list[Topic] = field(default_factory=list)
    hotspot_cases: list[Case] = field(default_factory=list)


@dataclass
class DirectiveData:
    text: str
    assignee: Agency | None
    deadline: dt.date | None
    expected_result: str = ""


# --- helpers --------------------------------------------------------------------------------
def _actor(actor) -> User | None:
    return actor if actor and getattr(actor, "is_authenticated", False) else None


def _stated_time(value: dt.datetime | None, *, field: str) -> dt.datetime:
    """A time a person states: now by default, aware, and not in the future."""
    if value is None:
        return timezone.now()
    if timezone.is_naive(value):
        raise PetitionError("Give the time with its time zone", field=field)
    if value > timezone.now() + CLOCK_SKEW:
        raise PetitionError("That time is in the future", field=field)
    return value


def _text(value: str | None, *, field: str, message: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise PetitionError(message, field=field)
    return cleaned


def _locked(conference: Conference, version: int | None = None) -> Conference:
    fresh = Conference.objects.select_for_update().get(pk=conference.pk)
    if version is not None and fresh.version != version:
        raise StaleVersion(
            f"The conference was changed by someone else (version {fresh.version}, you had "
            f"{version}); reload it and try again",
            current={"status": fresh.status, "version": fresh.version},
        )
    return fresh


def _require(conference: Conference, allowed: Iterable[str], action: str) -> None:
    allowed = tuple(allowed)
    if conference.status not in allowed:
        names = ", ".join(str(s) for s in allowed)
        raise TransitionNotAllowed(
            f"Cannot {action}: the conference is {conference.status}; allowed when: {names}",
            field="status",
        )


def _event(
    conference, actor, action, from_status="", to_status="", *, opinion=None, note="", data=None
) -> ConferenceEvent:
    return ConferenceEvent.objects.create(
        conference=conference,
        opinion=opinion,
        at=timezone.now(),
        actor=_actor(actor),
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _move(conference, actor, action, to_status, fields, *, note="", data=None) -> Conference:
    from_status = conference.status
    conference.status = to_status
    conference.version += 1
    conference.save(update_fields=sorted({"status", "version", "updated_at", *fields}))
    _event(conference, actor, action, from_status, to_status, note=note, data=data)
    return conference


def _touch(conference: Conference) -> None:
    """A change below the conference (an opinion, a directive) still bumps its version."""
    conference.version += 1
    conference.save(update_fields=["version", "updated_at"])


# --- planning -------------------------------------------------------------------------------
def _check_plan(plan: ConferencePlan) -> tuple[str, Unit]:
    title = _text(plan.title, field="title", message="The conference needs a title")
    if timezone.is_naive(plan.starts_at):
        raise PetitionError("Give the start time with its time zone", field="starts_at")
    host_unit = plan.host_unit or plan.host_agency.unit
    if not host_unit.path.startswith(plan.host_agency.unit.path):
        raise PetitionError(
            f"{host_unit.name} is outside {plan.host_agency.name}'s area", field="host_unit"
        )
    starts_on = timezone.localdate(plan.starts_at)
    if not host_unit.is_valid_on(starts_on):
        raise PetitionError(
            f"{host_unit.name} ({host_unit.code}) was not a unit on {starts_on:%d/%m/%Y}",
            field="host_unit",
        )
    if not any(c.role == ChairRole.CHAIR for c in plan.chairs):
        raise PetitionError("Name the chair", field="chairs")
    if len({c.user.pk for c in plan.chairs}) != len(plan.chairs):
        raise PetitionError("A person is named twice among the chairs", field="chairs")
    if plan.audience_kind not in AudienceKind.values:
        raise PetitionError(f"Unknown audience {plan.audience_kind!r}", field="audience_kind")
    if plan.expected_attendance is not None and plan.expected_attendance < 1:
        raise PetitionError("The expected number is at least 1", field="expected_attendance")
    if not plan.venue.strip() and not plan.is_online:
        raise PetitionError("Give the venue, or mark the conference online", field="venue")
    return title, host_unit


@transaction.atomic
def conference_plan(*, plan: ConferencePlan, actor: User) -> Conference:
    title, host_unit = _check_plan(plan)
    conference = Conference.objects.create(
        title=title,
        host_agency=plan.host_agency,
        host_unit=host_unit,
        host_level=host_unit.level,
        starts_at=plan.starts_at,
        venue=plan.venue.strip(),
        is_online=plan.is_online,
        audience_kind=plan.audience_kind,
        audience_description=plan.audience_description.strip(),
        expected_attendance=plan.expected_attendance,
        created_by=_actor(actor),
    )
    ConferenceChair.objects.bulk_create(
        [
            ConferenceChair(
                conference=conference,
                user=chair.user,
                role=chair.role,
                title=(chair.title or chair.user.title).strip(),
                order=i,
            )
            for i, chair in enumerate(plan.chairs)
        ]
    )
    conference.organisers.set(plan.organisers)
    conference.topics.set(plan.topics)
    conference.hotspot_cases.set(plan.hotspot_cases)
    _event(
        conference,
        actor,
        "planned",
        "",
        Status.PLANNED,
        data={"starts_at": plan.starts_at.isoformat(), "level": host_unit.level},
    )
    return conference


@transaction.atomic
def conference_announce(
    *,
    conference: Conference,
    actor: User,
    announced_at: dt.datetime | None = None,
    invitation_number: str = "",
    version: int | None = None,
) -> Conference:
    conference = _locked(conference, version)
    _require(conference, (Status.PLANNED,), "announce the conference")
    announced_at = _stated_time(announced_at, field="announced_at")
    if announced_at >= conference.starts_at:
        raise PetitionError("A conference is announced before it starts", field="announced_at")
    rule = rule_for(conference.host_level, conference.starts_on)
    notice = (conference.starts_on - timezone.localdate(announced_at)).days
    data = {"announced_at": announced_at.isoformat(), "notice_days": notice}
    if notice < rule.announce_days_ahead:
        message = (
            f"The conference on {conference.starts_on:%d/%m/%Y} is announced {notice} days "
            f"ahead; the rule asks for at least {rule.announce_days_ahead} ({rule.legal_basis})"
        )
        if rule.refuse_short_notice:
            raise PetitionError(message, field="announced_at")
        data["warning"] = message
    conference.announced_at = announced_at
    conference.invitation_number = invitation_number.strip()
    return _move(
        conference,
        actor,
        "announced",
        Status.ANNOUNCED,
        ["announced_at", "invitation_number"],
        data=data,
    )


@transaction.atomic
def conference_start_collecting(
    *, conference: Conference, actor: User, version: int | None = None
) -> Conference:
    conference = _locked(conference, version)
    _require(conference, (Status.ANNOUNCED,), "start collecting opinions")
    return _move(conference, actor, "collecting", Status.COLLECTING, [])


# --- opinions -------------------------------------------------------------------------------
@transaction.atomic
def opinion_add(
    *,
    conference: Conference,
    intake: petitions.Intake,
    actor: User,
    collected_by: Agency | None = None,
    case: Case | None = None,
) -> Opinion:
    """Put an opinion on the agenda: a petition collected before the day, or raised on it.

    The channel follows the date: received before the conference's day → `dialogue_before`,
    on the day → `dialogue_floor`. With `case`, the petition joins that case (the same matter
    already raised by others) instead of opening a new one.
    """
    conference = _locked(conference)
    _require(
        conference, (Status.COLLECTING, Status.READY, Status.HELD), "add an opinion to the agenda"
    )
    received_on = timezone.localdate(intake.received_at)
    if received_on > conference.starts_on:
        raise PetitionError(
            f"The conference was on {conference.starts_on:%d/%m/%Y}; an opinion received after "
            "it is an ordinary petition",
            field="received_at",
        )
    channel = (
        Channel.DIALOGUE_BEFORE if received_on < conference.starts_on else Channel.DIALOGUE_FLOOR
    )
    receipt = petitions.petition_receive(
        intake=dataclasses.replace(intake, channel=channel), actor=actor, case=case
    )
    last = conference.opinions.aggregate(last=Max("number"))["last"] or 0
    opinion = Opinion.objects.create(
        conference=conference,
        petition=receipt.petition,
        number=last + 1,
        collected_by=collected_by,
    )
    _touch(conference)
    _event(
        conference,
        actor,
        "opinion_added",
        opinion=opinion,
        data={
            "number": opinion.number,
            "channel": channel,
            "tracking_code": receipt.petition.tracking_code,
            "case": receipt.case.reference,
        },
    )
    return opinion


def _locked_opinion(conference: Conference, opinion: Opinion) -> Opinion:
    fresh = Opinion.objects.select_for_update().select_related("petition").get(pk=opinion.pk)
    if fresh.conference_id != conference.pk:
        raise PetitionError(
            f"Opinion {opinion.pk} is not on the agenda of this conference", field="opinion"
        )
    return fresh


@transaction.atomic
def opinion_request_preparation(
    *,
    conference: Conference,
    opinion: Opinion,
    actor: User,
    agency: Agency,
    prepare_by: dt.date,
) -> Opinion:
    """Ask an agency to prepare an answer before the day."""
    conference = _locked(conference)
    _require(conference, (Status.COLLECTING, Status.READY), "ask for an answer to be prepared")
    opinion = _locked_opinion(conference, opinion)
    if opinion.is_prepared:
        raise TransitionNotAllowed("The answer is already prepared", field="prepare_agency")
    if prepare_by >= conference.starts_on:
        raise PetitionError(
            f"The answer must be ready before the conference, {conference.starts_on:%d/%m/%Y}",
            field="prepare_by",
        )
    if prepare_by < timezone.localdate(opinion.petition.received_at):
        raise PetitionError("The date is before the opinion was received", field="prepare_by")
    opinion.prepare_agency, opinion.prepare_by = agency, prepare_by
    opinion.save(update_fields=["prepare_agency", "prepare_by"])
    _touch(conference)
    _event(
        conference,
        actor,
        "preparation_requested",
        opinion=opinion,
        data={"number": opinion.number, "agency": agency.name, "by": prepare_by.isoformat()},
    )
    return opinion


@transaction.atomic
def opinion_prepare(
    *, conference: Conference, opinion: Opinion, actor: User, answer: str
) -> Opinion:
    """The asked agency's prepared answer (may be revised until the day)."""
    conference = _locked(conference)
    _require(conference, (Status.COLLECTING, Status.READY), "prepare an answer")
    opinion = _locked_opinion(conference, opinion)
    if opinion.prepare_agency_id is None:
        raise TransitionNotAllowed(
            "No agency was asked to prepare this answer; ask one first", field="prepare_agency"
        )
    opinion.prepared_answer = _text(answer, field="answer", message="The answer is empty")
    opinion.prepared_at = timezone.now()
    opinion.save(update_fields=["prepared_answer", "prepared_at"])
    _touch(conference)
    _event(conference, actor, "answer_prepared", opinion=opinion, data={"number": opinion.number})
    return opinion


@transaction.atomic
def conference_mark_ready(
    *, conference: Conference, actor: User, version: int | None = None
) -> Conference:
    conference = _locked(conference, version)
    _require(conference, (Status.COLLECTING,), "mark the conference ready")
    unprepared = conference.opinions.filter(
        prepare_agency__isnull=False, prepared_at__isnull=True
    ).count()
    return _move(conference, actor, "ready", Status.READY, [], data={"unprepared": unprepared})


# --- the day --------------------------------------------------------------------------------
@transaction.atomic
def conference_hold(
    *,
    conference: Conference,
    actor: User,
    held_at: dt.datetime | None = None,
    attendance: int | None = None,
    minutes: str = "",
    version: int | None = None,
) -> Conference:
    """The conference takes place: from now on floor opinions and outcomes are recorded."""
    conference = _locked(conference, version)
    _require(conference, (Status.ANNOUNCED, Status.COLLECTING, Status.READY), "hold the conference")
    held_at = _stated_time(held_at, field="held_at")
    if timezone.localdate(held_at) < conference.starts_on:
        raise PetitionError(
            f"The conference is set for {conference.starts_on:%d/%m/%Y}; it cannot be held "
            "earlier (plan it again)",
            field="held_at",
        )
    if attendance is not None and attendance < 0:
        raise PetitionError("Attendance cannot be negative", field="attendance")
    conference.held_at, conference.attendance = held_at, attendance
    conference.minutes = (minutes or "").strip()
    return _move(
        conference,
        actor,
        "held",
        Status.HELD,
        ["held_at", "attendance", "minutes"],
        data={"held_at": held_at.isoformat(), "attendance": attendance},
    )


@transaction.atomic
def conference_record_minutes(
    *,
    conference: Conference,
    actor: User,
    minutes: str | None = None,
    attendance: int | None = None,
    version: int | None = None,
) -> Conference:
    """Attendance and minutes, while the conference is held and not yet concluded."""
    conference = _locked(conference, version)
    _require(conference, (Status.HELD,), "record the minutes")
    if attendance is not None and attendance < 0:
        raise PetitionError("Attendance cannot be negative", field="attendance")
    if attendance is not None:
        conference.attendance = attendance
    if minutes is not None:
        conference.minutes = minutes.strip()
    conference.version += 1
    conference.save(update_fields=["attendance", "minutes", "version", "updated_at"])
    _event(conference, actor, "minutes_recorded", data={"attendance": conference.attendance})
    return conference


def _answer_case(case: Case, actor: User, competent: Agency, answer: str) -> str:
    """Move the opinion's case to answered; returns what was done, for the event."""
    if case.status in (CaseStatus.RECEIVED, CaseStatus.TRANSFERRED):
        case = petitions.case_accept(case=case, actor=actor, competent_agency=competent)
    if case.status in (CaseStatus.ACCEPTED, CaseStatus.ASSIGNED):
        petitions.case_answer(case=case, actor=actor, answer=answer, publish=True)
        return "answered"
    return f"case already {case.status}"  # the same matter, answered through another opinion


def _defer_case(case: Case, actor: User, agency: Agency, deadline: dt.date) -> str:
    if case.status in (CaseStatus.RECEIVED, CaseStatus.TRANSFERRED):
        case = petitions.case_accept(case=case, actor=actor, competent_agency=agency)
    if case.status not in (CaseStatus.ACCEPTED, CaseStatus.ASSIGNED):
        raise TransitionNotAllowed(
            f"Case {case.reference} is already {case.status}; it cannot be deferred "
            "(record the opinion as answered, or reopen the case)",
            field="answered_at_conference",
        )
    try:
        petitions.case_assign(case=case, actor=actor, agency=agency, due=deadline)
    except PetitionError as refused:
        if refused.field == "due":
            raise PetitionError(refused.message, field="deadline") from None
        raise
    return "assigned"


@transaction.atomic
def opinion_record_outcome(
    *,
    conference: Conference,
    opinion: Opinion,
    actor: User,
    answered_at_conference: bool,
    answered_by: str = "",
    answer: str = "",
    assignee: Agency | None = None,
    deadline: dt.date | None = None,
    expected_result: str = "",
) -> Opinion:
    """Answered at the conference (by whom, what) or deferred (to whom, by when, for what).

    Recorded once. The opinion's case follows through the petitions services: answered → the
    case is accepted and answered; deferred → accepted and assigned with the deadline.
    """
    conference = _locked(conference)
    _require(conference, (Status.HELD,), "record an outcome")
    opinion = _locked_opinion(conference, opinion)
    if opinion.outcome != Outcome.PENDING:
        raise TransitionNotAllowed(
            f"Opinion #{opinion.number} already has its outcome ({opinion.outcome}); "
            "it is recorded once",
            field="outcome",
        )
    case = Case.objects.get(pk=opinion.petition.case_id)
    if answered_at_conference:
        opinion.answered_by = _text(
            answered_by, field="answered_by", message="Say who answered at the conference"
        )
        opinion.answer = _text(answer, field="answer", message="Record the answer given")
        opinion.outcome = Outcome.ANSWERED
        did = _answer_case(case, actor, conference.host_agency, opinion.answer)
    else:
        if assignee is None:
            raise PetitionError("A deferred opinion needs an assignee agency", field="assignee")
        if deadline is None:
            raise PetitionError("A deferred opinion needs a deadline", field="deadline")
        if deadline < conference.starts_on:
            raise PetitionError(
                f"The deadline is before the conference ({conference.starts_on:%d/%m/%Y})",
                field="deadline",
            )
        opinion.assignee, opinion.deadline = assignee, deadline
        opinion.expected_result = (expected_result or "").strip()
        opinion.outcome = Outcome.DEFERRED
        did = _defer_case(case, actor, assignee, deadline)
    opinion.outcome_at = timezone.now()
    opinion.save(
        update_fields=[
            "outcome",
            "outcome_at",
            "answered_by",
            "answer",
            "assignee",
            "deadline",
            "expected_result",
        ]
    )
    _touch(conference)
    _event(
        conference,
        actor,
        f"opinion_{opinion.outcome}",
        opinion=opinion,
        data={
            "number": opinion.number,
            "case": case.reference,
            "case_change": did,
            "assignee": assignee.name if assignee else None,
            "deadline": deadline.isoformat() if deadline else None,
        },
    )
    return opinion


# --- conclusion and directives --------------------------------------------------------------
def _check_directives(conference: Conference, directives: list[DirectiveData]) -> None:
    for i, item in enumerate(directives):
        _text(item.text, field=f"directives.{i}.text", message="A directive needs its content")
        if item.assignee is None:
            raise PetitionError(
                "Each directive needs an assignee agency", field=f"directives.{i}.assignee"
            )
        if item.deadline is None:
            raise PetitionError("Each directive needs a deadline", field=f"directives.{i}.deadline")
        if item.deadline < conference.starts_on:
            raise PetitionError(
                f"The deadline {item.deadline:%d/%m/%Y} is before the conference "
                f"({conference.starts_on:%d/%m/%Y})",
                field=f"directives.{i}.deadline",
            )


@transaction.atomic
def conference_conclude(
    *,
    conference: Conference,
    actor: User,
    number: str,
    signed_on: dt.date,
    text: str,
    directives: list[DirectiveData],
    signed_by: User | None = None,
    signer_title: str = "",
    published_at: dt.datetime | None = None,
    version: int | None = None,
) -> Conclusion:
    """The chair's conclusion notice with its directives; published within the rule's limit
    (a later publication is allowed and flagged, never hidden)."""
    conference = _locked(conference, version)
    _require(conference, (Status.HELD,), "conclude the conference")
    number = _text(number, field="number", message="The conclusion notice needs its number")
    text = _text(text, field="text", message="The conclusion notice needs its text")
    held_on = timezone.localdate(conference.held_at)
    if signed_on < held_on:
        raise PetitionError(
            f"The conclusion is dated before the conference was held ({held_on:%d/%m/%Y})",
            field="signed_on",
        )
    pending = list(
        conference.opinions.filter(outcome=Outcome.PENDING).values_list("number", flat=True)
    )
    if pending:
        listed = ", ".join(f"#{n}" for n in pending[:10])
        raise TransitionNotAllowed(
            f"Record the outcome of every opinion first; still without one: {listed}",
            field="opinions",
        )
    _check_directives(conference, directives)
    published_at = _stated_time(published_at, field="published_at")
    if timezone.localdate(published_at) < signed_on:
        raise PetitionError("The notice is published before it is signed", field="published_at")
    chair = conference.chairings.filter(role=ChairRole.CHAIR).select_related("user").first()
    signed_by = signed_by or (chair.user if chair else None)
    rule = rule_for(conference.host_level, held_on)
    conclusion = Conclusion.objects.create(
        conference=conference,
        number=number,
        signed_on=signed_on,
        text=text,
        signed_by=signed_by,
        signer_title=(signer_title or (chair.display if chair else "")).strip(),
        published_at=published_at,
        publish_due=held_on + dt.timedelta(days=rule.publish_within_days),
    )
    for i, item in enumerate(directives, start=1):
        directive = Directive.objects.create(
            conclusion=conclusion,
            number=i,
            text=item.text.strip(),
            assignee=item.assignee,
            deadline=item.deadline,
            expected_result=(item.expected_result or "").strip(),
        )
        _directive_event(directive, actor, "issued", "", DirectiveStatus.OPEN)
        _notify_assignee(directive, conference)
    _move(
        conference,
        actor,
        "concluded",
        Status.CONCLUDED,
        [],
        data={
            "number": number,
            "directives": len(directives),
            "publish_due": conclusion.publish_due.isoformat(),
            "published_late": conclusion.published_late,
        },
    )
    return conclusion


def _directive_event(
    directive, actor, action, from_status="", to_status="", *, note="", data=None
) -> DirectiveEvent:
    return DirectiveEvent.objects.create(
        directive=directive,
        at=timezone.now(),
        actor=_actor(actor),
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _notify_assignee(directive: Directive, conference: Conference) -> None:
    """Tell the head of the assignee agency (the outbox row commits with the directive)."""
    head = directive.assignee.head
    if head is None or not head.email:
        return
    notification_queue(
        channel="email",
        recipient=head.email,
        subject=f"Townhall: nhiệm vụ theo kết luận {directive.conclusion.number}",
        body=(
            f"{conference.title}: {directive.text}\n"
            f"Hạn: {directive.deadline:%d/%m/%Y}. Kết quả cần đạt: {directive.expected_result}"
        ),
        purpose="directive",
        dedupe_key=f"directive:{directive.pk}:{head.pk}",
    )


def _locked_directive(directive: Directive, version: int | None) -> Directive:
    fresh = (
        Directive.objects.select_for_update()
        .select_related("conclusion__conference")
        .get(pk=directive.pk)
    )
    if version is not None and fresh.version != version:
        raise StaleVersion(
            f"Directive {fresh.number} was changed by someone else (version {fresh.version}, "
            f"you had {version}); reload it and try again",
            current={"status": fresh.status, "version": fresh.version},
        )
    return fresh


def _require_directive(directive: Directive, allowed: str, action: str) -> None:
    if directive.status != allowed:
        raise TransitionNotAllowed(
            f"Cannot {action}: directive {directive.number} is {directive.status}",
            field="status",
        )


def _move_directive(directive, actor, action, to_status, fields, *, note="", data=None):
    from_status = directive.status
    directive.status = to_status
    directive.version += 1
    directive.save(update_fields=sorted({"status", "version", *fields}))
    _directive_event(directive, actor, action, from_status, to_status, note=note, data=data)
    return directive


@transaction.atomic
def directive_report_progress(
    *, directive: Directive, actor: User, note: str, version: int | None = None
) -> Directive:
    directive = _locked_directive(directive, version)
    _require_directive(directive, DirectiveStatus.OPEN, "report progress")
    note = _text(note, field="note", message="Say what has been done so far")
    return _move_directive(directive, actor, "progress", directive.status, [], note=note)


@transaction.atomic
def directive_mark_done(
    *,
    directive: Directive,
    actor: User,
    result: str,
    done_at: dt.datetime | None = None,
    version: int | None = None,
) -> Directive:
    directive = _locked_directive(directive, version)
    _require_directive(directive, DirectiveStatus.OPEN, "mark it done")
    directive.result = _text(result, field="result", message="Say what the result is")
    directive.done_at = _stated_time(done_at, field="done_at")
    directive.done_on = timezone.localdate(directive.done_at)
    if directive.done_on < directive.conclusion.signed_on:
        raise PetitionError("Done before the conclusion was signed", field="done_at")
    return _move_directive(
        directive,
        actor,
        "done",
        DirectiveStatus.DONE,
        ["result", "done_at", "done_on"],
        note=directive.result,
        data={"late": directive.done_late, "done_on": directive.done_on.isoformat()},
    )


@transaction.atomic
def directive_verify(
    *, directive: Directive, actor: User, note: str = "", version: int | None = None
) -> Directive:
    """The host checks the result; a verified directive is finished."""
    directive = _locked_directive(directive, version)
    _require_directive(directive, DirectiveStatus.DONE, "verify it")
    directive.verified_at = timezone.now()
    return _move_directive(
        directive, actor, "verified", DirectiveStatus.VERIFIED, ["verified_at"], note=note
    )


@transaction.atomic
def directive_reopen(
    *, directive: Directive, actor: User, note: str, version: int | None = None
) -> Directive:
    """The result does not meet the expected one: back to open (the done time is cleared)."""
    directive = _locked_directive(directive, version)
    _require_directive(directive, DirectiveStatus.DONE, "send it back")
    note = _text(note, field="note", message="Say why the result is not accepted")
    directive.done_at = directive.done_on = None
    return _move_directive(
        directive, actor, "reopened", DirectiveStatus.OPEN, ["done_at", "done_on"], note=note
    )


@transaction.atomic
def conference_close(
    *, conference: Conference, actor: User, note: str = "", version: int | None = None
) -> Conference:
    """Everything the conference set in motion is finished: directives verified, deferred
    opinions answered."""
    conference = _locked(conference, version)
    _require(conference, (Status.CONCLUDED,), "close the conference")
    unverified = list(
        Directive.objects.filter(conclusion__conference=conference)
        .exclude(status=DirectiveStatus.VERIFIED)
        .values_list("number", flat=True)
    )
    if unverified:
        listed = ", ".join(str(n) for n in unverified[:10])
        raise TransitionNotAllowed(f"Directives not yet verified: {listed}", field="directives")
    still_open = list(
        conference.opinions.filter(
            outcome=Outcome.DEFERRED, petition__case__status__in=OPEN_STATUSES
        ).values_list("number", flat=True)
    )
    if still_open:
        listed = ", ".join(f"#{n}" for n in still_open[:10])
        raise TransitionNotAllowed(
            f"Deferred opinions not yet answered: {listed}", field="opinions"
        )
    conference.closed_at = timezone.now()
    return _move(conference, actor, "closed", Status.CLOSED, ["closed_at"], note=note)

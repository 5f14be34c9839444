"""Every write to petitions and cases: one function per transition, shared by UI and API.

Each transition is keyword-only, atomic, locks the case row, checks the source state and the
optimistic version, saves with `update_fields`, appends a `CaseEvent`, and queues the
notifications in the same transaction (the outbox).
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from townhall.accounts.models import User
from townhall.core import crypto, statements, text
from townhall.notifications.services import notification_queue
from townhall.units.models import Agency, Unit

from . import deadlines, scope, similarity, validation
from .codes import hash_secret, new_case_reference, new_secret, new_tracking_code
from .errors import PetitionError, StaleVersion, TransitionNotAllowed
from .models import (
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    Channel,
    Kind,
    Petition,
    SimilarityBand,
    Status,
    Step,
    Submitter,
    Topic,
)

ATTACHMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
_MAGIC = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n": "image/png"}


@dataclass
class SubmitterData:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    is_representative: bool = False


@dataclass
class Intake:
    """What a clerk, the portal or the API hands to `petition_receive`."""

    kind: str
    channel: str
    unit: Unit
    topic: Topic
    text: str
    received_at: dt.datetime
    receiving_agency: Agency
    submitters: list[SubmitterData] = field(default_factory=list)
    people_count: int | None = None
    title: str = ""
    attachments: list[UploadedFile] = field(default_factory=list)


@dataclass
class Receipt:
    petition: Petition
    case: Case
    secret: str  # shown once to the citizen with the tracking code


# --- intake ---------------------------------------------------------------------------------
# Django's `Choices.values` builds a new list at every read.
_KINDS, _CHANNELS = frozenset(Kind.values), frozenset(Channel.values)


def _check_intake(intake: Intake) -> str:
    if timezone.is_naive(intake.received_at):
        # A time without a zone is a time in Vietnam (Asia/Ho_Chi_Minh), as officials write it.
        intake.received_at = timezone.make_aware(intake.received_at)
    if intake.kind not in _KINDS:
        raise PetitionError(f"Unknown kind {intake.kind!r}", field="kind")
    if intake.channel not in _CHANNELS:
        raise PetitionError(f"Unknown channel {intake.channel!r}", field="channel")
    if not intake.topic.is_active:
        raise PetitionError(f"The topic {intake.topic.code!r} is retired", field="topic")
    received_on = timezone.localdate(intake.received_at)
    if not intake.unit.is_valid_on(received_on):
        raise PetitionError(
            f"{intake.unit.name} ({intake.unit.code}) was not a unit on {received_on:%d/%m/%Y}",
            field="unit",
        )
    if intake.received_at > timezone.now() + dt.timedelta(minutes=5):
        raise PetitionError("The receipt time is in the future", field="received_at")
    if len(intake.submitters) > validation.MAX_SUBMITTERS:
        raise PetitionError(
            f"At most {validation.MAX_SUBMITTERS} submitters per petition", field="submitters"
        )
    for i, person in enumerate(intake.submitters):
        if not text.normalize(person.name or ""):
            raise PetitionError("Each submitter needs a name", field=f"submitters.{i}.name")
        person.id_number = validation.clean_id_number(
            person.id_number, field=f"submitters.{i}.id_number"
        )
        person.phone = validation.clean_phone(person.phone, field=f"submitters.{i}.phone")
    if intake.people_count is not None and intake.people_count < 1:
        raise PetitionError("The number of people is at least 1", field="people_count")
    return validation.clean_text(intake.text)


def _checked_attachment(upload: UploadedFile) -> tuple[str, str]:
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise PetitionError(
            f"{upload.name} is {upload.size // 1024} KB; the limit is "
            f"{ATTACHMENT_MAX_BYTES // 1024 // 1024} MB",
            field="attachments",
        )
    head = upload.read(8)
    upload.seek(0)
    content_type = next((t for magic, t in _MAGIC.items() if head.startswith(magic)), None)
    if content_type not in ATTACHMENT_TYPES:
        raise PetitionError(
            f"{upload.name} is not a PDF, JPEG or PNG file (checked by content)",
            field="attachments",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def _is_over_level(receiving: Agency, competent: Agency | None, locality: Unit) -> bool:
    """Received by a body above the competent one before that one has decided.

    Once the competent agency is known (at acceptance) it is compared with the receiving one.
    Before that, only a province-level body receiving a matter of a lower-level locality counts:
    a district receiving its own communes' matters is the ordinary path (docs/decisions/0004).
    """
    own_path = receiving.unit.path
    if competent is not None:
        target_path = competent.unit.path
    elif receiving.unit.level == "province":
        target_path = locality.path
    else:
        return False
    return target_path != own_path and target_path.startswith(own_path)


def petition_receive(*, intake: Intake, actor: User | None, case: Case | None = None) -> Receipt:
    """Record one petition; a new case unless `case` is given (attach to an existing one).

    A new case is written whole in one INSERT (its search text, people and over-level are
    known before: the tracking code is drawn here, not by the database). What needs no lock
    (checks, signature, keys, the new case's row) is worked out before the transaction opens:
    on SQLite a write transaction holds the database's one lock (ADR 0018).
    """
    clean = _check_intake(intake)
    attaching = case is not None
    checked = [(_checked_attachment(a), a) for a in intake.attachments]
    received_on = timezone.localdate(intake.received_at)
    keys = [
        crypto.person_blind_indexes(
            name=p.name, id_number=p.id_number, phone=p.phone, address=p.address
        )
        for p in intake.submitters
    ]
    people_count = intake.people_count or max(1, len(intake.submitters))
    tracking_code = new_tracking_code()
    signature = text.signature(clean)
    secret = new_secret()
    secret_hash = hash_secret(secret)
    if not attaching:
        over_level = _is_over_level(intake.receiving_agency, None, intake.unit)
        dues = deadlines.dues_for(
            kind=intake.kind, steps=(Step.ACKNOWLEDGE, Step.ACCEPT), start=received_on
        )
        reference = new_case_reference(received_on.year)
        title = (intake.title or _short_title(clean)).strip()
        case = Case(
            reference=reference,
            kind=intake.kind,
            unit=intake.unit,
            topic=intake.topic,
            title=title,
            receiving_agency=intake.receiving_agency,
            received_at=intake.received_at,
            received_on=received_on,
            acknowledge_due=dues[Step.ACKNOWLEDGE] or received_on,
            accept_due=dues[Step.ACCEPT],
            search_text=_search_text(reference, title, [(tracking_code, clean)]),
            people=max(len({k for k, _ in keys}), people_count),
            over_level=over_level,
        )
    # A new case's rows in one statement on PostgreSQL (ADR 0018): the case, petition and
    # submitters get their ids first, the rest names them. Without files to store, that
    # statement is all it writes, atomic without a transaction of its own (ADR 0019).
    batch = statements.Batch()
    with batch.atomic(alone=not attaching and not checked):
        if attaching:
            case = _locked(case)
            if case.status not in OPEN_STATUSES:
                raise TransitionNotAllowed(
                    f"Case {case.reference} is {case.status}; "
                    "reopen it before attaching a petition",
                    field="case",
                )
            over_level = _is_over_level(intake.receiving_agency, case.competent_agency, intake.unit)
        petition = Petition(
            case=case,
            tracking_code=tracking_code,
            secret_hash=secret_hash,
            kind=intake.kind,
            channel=intake.channel,
            received_at=intake.received_at,
            receiving_agency=intake.receiving_agency,
            unit=intake.unit,
            topic=intake.topic,
            text=clean,
            people_count=people_count,
            over_level=over_level,
            signature=signature,
            created_by=actor if actor and actor.is_authenticated else None,
        )
        submitters = [
            Submitter(
                petition=petition,
                name=text.normalize(p.name),
                id_number=p.id_number,
                phone=p.phone,
                address=text.normalize(p.address or ""),
                email=(p.email or "").strip(),
                person_key=person_key,
                phone_key=phone_key,
                is_representative=p.is_representative,
            )
            for p, (person_key, phone_key) in zip(intake.submitters, keys, strict=True)
        ]
        batch.with_ids(*([] if attaching else [[case]]), [petition], submitters)
        similarity.index([petition], batch=batch)
        acknowledgement = (
            f"Townhall: đã nhận đơn của ông/bà, mã theo dõi {petition.tracking_code}. "
            f"Hạn xác nhận bằng văn bản: {case.acknowledge_due:%d/%m/%Y}."
        )
        if not attaching:
            _event(
                case,
                actor,
                "received",
                "",
                Status.RECEIVED,
                is_public=True,
                at=intake.received_at,
                batch=batch,
            )
            scope.start(case, intake.unit, intake.receiving_agency, batch=batch)
            _notify_people(case, submitters, "tracking_code", acknowledgement, batch=batch)
        batch.write()
        for (content_type, sha256), upload in checked:
            Attachment.objects.create(
                petition=petition,
                file=upload,
                original_name=upload.name[:200],
                content_type=content_type,
                size=upload.size,
                sha256=sha256,
            )
        if attaching:
            case.search_text = _case_search_text(case)
            case.version += 1
            _recount(case)
            case.save(update_fields=["search_text", "version", "people", "over_level"])
            _event(
                case,
                actor,
                "petition_attached",
                case.status,
                case.status,
                # The event is when it was recorded (events stay in time order); receipt in data.
                data={
                    "tracking_code": petition.tracking_code,
                    "received_at": petition.received_at.isoformat(),
                },
            )
            _notify_people(case, submitters, "tracking_code", acknowledgement)
        return Receipt(petition=petition, case=case, secret=secret)


def _short_title(content: str, limit: int = 120) -> str:
    """The first words of the content, cut at a word boundary."""
    if len(content) <= limit:
        return content
    cut = content[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


def _search_text(reference: str, title: str, petitions: list[tuple[str, str]]) -> str:
    """What search matches: reference, title, and each petition's tracking code and text."""
    parts = [reference, title]
    for tracking_code, content in petitions:
        parts += [tracking_code, content]
    return text.fold(" ".join(parts))[:20_000]


def _case_search_text(case: Case) -> str:
    petitions = case.petitions.order_by("received_at", "pk").values_list("tracking_code", "text")
    return _search_text(case.reference, case.title, list(petitions))


# --- the lifecycle --------------------------------------------------------------------------
def _locked(case: Case, version: int | None = None, *, allow_merged: bool = False) -> Case:
    fresh = Case.objects.select_for_update().get(pk=case.pk)
    if fresh.merged_into_id and not allow_merged:
        into = Case.objects.only("reference").get(pk=fresh.merged_into_id)
        raise TransitionNotAllowed(
            f"Case {fresh.reference} was merged into {into.reference}; act on that case",
            field="case",
        )
    if version is not None and fresh.version != version:
        raise StaleVersion(
            f"Case {fresh.reference} was changed by someone else (version {fresh.version}, "
            f"you had {version}); reload it and try again",
            current={"status": fresh.status, "version": fresh.version},
        )
    return fresh


def _require(case: Case, allowed: Iterable[str], action: str) -> None:
    allowed = tuple(allowed)
    if case.status not in allowed:
        names = ", ".join(str(s) for s in allowed)
        raise TransitionNotAllowed(
            f"Cannot {action} a case that is {case.status}; allowed from: {names}",
            field="status",
        )


def _recount(case: Case) -> None:
    """The petitions' facts kept on the case (flags): distinct people, over-level. Not saved."""
    signed = Submitter.objects.filter(petition__case=case).values("person_key").distinct().count()
    declared = case.petitions.aggregate(most=Max("people_count"))["most"] or 0
    case.people = max(signed, declared, 1)
    case.over_level = case.petitions.filter(over_level=True).exists()


SCOPE_FIELDS = {"unit", "receiving_agency", "competent_agency", "assigned_agency"}


def _event(
    case,
    actor,
    action,
    from_status,
    to_status,
    *,
    note="",
    data=None,
    is_public=False,
    at=None,
    batch: statements.Batch | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        at=at or timezone.now(),
        actor=actor if actor and getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        is_public=is_public,
    )
    if batch is not None:
        batch.add([event])
    else:
        statements.insert([event])
    return event


def _move(
    case: Case,
    actor,
    action: str,
    to_status: str,
    fields: list[str],
    *,
    note="",
    data=None,
    is_public=False,
) -> Case:
    from_status = case.status
    case.status = to_status
    case.version += 1
    case.save(update_fields=sorted({"status", "version", "updated_at", *fields}))
    similarity.follow_status(case, from_status)
    if SCOPE_FIELDS & set(fields):
        scope.refresh(case)
    _event(case, actor, action, from_status, to_status, note=note, data=data, is_public=is_public)
    return case


def _notify_citizens(case: Case, petition: Petition | None, purpose: str, body: str) -> None:
    submitters = (
        petition.submitters.all() if petition else Submitter.objects.filter(petition__case=case)
    )
    _notify_people(case, submitters, purpose, body)


def _notify_people(
    case: Case,
    submitters: Iterable[Submitter],
    purpose: str,
    body: str,
    *,
    batch: statements.Batch | None = None,
) -> None:
    """Queue `body` to every submitter with a phone (SMS) or an e-mail address (with `batch`,
    written with it)."""
    for person in submitters:
        key = f"{purpose}:{case.pk}:{case.version}:{person.pk}"
        if person.phone:
            notification_queue(
                channel="sms",
                recipient=person.phone,
                body=body,
                purpose=purpose,
                dedupe_key=f"sms:{key}",
                case=case,
                batch=batch,
            )
        if person.email:
            notification_queue(
                channel="email",
                recipient=person.email,
                body=body,
                subject="Townhall",
                purpose=purpose,
                dedupe_key=f"email:{key}",
                case=case,
                batch=batch,
            )


def _notify_staff(case: Case, user: User | None, purpose: str, body: str) -> None:
    if user and user.email:
        notification_queue(
            channel="email",
            recipient=user.email,
            subject=f"Townhall: {purpose}",
            body=body,
            purpose=purpose,
            dedupe_key=f"{purpose}:{case.pk}:{case.version}:{user.pk}",
            case=case,
        )


@transaction.atomic
def case_acknowledge(*, case: Case, actor: User, version: int | None = None) -> Case:
    case = _locked(case, version)
    _require(case, OPEN_STATUSES, "acknowledge")
    if case.acknowledged_at:
        raise TransitionNotAllowed("The case was already acknowledged", field="status")
    case.acknowledged_at = timezone.now()
    case.version += 1
    case.save(update_fields=["acknowledged_at", "version", "updated_at"])
    _event(case, actor, "acknowledged", case.status, case.status, is_public=True)
    _notify_citizens(
        case,
        None,
        "acknowledgement",
        f"Townhall: đơn {case.reference} đã được tiếp nhận và đang được xem xét.",
    )
    return case


@transaction.atomic
def case_accept(
    *,
    case: Case,
    actor: User,
    competent_agency: Agency | None = None,
    is_complex: bool = False,
    is_remote: bool = False,
    version: int | None = None,
) -> Case:
    case = _locked(case, version)
    _require(case, (Status.RECEIVED, Status.TRANSFERRED), "accept")
    case.competent_agency = competent_agency or case.competent_agency or case.receiving_agency
    case.is_complex, case.is_remote = is_complex, is_remote
    case.due = deadlines.due_for(
        kind=case.kind,
        step=deadlines.resolve_step(case.kind, case.instance),
        start=timezone.localdate(),
        is_complex=is_complex,
        is_remote=is_remote,
    )
    case.handling_leader = case.handling_leader or (case.competent_agency.head)
    for petition in case.petitions.select_related("receiving_agency__unit"):
        over = _is_over_level(petition.receiving_agency, case.competent_agency, case.unit)
        if over != petition.over_level:
            petition.over_level = over
            petition.save(update_fields=["over_level"])
    case.over_level = case.petitions.filter(over_level=True).exists()
    return _move(
        case,
        actor,
        "accepted",
        Status.ACCEPTED,
        ["competent_agency", "is_complex", "is_remote", "due", "handling_leader", "over_level"],
        data={"due": case.due.isoformat() if case.due else None},
        is_public=True,
    )


@transaction.atomic
def case_return(*, case: Case, actor: User, guidance: str, version: int | None = None) -> Case:
    case = _locked(case, version)
    _require(case, (Status.RECEIVED,), "return")
    if not (guidance or "").strip():
        raise PetitionError("Say where the citizen should take the matter", field="guidance")
    case.answer = guidance.strip()
    case.answered_at = timezone.now()
    case = _move(
        case,
        actor,
        "returned",
        Status.RETURNED,
        ["answer", "answered_at"],
        note=guidance,
        is_public=True,
    )
    _notify_citizens(
        case,
        None,
        "returned",
        f"Townhall: hướng dẫn về đơn {case.reference}: {guidance.strip()[:300]}",
    )
    return case


@transaction.atomic
def case_transfer(
    *, case: Case, actor: User, to_agency: Agency, note: str = "", version: int | None = None
) -> Case:
    case = _locked(case, version)
    _require(case, (Status.RECEIVED, Status.ACCEPTED), "transfer")
    if to_agency.pk == (case.competent_agency_id or case.receiving_agency_id):
        raise PetitionError("The case is already with that agency", field="to_agency")
    case.competent_agency = to_agency
    return _move(
        case,
        actor,
        "transferred",
        Status.TRANSFERRED,
        ["competent_agency"],
        note=note,
        data={"to_agency": to_agency.name},
        is_public=True,
    )


@transaction.atomic
def case_assign(
    *,
    case: Case,
    actor: User,
    agency: Agency,
    handler: User | None = None,
    due: dt.date | None = None,
    version: int | None = None,
) -> Case:
    case = _locked(case, version)
    _require(case, (Status.ACCEPTED, Status.ASSIGNED), "assign")
    if handler is not None and not handler.memberships.filter(agency=agency).exists():
        raise PetitionError(f"{handler} does not belong to {agency}", field="handler")
    if due is not None:
        if due < case.received_on:
            raise PetitionError("The deadline is before the petition was received", field="due")
        if case.due and due > case.due:
            raise PetitionError(
                f"The deadline may not pass the legal one, {case.due:%d/%m/%Y}", field="due"
            )
        case.due = due
    case.assigned_agency, case.handler = agency, handler
    case = _move(
        case,
        actor,
        "assigned",
        Status.ASSIGNED,
        ["assigned_agency", "handler", "due"],
        data={
            "agency": agency.name,
            "handler": str(handler) if handler else None,
            "due": case.due.isoformat() if case.due else None,
        },
    )
    _notify_staff(
        case,
        handler,
        "assignment",
        f"Vụ việc {case.reference} được giao, hạn {case.due:%d/%m/%Y}."
        if case.due
        else f"Vụ việc {case.reference} được giao.",
    )
    return case


@transaction.atomic
def case_answer(
    *,
    case: Case,
    actor: User,
    answer: str,
    decision_reference: str = "",
    is_final: bool = False,
    publish: bool = False,
    version: int | None = None,
) -> Case:
    case = _locked(case, version)
    _require(case, (Status.ACCEPTED, Status.ASSIGNED), "answer")
    if not (answer or "").strip():
        raise PetitionError("The answer is required", field="answer")
    now = timezone.now()
    case.answer, case.decision_reference = answer.strip(), decision_reference.strip()
    case.is_final_decision, case.publish_answer, case.answered_at = is_final, publish, now
    if is_final:
        case.final_decision_at = now
    case = _move(
        case,
        actor,
        "answered",
        Status.ANSWERED,
        [
            "answer",
            "decision_reference",
            "is_final_decision",
            "publish_answer",
            "answered_at",
            "final_decision_at",
        ],
        data={"decision_reference": decision_reference, "final": is_final},
        is_public=True,
    )
    _notify_citizens(
        case,
        None,
        "answer",
        f"Townhall: đơn {case.reference} đã có trả lời. Tra cứu bằng mã theo dõi.",
    )
    return case


@transaction.atomic
def case_extend(
    *, case: Case, actor: User, reason: str, decision_reference: str, version: int | None = None
) -> Case:
    case = _locked(case, version)
    _require(case, (Status.ACCEPTED, Status.ASSIGNED), "extend")
    if not (reason or "").strip():
        raise PetitionError("An extension needs a reason", field="reason")
    if not (decision_reference or "").strip():
        raise PetitionError(
            "An extension needs the written decision's reference", field="decision_reference"
        )
    if case.due is None:
        raise PetitionError("The case has no deadline to extend", field="extension")
    accepted = case.events.filter(action="accepted").order_by("-at").first()
    accepted_on = timezone.localdate(accepted.at) if accepted else case.received_on
    old_due = case.due
    case.due = deadlines.extended_due(
        kind=case.kind,
        instance=case.instance,
        accepted_on=accepted_on,
        current_due=case.due,
        extensions_so_far=case.extensions,
    )
    case.extensions += 1
    return _move(
        case,
        actor,
        "extended",
        case.status,
        ["due", "extensions"],
        note=reason,
        data={
            "from": old_due.isoformat(),
            "to": case.due.isoformat(),
            "decision_reference": decision_reference,
        },
        is_public=True,
    )


@transaction.atomic
def case_close(*, case: Case, actor: User, note: str = "", version: int | None = None) -> Case:
    case = _locked(case, version)
    _require(case, (Status.ANSWERED, Status.RETURNED), "close")
    case.closed_at = timezone.now()
    return _move(case, actor, "closed", Status.CLOSED, ["closed_at"], note=note, is_public=True)


@transaction.atomic
def case_reopen(*, case: Case, actor: User | None, note: str, version: int | None = None) -> Case:
    """A new complaint about the same matter: back to accepted, at the next instance."""
    case = _locked(case, version)
    _require(case, (Status.ANSWERED, Status.CLOSED), "reopen")
    if not (note or "").strip():
        raise PetitionError("Say why the matter is pursued again", field="note")
    if case.is_final_decision:
        case.reopened_after_final += 1
    if case.kind == Kind.COMPLAINT:
        case.instance += 1
    case.due = deadlines.due_for(
        kind=case.kind,
        step=deadlines.resolve_step(case.kind, case.instance),
        start=timezone.localdate(),
        is_complex=case.is_complex,
        is_remote=case.is_remote,
    )
    case.closed_at = None
    case.extensions = 0
    return _move(
        case,
        actor,
        "reopened",
        Status.ACCEPTED,
        ["reopened_after_final", "instance", "due", "closed_at", "extensions"],
        note=note,
        is_public=True,
    )


@transaction.atomic
def case_merge(*, source: Case, target: Case, actor: User, version: int | None = None) -> Case:
    """Move every petition of `source` to `target`; `source` is closed as merged.

    `version` is the source's, for optimistic concurrency like every other transition.
    """
    if source.pk == target.pk:
        raise PetitionError("A case cannot be merged into itself", field="target")
    first, second = sorted([source, target], key=lambda c: c.pk)  # lock in a stable order
    _locked(first, version if first.pk == source.pk else None)
    _locked(second, version if second.pk == source.pk else None)
    source, target = Case.objects.get(pk=source.pk), Case.objects.get(pk=target.pk)
    _require(source, OPEN_STATUSES, "merge")
    _require(target, OPEN_STATUSES, "merge into")
    moved = list(source.petitions.values_list("tracking_code", flat=True))
    source.petitions.update(case=target)
    SimilarityBand.objects.filter(case=source).update(case=target)
    source.merged_into = target
    source.closed_at = timezone.now()
    _move(
        source,
        actor,
        "merged_away",
        Status.CLOSED,
        ["merged_into", "closed_at"],
        data={"into": target.reference, "petitions": moved},
    )
    target.search_text = _case_search_text(target)
    target.version += 1
    _recount(target)
    target.save(update_fields=["search_text", "version", "updated_at", "people", "over_level"])
    _event(
        target,
        actor,
        "merged_in",
        target.status,
        target.status,
        data={"from": source.reference, "petitions": moved},
    )
    return target

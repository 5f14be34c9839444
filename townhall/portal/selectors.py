"""What the public portal may read: places valid today, the receiving agency, a citizen's own
petition (by tracking code and secret or phone), its public timeline, and published answers.

Nothing here returns a person: the portal shows no submitter and no staff member by name.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.core import crypto, text
from townhall.dialogues.models import Conclusion, Conference, Directive
from townhall.dialogues.models import Status as ConferenceStatus
from townhall.petitions import validation
from townhall.petitions.codes import UNKNOWN_SECRET_HASH, secret_matches
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Case, CaseEvent, Kind, Petition, Status, Submitter
from townhall.reception.models import ReceptionSchedule
from townhall.reception.selectors import published_schedules
from townhall.units.models import Agency, AgencyKind, Level, Unit

PUBLISHED_STATUSES = (Status.ANSWERED, Status.CLOSED)


# --- places ---------------------------------------------------------------------------------
def provinces_on(day: dt.date) -> QuerySet[Unit]:
    return Unit.objects.filter(parent__isnull=True).valid_on(day).order_by("name")


def children_on(parent: Unit | None, day: dt.date) -> QuerySet[Unit]:
    if parent is None:
        return Unit.objects.none()
    return Unit.objects.children_of(parent, day).order_by("name")


def unit_on(code: str, day: dt.date, *, level: str | None = None) -> Unit | None:
    """The unit with this code valid on `day` (a code names one unit per era)."""
    if not code:
        return None
    units = Unit.objects.valid_on(day).filter(code=str(code)[:10])
    if level:
        units = units.filter(level=level)
    return units.first()


@dataclass
class Place:
    """The choices of the province → (district →) commune selects, as far as they are made."""

    day: dt.date
    province: Unit | None = None
    district: Unit | None = None
    commune: Unit | None = None

    @cached_property
    def needs_district(self) -> bool:
        return bool(
            self.province and children_on(self.province, self.day).filter(level=Level.DISTRICT)
        )

    @property
    def commune_parent(self) -> Unit | None:
        return self.district if self.needs_district else self.province

    @property
    def chosen(self) -> Unit | None:
        """The most precise unit chosen."""
        return self.commune or self.district or self.province

    def provinces(self) -> QuerySet[Unit]:
        return provinces_on(self.day)

    def districts(self) -> QuerySet[Unit]:
        return children_on(self.province, self.day).filter(level=Level.DISTRICT)

    def communes(self) -> QuerySet[Unit]:
        return children_on(self.commune_parent, self.day).filter(level=Level.COMMUNE)


def place_from(day: dt.date, province="", district="", commune="") -> Place:
    """Read the selects; a choice that does not lie under the one above it is dropped."""
    place = Place(day, province=unit_on(province, day, level=Level.PROVINCE))
    if place.province is None:
        return place
    if place.needs_district:
        found = unit_on(district, day, level=Level.DISTRICT)
        place.district = found if found and found.parent_id == place.province.pk else None
    parent = place.commune_parent
    found = unit_on(commune, day, level=Level.COMMUNE)
    if parent is not None and found is not None and found.parent_id == parent.pk:
        place.commune = found
    return place


def receiving_agency_for(unit: Unit) -> Agency | None:
    """The People's Committee of the unit if it has one, else of its parent, up to the province.

    A petition sent online is received by the authority closest to the place it is about; the
    case can then be transferred to the competent body like any other.
    """
    chain = [unit, *reversed(unit.ancestors())]
    committees = {
        a.unit_id: a
        for a in Agency.objects.filter(
            unit__in=chain, kind=AgencyKind.PEOPLES_COMMITTEE, is_active=True
        ).order_by("-pk")  # with two, the first created wins (dict keeps the last)
    }
    return next((committees[u.pk] for u in chain if u.pk in committees), None)


# --- a citizen's own petition ----------------------------------------------------------------
_CODE_CHARS = re.compile(r"[^0-9A-Z]")


def normalize_code(typed: str) -> str:
    """ "th-abcd-efgh", "THABCDEFGH", " TH ABCD EFGH " → "TH-ABCD-EFGH"."""
    compact = _CODE_CHARS.sub("", (typed or "").upper())
    if compact.startswith("TH"):
        compact = compact[2:]
    if len(compact) != 8:
        return ""
    return f"TH-{compact[:4]}-{compact[4:]}"


def _phone_forms(typed: str) -> list[str]:
    try:
        phone = validation.clean_phone(typed, field="phone")
    except PetitionError:
        return []
    if not phone:
        return []
    if phone.startswith("+84"):
        return [phone, "0" + phone[3:]]
    return [phone, "+84" + phone[1:]]


def is_secret(key: str) -> bool:
    return bool(re.fullmatch(r"\d{6}", key))


def petition_for_citizen(code: str, key: str) -> Petition | None:
    """The petition with this tracking code whose secret, or a submitter's phone, is `key`.

    Any failure is the same None, so a caller cannot tell a wrong code from a wrong key; a
    missing petition still costs one secret check, so timing tells nothing either.
    """
    key = re.sub(r"\s", "", key or "")
    petition = (
        Petition.objects.select_related("case").filter(tracking_code=normalize_code(code)).first()
    )
    if is_secret(key):
        if petition is None:
            secret_matches(key, UNKNOWN_SECRET_HASH)  # the same work as a real check
            return None
        return petition if secret_matches(key, petition.secret_hash) else None
    phones = _phone_forms(key)
    if petition is None or not phones:
        return None
    keys = [crypto.blind_index(p) for p in phones]
    return petition if petition.submitters.filter(phone_key__in=keys).exists() else None


def is_denunciation(case: Case) -> bool:
    return case.kind == Kind.DENUNCIATION or case.petitions.filter(kind=Kind.DENUNCIATION).exists()


@dataclass(frozen=True)
class PublicEvent:
    at: dt.datetime
    label: str


def _event_label(event: CaseEvent, case: Case) -> str:
    data = event.data or {}
    if event.action == "received":
        return _("Received")
    if event.action == "acknowledged":
        return _("Receipt acknowledged")
    if event.action == "accepted":
        return _("Accepted for handling")
    if event.action == "returned":
        return _("Returned with guidance on where to take the matter")
    if event.action == "transferred" and data.get("to_agency"):
        return _("Transferred to the competent body: %(agency)s") % {"agency": data["to_agency"]}
    if event.action == "extended" and data.get("to"):
        day = dt.date.fromisoformat(data["to"])
        return _("Deadline extended to %(date)s") % {"date": day.strftime("%d/%m/%Y")}
    if event.action == "answered":
        return _("Answered")
    if event.action == "closed":
        return _("Closed")
    if event.action == "reopened":
        return (
            _("Pursued again (a new complaint)")
            if case.kind == Kind.COMPLAINT
            else _("Pursued again")
        )
    return Status(event.to_status).label if event.to_status in Status.values else event.action


def public_timeline(case: Case) -> list[PublicEvent]:
    """The citizen's timeline: public events only, with no actor and no free-text note (staff
    notes may name officials or people)."""
    events = case.events.filter(is_public=True).only("at", "action", "to_status", "data")
    return [PublicEvent(e.at, _event_label(e, case)) for e in events.order_by("at", "pk")]


# --- published answers ----------------------------------------------------------------------
def published_answers(*, place: Unit | None = None, topic=None) -> QuerySet[Case]:
    """Answers the handling agency chose to publish; a place also matches its predecessors
    (a 2025 province shows the answers given in the provinces merged into it)."""
    cases = Case.objects.filter(
        publish_answer=True, status__in=PUBLISHED_STATUSES, merged_into__isnull=True
    ).exclude(answer="")
    if place is not None:
        roots = [place, *place.predecessors.all()]
        scope = Q()
        for root in roots:
            if root.level == Level.COMMUNE:
                scope |= Q(unit=root)
            else:
                scope |= Q(unit__path__startswith=root.path)
        cases = cases.filter(scope)
    if topic is not None:
        cases = cases.filter(topic=topic)
    denounced = Petition.objects.filter(case=OuterRef("pk"), kind=Kind.DENUNCIATION)
    return (
        cases.annotate(has_denunciation=Exists(denounced))
        .select_related("unit", "unit__parent", "topic")
        .order_by("-answered_at", "-pk")
    )


_PHONE_LIKE = re.compile(r"(?<!\d)(?:\+84|0)(?:[\s.\-]?\d){9}(?!\d)")
_ID_LIKE = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")
_EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
REDACTED = "***"


def redact(value: str, names: list[str]) -> str:
    """Remove the submitters' names, and anything shaped like a phone, ID number or email."""
    value = unicodedata.normalize("NFC", value or "")
    wanted = {text.normalize(n) for n in names if n and n.strip()}
    for name in sorted(wanted, key=len, reverse=True):
        pattern = r"\s+".join(re.escape(word) for word in name.split())
        value = re.sub(rf"(?<!\w){pattern}(?!\w)", REDACTED, value, flags=re.IGNORECASE)
    for pattern in (_EMAIL_LIKE, _PHONE_LIKE, _ID_LIKE):
        value = pattern.sub(REDACTED, value)
    return value


def submitter_names(case_ids: list[int]) -> dict[int, list[str]]:
    """The submitters' names per case (decrypted), only to remove them from public text."""
    names: dict[int, list[str]] = {}
    rows = Submitter.objects.filter(petition__case__in=case_ids).values_list(
        "petition__case_id", "name"
    )
    for case_id, name in rows:
        names.setdefault(case_id, []).append(name)
    return names


# --- the calendar, conclusions, reception schedules -----------------------------------------
def subtree_q(place: Unit | None, unit_field: str) -> Q:
    """Records whose unit lies under `place` or under a unit it succeeded (today's province
    also shows what was held in the provinces merged into it)."""
    if place is None:
        return Q()
    scope = Q()
    for root in [place, *place.predecessors.all()]:
        scope |= Q(**{f"{unit_field}__path__startswith": root.path})
    return scope


def public_conferences(
    *, place: Unit | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[Conference]:
    """Conferences once announced: a planned one may still change and is not public yet.
    Only what the announcement says is read (no minutes, no opinions, no chairs by name)."""
    conferences = Conference.objects.exclude(status=ConferenceStatus.PLANNED).filter(
        subtree_q(place, "host_unit")
    )
    if start is not None:
        conferences = conferences.filter(starts_at__date__gte=start)
    if end is not None:
        conferences = conferences.filter(starts_at__date__lte=end)
    return conferences.select_related(
        "host_unit__parent__parent", "host_agency", "conclusion"
    ).prefetch_related("topics")


def published_conclusions(
    *,
    place: Unit | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Conclusion]:
    """Conclusion notices once published. A notice has no publish switch: the law requires it
    to be published (within the rule's limit, `publish_due`), and `published_at` is the time it
    was — so a notice is public from that moment, never before."""
    conclusions = Conclusion.objects.filter(
        published_at__lte=now or timezone.now(),
        conference__held_at__isnull=False,
    ).filter(subtree_q(place, "conference__host_unit"))
    if start is not None:
        conclusions = conclusions.filter(signed_on__gte=start)
    if end is not None:
        conclusions = conclusions.filter(signed_on__lte=end)
    directives = Directive.objects.select_related("assignee").order_by("number")
    return (
        conclusions.select_related(
            "conference__host_unit__parent__parent", "conference__host_agency"
        )
        .prefetch_related(Prefetch("directives", queryset=directives))
        .order_by("-signed_on", "-pk")
    )


def conference_people(conference_ids: list[int]) -> dict[int, list[str]]:
    """The names of the people whose opinions were on each conference's agenda, or behind its
    hotspot cases (decrypted), only to remove them from the published text."""
    names: dict[int, list[str]] = {}
    rows = Submitter.objects.filter(petition__opinion__conference__in=conference_ids).values_list(
        "petition__opinion__conference_id", "name"
    )
    for conference_id, name in rows:
        names.setdefault(conference_id, []).append(name)
    hotspots = Submitter.objects.filter(
        petition__case__hotspot_conferences__in=conference_ids
    ).values_list("petition__case__hotspot_conferences", "name")
    for conference_id, name in hotspots:
        names.setdefault(conference_id, []).append(name)
    return names


def public_schedules(*, on: dt.date, place: Unit | None = None) -> QuerySet[ReceptionSchedule]:
    """Published reception schedules in force on `on`, under `place`, of agencies still
    active (a dissolved agency receives no one)."""
    return (
        published_schedules(on=on)
        .filter(subtree_q(place, "agency__unit"), agency__is_active=True)
        .select_related("agency__unit__parent__parent")
        .order_by("agency__unit__path", "agency__name", "weekday", "pk")
    )

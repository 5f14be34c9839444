"""Petitions as Open311 service requests: what is public, and nothing of the people.

`service_request_id` is the petition's tracking code. Townhall's statuses map onto the
standard's two:

    open    received, accepted, transferred, assigned   (someone still has to act)
    closed  answered, returned, closed                  (the agency has acted)

Never in a response: a submitter's name, phone, e-mail, ID number or address, the client's
`device_id` or `account_id`, an unpublished answer. The description and exact location appear
only for recommendations and reflections filed through Open311 (the text with contact details
removed, see `services.scrub`); for everything else, the locality only.
"""

import datetime as dt
import re

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from townhall.petitions.models import DONE_STATUSES, OPEN_STATUSES, Petition, Status
from townhall.units.models import Unit

from .catalogue import PUBLIC_KINDS
from .errors import bad_request

OPEN, CLOSED = "open", "closed"
STATUS_MAP: dict[str, str] = {
    **{str(s): OPEN for s in OPEN_STATUSES},
    **{str(s): CLOSED for s in DONE_STATUSES},
}
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 100
ANSWER_NOTE_CHARS = 200
TRACKING_CODE = re.compile(r"^[A-Za-z0-9-]{1,16}$")


def status_of(status: str) -> str:
    return STATUS_MAP[status]


def _generic_note(status: str) -> str:
    notes = {
        Status.RECEIVED: _("Received; the agency is deciding whether to accept it."),
        Status.ACCEPTED: _("Accepted; the competent agency is handling it."),
        Status.TRANSFERRED: _("Transferred to the competent agency."),
        Status.ASSIGNED: _("Assigned to an agency for resolution."),
        Status.ANSWERED: _("Answered; the answer was sent to the petitioner."),
        Status.RETURNED: _("Returned with guidance on where to take the matter."),
        Status.CLOSED: _("Closed."),
    }
    return notes.get(status, "")


def status_notes(case) -> str:
    """`answered: <the published answer's first 200 characters>` when the agency published it;
    otherwise a note on the status that says nothing of the content."""
    if case.status in (Status.ANSWERED, Status.CLOSED) and case.publish_answer and case.answer:
        answer = " ".join(case.answer.split())
        if len(answer) > ANSWER_NOTE_CHARS:
            answer = answer[: ANSWER_NOTE_CHARS - 1].rstrip() + "…"
        return f"answered: {answer}"
    return _generic_note(case.status)


def w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _end_of(day: dt.date | None) -> str | None:
    if day is None:
        return None
    local = timezone.get_current_timezone()
    return w3c(dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=local))


def locality(unit: Unit) -> str:
    """ "Xã Phú Thái, Thành phố Hải Phòng": the unit and the units above it (select_related)."""
    names, current, depth = [], unit, 0
    while current is not None and depth < 4:
        names.append(current.name)
        current = current.parent if current.parent_id else None
        depth += 1
    return ", ".join(names)


def _updated(case) -> dt.datetime:
    if case.status == Status.CLOSED and case.closed_at:
        return case.closed_at
    if case.status in (Status.ANSWERED, Status.RETURNED) and case.answered_at:
        return case.answered_at
    return case.updated_at


def _agency(case) -> str | None:
    agency = case.assigned_agency or case.competent_agency or case.receiving_agency
    return agency.name if agency else None


def request(petition: Petition) -> dict:
    case = petition.case
    extra = getattr(petition, "open311", None)
    public = extra is not None and petition.kind in PUBLIC_KINDS and case.kind in PUBLIC_KINDS
    return {
        "service_request_id": petition.tracking_code,
        "status": status_of(case.status),
        "status_notes": status_notes(case),
        "service_name": petition.topic.name,
        "service_code": petition.topic.code,
        "description": (extra.public_description or None) if public else None,
        "agency_responsible": _agency(case),
        "service_notice": None,
        "requested_datetime": w3c(petition.received_at),
        "updated_datetime": w3c(_updated(case)),
        "expected_datetime": _end_of(case.due),
        "address": (extra.address_string if public else "") or locality(petition.unit),
        "address_id": (extra.address_id or None) if public else None,
        "zipcode": None,
        "lat": extra.lat if public else None,
        "long": extra.long if public else None,
        "media_url": None,
    }


def petitions() -> QuerySet[Petition]:
    return Petition.objects.select_related(
        "case__receiving_agency",
        "case__competent_agency",
        "case__assigned_agency",
        "topic",
        "unit__parent__parent__parent",
        "open311",
    )


# --- the query of GET requests --------------------------------------------------------------
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACE_FOR_PLUS = re.compile(r"^(.*\d) (\d{2}(?::?\d{2})?)$")


def parse_w3c(name: str, raw: str, *, end: bool = False) -> dt.datetime:
    """A W3C datetime (YYYY, YYYY-MM, YYYY-MM-DD, or with a time and an offset). A date alone
    is its first moment, or — as an `end` — the first moment after it. No offset: Vietnam's."""
    value = raw.strip()
    # A '+' in an unencoded query string arrives as a space: "…T10:00:00 07:00".
    value = _SPACE_FOR_PLUS.sub(r"\1+\2", value)
    problem = bad_request(
        f"{name} must be a W3C datetime such as 2025-07-01T08:00:00+07:00 or 2025-07-01, "
        f"not {raw[:40]!r}"
    )
    if "\x00" in value or len(value) > 40:
        raise problem
    try:
        if _YEAR.match(value) or _MONTH.match(value) or _DAY.match(value):
            parts = [int(p) for p in value.split("-")] + [1, 1]
            day = dt.date(parts[0], parts[1], parts[2])
            if end:
                if _YEAR.match(value):
                    day = dt.date(day.year + 1, 1, 1)
                elif _MONTH.match(value):
                    day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                else:
                    day = day + dt.timedelta(days=1)
            moment = dt.datetime.combine(day, dt.time())
        else:
            moment = parse_datetime(value)
    except (ValueError, OverflowError):
        raise problem from None
    if moment is None or not (1900 <= moment.year <= 9000):
        raise problem
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def window(start_raw: str, end_raw: str, *, now: dt.datetime | None = None):
    """(start, end) of the query: the last 90 days by default, never more than 90 days."""
    now = now or timezone.now()
    start = parse_w3c("start_date", start_raw) if start_raw else None
    end = parse_w3c("end_date", end_raw, end=True) if end_raw else None
    if start is None and end is None:
        end = now
    if start is None:
        start = end - DEFAULT_WINDOW
    if end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise bad_request("end_date is before start_date")
    if end - start > MAX_WINDOW:
        raise bad_request(
            f"The date window is {(end - start).days} days; it may span at most "
            f"{MAX_WINDOW.days} days"
        )
    return start, end


def statuses(raw: str) -> list[str]:
    wanted = {s.strip().lower() for s in raw.split(",") if s.strip()}
    unknown = wanted - {OPEN, CLOSED}
    if unknown:
        raise bad_request(f"status must be open or closed (comma-separated), not {raw[:40]!r}")
    return [s for s, mapped in STATUS_MAP.items() if mapped in wanted]


def tracking_codes(raw: str) -> list[str]:
    codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
    if len(codes) > MAX_IDS:
        raise bad_request(f"At most {MAX_IDS} service_request_id values at once")
    for code in codes:
        if not TRACKING_CODE.match(code):
            raise bad_request(f"service_request_id {code[:20]!r} is not a request id")
    return codes

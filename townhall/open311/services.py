"""Filing a request through Open311: the POST's parameters checked, the petition received.

The petition goes through `townhall.petitions.services.petition_receive` like every other
petition (channel "portal": an online submission; the client's key, location and ids are kept
in `Open311Request`).
"""

import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Case as Choose
from django.db.models import IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.core import text
from townhall.core.dates import today
from townhall.petitions import services as petitions
from townhall.petitions import validation
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Channel, Petition, Topic
from townhall.petitions.selectors import topic_with_code
from townhall.units.models import Agency, AgencyKind, Unit

from .catalogue import KIND_ATTRIBUTE, PUBLIC_KINDS, kind_values
from .errors import Open311Error, bad_request, not_found
from .models import ApiKey, Open311Request

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 500
MAX_SHORT = 100
NO_NAME = "(không ghi tên)"  # a person who left contact details but no name
SERVICE_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
UNIT_CODE = re.compile(r"^\d{1,10}$")


# --- where a request goes -------------------------------------------------------------------
def unit_for_jurisdiction(jurisdiction_id: str | None, *, required: bool) -> Unit | None:
    """The administrative unit, valid today, whose official code is `jurisdiction_id`."""
    value = (jurisdiction_id or "").strip()
    if not value:
        if required:
            raise bad_request(
                "jurisdiction_id is required: the official code of the commune, ward or "
                "province where the matter is (e.g. 10750)"
            )
        return None
    unit = None
    if UNIT_CODE.match(value):
        unit = Unit.objects.valid_on(today()).filter(code=value).order_by("-era").first()
    if unit is None:
        raise not_found(f"jurisdiction_id {value[:20]!r} is not the code of a unit valid today")
    return unit


def receiving_agency_for(unit: Unit) -> Agency | None:
    """Who receives a request about `unit`: the unit's People's Committee, else its parent's,
    else an agency of the province (its People's Committee first)."""
    chain = [unit]
    if unit.parent_id:
        chain += list(reversed(unit.ancestors()))  # parent, …, province
    committees = Agency.objects.filter(
        unit__in=chain[:2], kind=AgencyKind.PEOPLES_COMMITTEE, is_active=True
    ).order_by("pk")
    by_unit = {}
    for agency in committees:
        by_unit.setdefault(agency.unit_id, agency)
    for candidate in chain[:2]:
        if candidate.pk in by_unit:
            return by_unit[candidate.pk]
    province = chain[-1]
    return (
        Agency.objects.filter(unit=province, is_active=True)
        .annotate(
            committee_first=Choose(
                When(kind=AgencyKind.PEOPLES_COMMITTEE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("committee_first", "pk")
        .first()
    )


# --- the POST's parameters ------------------------------------------------------------------
@dataclass
class Submission:
    topic: Topic
    unit: Unit
    kind: str
    description: str
    address_string: str = ""
    address_id: str = ""
    lat: float | None = None
    long: float | None = None
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    attributes: dict = field(default_factory=dict)


def param(params: Mapping, name: str, *, limit: int) -> str:
    value = params.get(name)
    value = "" if value is None else str(value)
    if "\x00" in value:
        raise bad_request(f"{name} contains a NUL character")
    value = value.strip()
    if len(value) > limit:
        raise bad_request(f"{name} has {len(value)} characters; the limit is {limit}")
    return value


def _coordinate(params: Mapping, name: str, bound: float) -> float | None:
    raw = param(params, name, limit=40)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(f"{name} must be a number (WGS-84 degrees), not {raw!r}") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise bad_request(f"{name} must be between -{bound:g} and {bound:g}")
    return value


def topic_for(service_code: str | None, *, active_only: bool = True) -> Topic:
    code = (service_code or "").strip()
    topic = None
    if SERVICE_CODE.match(code):
        topic = topic_with_code(code)
    if topic is None or (active_only and not topic.is_active):
        raise not_found(f"service_code {code[:40]!r} is not a service offered here")
    return topic


def submission_from(params: Mapping) -> Submission:
    """Check a POST's parameters (form fields, or the query string as the swagger has it)."""
    service_code = param(params, "service_code", limit=100)
    if not service_code:
        raise bad_request("service_code is required (see services.json)")
    topic = topic_for(service_code)
    unit = unit_for_jurisdiction(param(params, "jurisdiction_id", limit=20), required=True)

    kind = param(params, f"attribute[{KIND_ATTRIBUTE}]", limit=40)
    if not kind:
        raise bad_request(
            f"attribute[{KIND_ATTRIBUTE}] is required: one of {', '.join(kind_values())} "
            f"(see services/{topic.code}.json)"
        )
    if kind not in kind_values():
        raise bad_request(
            f"attribute[{KIND_ATTRIBUTE}] must be one of {', '.join(kind_values())}, "
            f"not {kind[:40]!r}"
        )

    description = param(params, "description", limit=MAX_DESCRIPTION)
    if not description:
        raise bad_request("description is required: what is the matter?")

    lat = _coordinate(params, "lat", 90)
    long = _coordinate(params, "long", 180)
    if (lat is None) != (long is None):
        raise bad_request("lat and long go together: give both, or neither")
    address_string = param(params, "address_string", limit=MAX_ADDRESS)
    address_id = param(params, "address_id", limit=MAX_SHORT)
    if lat is None and not address_string and not address_id:
        raise bad_request("A location is required: address_string, or lat and long, or address_id")

    email = param(params, "email", limit=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise bad_request("email is not an e-mail address") from None
    phone = param(params, "phone", limit=40)
    try:
        phone = validation.clean_phone(phone, field="phone")
    except PetitionError as exc:
        raise bad_request(f"phone: {exc.message}") from None

    return Submission(
        topic=topic,
        unit=unit,
        kind=kind,
        description=description,
        address_string=address_string,
        address_id=address_id,
        lat=lat,
        long=long,
        first_name=param(params, "first_name", limit=MAX_SHORT),
        last_name=param(params, "last_name", limit=MAX_SHORT),
        phone=phone,
        email=email,
        device_id=param(params, "device_id", limit=MAX_SHORT),
        account_id=param(params, "account_id", limit=MAX_SHORT),
        attributes={KIND_ATTRIBUTE: kind},
    )


# --- personal data out of what is published -------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d+])(?:\+84|84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d{9,}(?!\d)")  # ID numbers (9 or 12 digits), accounts


def full_name(first_name: str, last_name: str) -> str:
    # Vietnamese order: family name first ("Nguyễn Văn" + "An" → "Nguyễn Văn An").
    return " ".join(part for part in (last_name, first_name) if part).strip()


def scrub(description: str, *, names: list[str]) -> str:
    """The text without e-mail addresses, phone and ID numbers, or the sender's own name."""
    value = text.normalize(description)
    value = _EMAIL.sub("[email]", value)
    value = _PHONE.sub("[phone]", value)
    value = _LONG_NUMBER.sub("[number]", value)
    for name in sorted({text.normalize(n) for n in names if n}, key=len, reverse=True):
        # Names of two words or more only: a one-word given name ("An", "Bình") is too often
        # an ordinary word to be removed everywhere.
        if " " in name:
            value = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[name]", value, flags=re.I)
    return value[:MAX_DESCRIPTION]


# --- filing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filed:
    petition: Petition
    request: Open311Request
    service_notice: str


@transaction.atomic
def request_file(*, submission: Submission, api_key: ApiKey) -> Filed:
    """Receive the petition and keep what Open311 adds beside it."""
    agency = receiving_agency_for(submission.unit)
    if agency is None:
        raise Open311Error(
            400,
            f"No agency receives requests for {submission.unit.name} "
            f"({submission.unit.code}) yet; the administrator must add its People's Committee",
        )
    name = full_name(submission.first_name, submission.last_name)
    submitters = []
    if name or submission.phone or submission.email:
        submitters.append(
            petitions.SubmitterData(
                name=name or NO_NAME, phone=submission.phone, email=submission.email
            )
        )
    try:
        receipt = petitions.petition_receive(
            intake=petitions.Intake(
                kind=submission.kind,
                channel=Channel.PORTAL,
                unit=submission.unit,
                topic=submission.topic,
                text=submission.description,
                received_at=timezone.now(),
                receiving_agency=agency,
                submitters=submitters,
            ),
            actor=None,
        )
    except PetitionError as exc:
        raise bad_request(exc.message) from None
    public = ""
    if submission.kind in PUBLIC_KINDS:
        names = [name, submission.first_name, submission.last_name]
        public = scrub(submission.description, names=names)
    request = Open311Request.objects.create(
        petition=receipt.petition,
        api_key=api_key,
        token=secrets.token_urlsafe(18),
        address_string=submission.address_string,
        address_id=submission.address_id,
        lat=submission.lat,
        long=submission.long,
        device_id=submission.device_id,
        account_id=submission.account_id,
        public_description=public,
        attributes=submission.attributes,
    )
    notice = _(
        "Received by %(agency)s. A written acknowledgement is due by %(due)s. "
        "Follow it with service_request_id %(code)s."
    ) % {
        "agency": agency.name,
        "due": receipt.case.acknowledge_due.isoformat(),
        "code": receipt.petition.tracking_code,
    }
    return Filed(petition=receipt.petition, request=request, service_notice=notice)

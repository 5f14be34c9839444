"""The portal's writes: a citizen's petition and a citizen's rating, each through the petitions
services (`petition_receive`, `case_reopen`) that staff and the API use too."""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.petitions import services
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Case, Channel, Kind, Petition, Status, Topic
from townhall.units.models import Unit

from . import selectors
from .models import Rating

# Law on Complaints 2011, Art. 33(1): a second complaint within 30 days of the first decision,
# up to 45 days in remote areas; after the second decision the way left is a lawsuit (Art. 7).
SECOND_COMPLAINT_DAYS = 30
SECOND_COMPLAINT_DAYS_REMOTE = 45
REOPEN_NOTE = "Công dân đánh giá trên cổng: chưa được giải quyết."


class NoReceivingAgency(PetitionError):
    """No People's Committee for the place or any unit above it is set up in Townhall yet."""


def petition_send(
    *,
    kind: str,
    unit: Unit,
    topic: Topic,
    text: str,
    contact: services.SubmitterData,
    attachments: list[UploadedFile] | None = None,
) -> services.Receipt:
    """Receive a petition sent from the portal by the citizen `contact` (no staff actor)."""
    if kind not in (Kind.RECOMMENDATION, Kind.REFLECTION, Kind.COMPLAINT, Kind.DENUNCIATION):
        raise PetitionError(f"Unknown kind {kind!r}", field="kind")
    agency = selectors.receiving_agency_for(unit)
    if agency is None:
        raise NoReceivingAgency(
            "No authority for this place receives petitions online yet", field="unit"
        )
    intake = services.Intake(
        kind=kind,
        channel=Channel.PORTAL,
        unit=unit,
        topic=topic,
        text=text,
        received_at=timezone.now(),
        receiving_agency=agency,
        submitters=[contact],
        attachments=list(attachments or []),
    )
    return services.petition_receive(intake=intake, actor=None)


def may_reopen(case: Case, *, now: dt.datetime | None = None) -> bool:
    """A first-instance complaint answered less than 30 (remote: 45) days ago."""
    if case.kind != Kind.COMPLAINT or case.status not in (Status.ANSWERED, Status.CLOSED):
        return False
    if case.instance != 1 or case.answered_at is None:
        return False
    days = SECOND_COMPLAINT_DAYS_REMOTE if case.is_remote else SECOND_COMPLAINT_DAYS
    return (now or timezone.now()) - case.answered_at <= dt.timedelta(days=days)


def may_rate(petition: Petition) -> bool:
    case = petition.case
    if case.status not in (Status.ANSWERED, Status.CLOSED) or case.answered_at is None:
        return False
    return not Rating.objects.filter(petition=petition, answer_at=case.answered_at).exists()


@transaction.atomic
def rating_submit(*, petition: Petition, stars: int, settled: bool, comment: str = "") -> Rating:
    """Record the citizen's rating of the answer; "not settled" on a complaint pursues it again
    as a new complaint where the law allows (`may_reopen`)."""
    case = Case.objects.select_for_update().get(pk=petition.case_id)
    if case.status not in (Status.ANSWERED, Status.CLOSED) or case.answered_at is None:
        raise PetitionError("There is no answer to rate yet", field="stars", status=409)
    if not 1 <= stars <= 5:
        raise PetitionError("Give 1 to 5 stars", field="stars")
    comment = (comment or "").strip()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                petition=petition,
                case=case,
                answer_at=case.answered_at,
                stars=stars,
                settled=settled,
                comment=comment,
            )
    except IntegrityError:
        raise PetitionError("This answer was already rated", field="stars", status=409) from None
    if not settled and may_reopen(case):
        note = f"{REOPEN_NOTE} {comment}".strip()
        services.case_reopen(case=case, actor=None, note=note)
        rating.reopened = True
        rating.save(update_fields=["reopened"])
    return rating

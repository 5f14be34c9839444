"""Building reception data for tests through the real services."""

import datetime as dt

from tests.petitions.helpers import DAM_CHO, resident
from townhall.petitions.models import Topic
from townhall.petitions.services import SubmitterData
from townhall.reception import services
from townhall.reception.models import Action

__all__ = ["DAM_CHO", "citizen", "record_session", "resident", "visit"]


def citizen(name="Nguyễn Văn An", **extra) -> SubmitterData:
    defaults = {"id_number": "030080001234", "phone": "0912345678", "address": "Phú Thái"}
    return SubmitterData(name=name, **{**defaults, **extra})


def visit(**overrides) -> services.Visit:
    values = {
        "content": DAM_CHO,
        "kind": "complaint",
        "topic": Topic.objects.get(code="land"),
        "action": Action.ACCEPTED,
        "citizens": [citizen()],
    }
    values.update(overrides)
    return services.Visit(**values)


def record_session(agency, head, day=dt.date(2022, 10, 4), *, actor=None, **extra):
    return services.session_record(
        agency=agency, date=day, received_by=head, actor=actor or head, **extra
    )

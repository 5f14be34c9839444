"""Petitions for the Open311 tests, received through the real services in today's units."""

import datetime as dt

from django.utils import timezone

from townhall.petitions import services
from townhall.petitions.models import Topic

PERSON = services.SubmitterData(
    name="Trần Thị Bích",
    phone="0987654321",
    id_number="031190004567",
    address="Số 12 đường Đầm Chợ",
    email="bich.tran@example.vn",
)
PERSONAL = ["Trần Thị Bích", "0987654321", "031190004567", "Số 12 đường Đầm Chợ", "bich.tran"]


def receive(
    agency,
    unit,
    *,
    kind="reflection",
    topic="infrastructure",
    text="Mặt đường liên xã đoạn qua thôn Đông bị sụt lún, xe máy đi lại nguy hiểm.",
    days_ago: float = 1,
    submitters=None,
):
    return services.petition_receive(
        intake=services.Intake(
            kind=kind,
            channel="reception",
            unit=unit,
            topic=Topic.objects.get(code=topic),
            text=text,
            received_at=timezone.now() - dt.timedelta(days=days_ago),
            receiving_agency=agency,
            submitters=[PERSON] if submitters is None else submitters,
        ),
        actor=None,
    )


def form(api_key, /, **extra) -> dict:
    """A complete, valid Open311 POST."""
    data = {
        "api_key": api_key.plain,
        "jurisdiction_id": "10750",
        "service_code": "infrastructure",
        "attribute[kind]": "reflection",
        "description": "Đèn chiếu sáng ở ngã ba chợ Phú Thái hỏng ba tuần nay.",
        "lat": "20.9581",
        "long": "106.5012",
        "address_string": "Ngã ba chợ Phú Thái",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}

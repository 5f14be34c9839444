"""Building petitions for tests through the real intake service."""

import datetime as dt
import zoneinfo

from townhall.petitions import services
from townhall.petitions.models import Topic
from townhall.units.models import Era, Unit

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DAM_CHO = (
    "Đề nghị giải quyết dứt điểm việc chồng lấn ranh giới giữa khu dân cư mới Đầm Chợ và "
    "đường đi trong khu dân cư cũ ở thị trấn Phú Thái, gây khó khăn cho việc đi lại của các hộ."
)


def at(year, month, day, hour=9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=VN)


def intake(
    agency,
    *,
    text=DAM_CHO,
    kind="complaint",
    channel="mail",
    unit_code="10750",
    when=None,
    people=None,
    submitters=None,
    topic="land",
    **extra,
) -> services.Intake:
    return services.Intake(
        kind=kind,
        channel=channel,
        unit=Unit.objects.get(code=unit_code, era=Era.THREE_LEVEL),
        topic=Topic.objects.get(code=topic),
        text=text,
        received_at=when or at(2022, 10, 3),
        receiving_agency=agency,
        submitters=submitters
        if submitters is not None
        else [
            services.SubmitterData(
                name="Nguyễn Văn An",
                phone="0912345678",
                id_number="030080001234",
                address="Phú Thái",
            )
        ],
        people_count=people,
        **extra,
    )


def resident(i: int) -> services.SubmitterData:
    return services.SubmitterData(
        name=f"Cư dân số {i}",
        id_number=f"0300800{i:05d}",
        phone=f"09123{i:05d}",
        address=f"Khu Đầm Chợ, số {i}",
    )

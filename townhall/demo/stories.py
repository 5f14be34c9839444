"""The seed article's stories, built through the normal services (never by writing totals)."""

import datetime as dt
import zoneinfo

from django.db import transaction

from townhall.accounts.models import User
from townhall.petitions import services
from townhall.petitions.models import Case, Topic
from townhall.units.models import Agency, Era, Unit

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DAM_CHO_TITLE = "Chồng lấn ranh giới khu dân cư mới Đầm Chợ với đường đi khu dân cư cũ"
DAM_CHO_TEXT = (
    "Chúng tôi là các hộ dân khu dân cư cũ thị trấn Phú Thái, đề nghị các cấp có thẩm quyền giải "
    "quyết việc ranh giới khu dân cư mới Đầm Chợ chồng lấn lên đường đi của khu dân cư cũ, gây "
    "khó khăn cho việc đi lại và sinh hoạt của nhân dân."
)
# Fictional residents: names are common Vietnamese names, numbers are not real.
RESIDENTS = [
    "Nguyễn Văn Hùng",
    "Trần Thị Lan",
    "Phạm Văn Minh",
    "Vũ Thị Hoa",
    "Đỗ Văn Thắng",
    "Lê Thị Mai",
    "Hoàng Văn Bình",
]


def _at(y: int, m: int, d: int, h: int = 8) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=VN)


@transaction.atomic
def phu_thai_boundary() -> Case:
    """Many residents' petitions about Đầm Chợ, grouped as one mass case (Phú Thái, 2022)."""
    existing = Case.objects.filter(title=DAM_CHO_TITLE).first()
    if existing:
        return existing
    unit = Unit.objects.get(era=Era.THREE_LEVEL, code="10750")
    province = Agency.objects.get(name="Ủy ban nhân dân tỉnh Hải Dương")
    district = Agency.objects.get(name="Ủy ban nhân dân huyện Kim Thành")
    clerk = User.objects.get(username="vanthu.kimthanh")
    topic = Topic.objects.get(code="land")
    case = None
    for i, name in enumerate(RESIDENTS):
        # The first petitions went to the province (over-level); the rest to the district.
        agency = province if i < 2 else district
        intake = services.Intake(
            kind="complaint",
            channel="mail",
            unit=unit,
            topic=topic,
            title=DAM_CHO_TITLE,
            text=DAM_CHO_TEXT,
            received_at=_at(2022, 9, 5 + i),
            receiving_agency=agency,
            submitters=[
                services.SubmitterData(
                    name=name,
                    id_number=f"0300{70 + i:02d}00{1234 + i:04d}",
                    phone=f"0912{345000 + i:06d}",
                    address=f"Khu dân cư cũ, thị trấn Phú Thái, số nhà {10 + i}",
                )
            ],
        )
        receipt = services.petition_receive(intake=intake, actor=clerk, case=case)
        case = receipt.case
    return case


def build_stories() -> list[Case]:
    return [phu_thai_boundary()]

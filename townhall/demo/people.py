"""The demo's agencies and staff, in Hải Dương before the 2025 reform."""

import os
from dataclasses import dataclass

from django.db import transaction

from townhall.accounts.models import Membership, Role, User
from townhall.units.models import Agency, AgencyKind, Era, Unit

DEMO_PASSWORD_ENV = "TOWNHALL_DEMO_PASSWORD"  # noqa: S105 - a variable name  # nosec B105
DEFAULT_DEMO_PASSWORD = "townhall-demo-2022"  # noqa: S105 - the demo's documented login  # nosec B105


def demo_password() -> str:
    return os.environ.get(DEMO_PASSWORD_ENV) or DEFAULT_DEMO_PASSWORD


# (unit code, kind, name, head's title); units are the three-level era's.
AGENCIES = [
    ("30", AgencyKind.PARTY_COMMITTEE, "Tỉnh ủy Hải Dương", "Bí thư Tỉnh ủy"),
    ("30", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân tỉnh Hải Dương", "Chủ tịch UBND tỉnh"),
    ("30", AgencyKind.MASS_MOBILIZATION, "Ban Dân vận Tỉnh ủy Hải Dương", "Trưởng Ban Dân vận"),
    ("30", AgencyKind.FATHERLAND_FRONT, "Ủy ban MTTQ Việt Nam tỉnh Hải Dương", "Chủ tịch"),
    ("30", AgencyKind.DEPARTMENT, "Sở Giáo dục và Đào tạo Hải Dương", "Giám đốc Sở"),
    ("30", AgencyKind.DEPARTMENT, "Sở Nội vụ Hải Dương", "Giám đốc Sở"),
    ("30", AgencyKind.DEPARTMENT, "Sở Tài nguyên và Môi trường Hải Dương", "Giám đốc Sở"),
    ("293", AgencyKind.PARTY_COMMITTEE, "Huyện ủy Kim Thành", "Bí thư Huyện ủy"),
    ("293", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân huyện Kim Thành", "Chủ tịch UBND huyện"),
    ("293", AgencyKind.FATHERLAND_FRONT, "Ủy ban MTTQ Việt Nam huyện Kim Thành", "Chủ tịch"),
    (
        "293",
        AgencyKind.DEPARTMENT,
        "Phòng Tài nguyên và Môi trường huyện Kim Thành",
        "Trưởng phòng",
    ),
    (
        "10750",
        AgencyKind.PEOPLES_COMMITTEE,
        "Ủy ban nhân dân thị trấn Phú Thái",
        "Chủ tịch UBND thị trấn",
    ),
    ("10750", AgencyKind.OTHER, "Chủ đầu tư khu dân cư mới Đầm Chợ", "Giám đốc"),
    ("10762", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân xã Cổ Dũng", "Chủ tịch UBND xã"),
    ("10762", AgencyKind.FATHERLAND_FRONT, "Ủy ban MTTQ Việt Nam xã Cổ Dũng", "Chủ tịch"),
    ("290", AgencyKind.PARTY_COMMITTEE, "Thành ủy Chí Linh", "Bí thư Thành ủy"),
    (
        "290",
        AgencyKind.PEOPLES_COMMITTEE,
        "Ủy ban nhân dân thành phố Chí Linh",
        "Chủ tịch UBND thành phố",
    ),
    ("290", AgencyKind.MASS_MOBILIZATION, "Ban Dân vận Thành ủy Chí Linh", "Trưởng Ban Dân vận"),
    ("290", AgencyKind.FATHERLAND_FRONT, "Ủy ban MTTQ Việt Nam thành phố Chí Linh", "Chủ tịch"),
    ("295", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân huyện Cẩm Giàng", "Chủ tịch UBND huyện"),
    ("294", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân huyện Thanh Hà", "Chủ tịch UBND huyện"),
    ("298", AgencyKind.OTHER, "Trường THPT Tứ Kỳ", "Hiệu trưởng"),
    ("10894", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân xã Cẩm Hưng", "Chủ tịch UBND xã"),
    ("10828", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân xã Cẩm Chế", "Chủ tịch UBND xã"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    title: str
    agency: str


USERS = [
    DemoUser("admin", Role.ADMINISTRATOR, "Quản trị hệ thống", "Ban Dân vận Tỉnh ủy Hải Dương"),
    DemoUser("bithu.tinh", Role.LEADER, "Bí thư Tỉnh ủy Hải Dương", "Tỉnh ủy Hải Dương"),
    DemoUser(
        "danvan.tinh", Role.INSPECTOR, "Trưởng Ban Dân vận Tỉnh ủy", "Ban Dân vận Tỉnh ủy Hải Dương"
    ),
    DemoUser("bithu.kimthanh", Role.LEADER, "Bí thư Huyện ủy Kim Thành", "Huyện ủy Kim Thành"),
    DemoUser(
        "vanthu.kimthanh",
        Role.CLERK,
        "Văn thư UBND huyện Kim Thành",
        "Ủy ban nhân dân huyện Kim Thành",
    ),
    DemoUser(
        "chuyenvien.kimthanh",
        Role.HANDLER,
        "Chuyên viên Phòng TN&MT Kim Thành",
        "Phòng Tài nguyên và Môi trường huyện Kim Thành",
    ),
    DemoUser(
        "mttq.codung",
        Role.FRONT_OFFICER,
        "Chủ tịch UBMTTQ xã Cổ Dũng",
        "Ủy ban MTTQ Việt Nam xã Cổ Dũng",
    ),
    DemoUser("bithu.chilinh", Role.LEADER, "Bí thư Thành ủy Chí Linh", "Thành ủy Chí Linh"),
    DemoUser(
        "danvan.chilinh",
        Role.INSPECTOR,
        "Trưởng Ban Dân vận Thành ủy Chí Linh",
        "Ban Dân vận Thành ủy Chí Linh",
    ),
]


@transaction.atomic
def build_people() -> list[DemoUser]:
    units = {
        u.code: u
        for u in Unit.objects.filter(era=Era.THREE_LEVEL, code__in={a[0] for a in AGENCIES})
    }
    agencies = {}
    for code, kind, name, head_title in AGENCIES:
        agency, _ = Agency.objects.get_or_create(
            unit=units[code], name=name, defaults={"kind": kind, "head_title": head_title}
        )
        agencies[name] = agency
    password = demo_password()
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(username=spec.username, role=spec.role, title=spec.title)
            user.is_staff = spec.role == Role.ADMINISTRATOR
            user.is_superuser = spec.role == Role.ADMINISTRATOR
            user.set_password(password)
            user.save()
        Membership.objects.get_or_create(user=user, agency=agencies[spec.agency])
        agency = agencies[spec.agency]
        if spec.role == Role.LEADER and agency.head_id is None:
            agency.head = user
            agency.save(update_fields=["head"])
    return USERS

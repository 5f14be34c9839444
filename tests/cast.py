"""A cast of staff users in Hải Dương (2022), for access tests across jurisdictions."""

from dataclasses import dataclass

from townhall.accounts.models import Membership, Role, User
from townhall.units.models import Agency, AgencyKind, Era, Unit

PASSWORD = "correct horse battery"


class UnitBook:
    """Three-level units by code: `units["10750"]`."""

    def __getitem__(self, code: str) -> Unit:
        return Unit.objects.get(era=Era.THREE_LEVEL, code=code)


def make_agency(code: str, name: str, kind: str = AgencyKind.PEOPLES_COMMITTEE) -> Agency:
    unit = Unit.objects.get(era=Era.THREE_LEVEL, code=code)
    return Agency.objects.create(unit=unit, name=name, kind=kind)


def make_user(username: str, role: str, *agencies: Agency, title: str = "") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, title=title)
    for agency in agencies:
        Membership.objects.create(user=user, agency=agency)
    return user


@dataclass
class Cast:
    province_committee: Agency
    kim_thanh_committee: Agency
    phu_thai_committee: Agency
    chi_linh_committee: Agency
    co_dung_front: Agency
    kim_thanh_leader: User
    kim_thanh_clerk: User
    kim_thanh_handler: User
    chi_linh_leader: User
    province_inspector: User
    administrator: User
    front_officer: User

    @classmethod
    def build(cls) -> "Cast":
        province = make_agency("30", "Ủy ban nhân dân tỉnh Hải Dương")
        kim_thanh = make_agency("293", "Ủy ban nhân dân huyện Kim Thành")
        phu_thai = make_agency("10750", "Ủy ban nhân dân thị trấn Phú Thái")
        chi_linh = make_agency("290", "Ủy ban nhân dân thành phố Chí Linh")
        co_dung_front = make_agency(
            "10762", "Ủy ban MTTQ Việt Nam xã Cổ Dũng", AgencyKind.FATHERLAND_FRONT
        )
        danvan = make_agency("30", "Ban Dân vận Tỉnh ủy", AgencyKind.MASS_MOBILIZATION)
        return cls(
            province_committee=province,
            kim_thanh_committee=kim_thanh,
            phu_thai_committee=phu_thai,
            chi_linh_committee=chi_linh,
            co_dung_front=co_dung_front,
            kim_thanh_leader=make_user(
                "leader.kt", Role.LEADER, kim_thanh, title="Chủ tịch UBND huyện Kim Thành"
            ),
            kim_thanh_clerk=make_user("clerk.kt", Role.CLERK, kim_thanh),
            kim_thanh_handler=make_user("handler.kt", Role.HANDLER, kim_thanh),
            chi_linh_leader=make_user("leader.cl", Role.LEADER, chi_linh),
            province_inspector=make_user("inspector.hd", Role.INSPECTOR, danvan),
            administrator=make_user("admin.hd", Role.ADMINISTRATOR, province),
            front_officer=make_user("front.cd", Role.FRONT_OFFICER, co_dung_front),
        )

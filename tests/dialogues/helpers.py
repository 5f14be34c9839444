"""The Phú Thái dialogue (Kim Thành, end of 2022): the people and the steps, through services."""

import datetime as dt
from dataclasses import dataclass

from tests.cast import Cast, make_agency, make_user
from tests.petitions.helpers import DAM_CHO, at, intake, resident
from townhall.accounts.models import Role, User
from townhall.dialogues import services
from townhall.dialogues.models import Conference, Opinion
from townhall.petitions import services as petitions
from townhall.petitions.models import Case
from townhall.units.models import Agency, AgencyKind

__all__ = ["at", "World", "world_build", "plan", "opinion", "DAY"]

DAY = dt.date(2022, 12, 28)  # the dialogue's day

OTHER_OPINIONS = [
    ("infrastructure", "Đề nghị nâng cấp tuyến đường trục khu dân cư cũ đã xuống cấp."),
    ("environment", "Đề nghị xử lý tình trạng ô nhiễm mùi từ bãi rác tạm của thị trấn."),
    ("policy", "Đề nghị xem xét chế độ cho người có công ở khu dân cư cũ."),
    ("land", "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ đã sử dụng ổn định."),
    ("public-order", "Đề nghị tăng cường tuần tra đêm ở khu vực chợ Phú Thái."),
    ("infrastructure", "Đề nghị lắp đèn chiếu sáng cho đường vào khu dân cư mới Đầm Chợ."),
    ("education", "Đề nghị sửa chữa tường rào trường mầm non thị trấn."),
]


@dataclass
class World:
    cast: Cast
    party_committee: Agency  # Huyện ủy Kim Thành: hosts and signs
    front: Agency  # Ủy ban MTTQ thị trấn Phú Thái: collects opinions
    land_office: Agency  # Phòng Tài nguyên và Môi trường huyện Kim Thành
    secretary: User  # Bí thư Huyện ủy: chairs
    secretary_clerk: User  # the conference's secretary (a clerk of the Huyện ủy)
    front_officer: User
    mass_case: Case


def world_build(cast: Cast) -> World:
    party = make_agency("293", "Huyện ủy Kim Thành", AgencyKind.PARTY_COMMITTEE)
    front = make_agency(
        "10750", "Ủy ban MTTQ Việt Nam thị trấn Phú Thái", AgencyKind.FATHERLAND_FRONT
    )
    land = make_agency(
        "293", "Phòng Tài nguyên và Môi trường huyện Kim Thành", AgencyKind.DEPARTMENT
    )
    secretary = make_user("bithu.kt", Role.LEADER, party, title="Bí thư Huyện ủy Kim Thành")
    party.head = secretary
    party.save(update_fields=["head"])
    clerk = make_user("thuky.kt", Role.CLERK, party, title="Chánh Văn phòng Huyện ủy")
    officer = make_user("mttq.pt", Role.FRONT_OFFICER, front, title="Chủ tịch UBMTTQ thị trấn")
    # Seven residents, seven petitions by mail in September, grouped as one mass case.
    case = None
    for i in range(7):
        receipt = petitions.petition_receive(
            intake=intake(
                cast.kim_thanh_committee,
                when=at(2022, 9, 5 + i),
                submitters=[resident(i)],
                title="Chồng lấn ranh giới khu dân cư mới Đầm Chợ",
            ),
            actor=cast.kim_thanh_clerk,
            case=case,
        )
        case = receipt.case
    return World(cast, party, front, land, secretary, clerk, officer, case)


def plan(world: World, *, starts_at=None, host_agency=None, **extra) -> Conference:
    fields = {
        "title": "Hội nghị đối thoại với nhân dân thị trấn Phú Thái",
        "host_agency": host_agency or world.party_committee,
        "starts_at": starts_at or at(2022, 12, 28, 8),
        "chairs": [
            services.ChairData(world.secretary),
            services.ChairData(
                world.cast.kim_thanh_leader, role="co_chair", title="Chủ tịch UBND huyện"
            ),
        ],
        "organisers": [world.front, world.cast.phu_thai_committee],
        "venue": "Hội trường UBND thị trấn Phú Thái",
        "audience_kind": "residents",
        "audience_description": "Nhân dân khu dân cư cũ và khu dân cư mới Đầm Chợ",
        "expected_attendance": 150,
        "hotspot_cases": [world.mass_case],
        **extra,
    }
    return services.conference_plan(
        plan=services.ConferencePlan(**fields), actor=world.secretary_clerk
    )


def opinion(
    world: World,
    conference: Conference,
    when,
    *,
    text=DAM_CHO,
    topic="land",
    case=None,
    name="Đại diện các hộ",
) -> Opinion:
    return services.opinion_add(
        conference=conference,
        intake=intake(
            world.front,
            text=text,
            kind="recommendation",
            channel="dialogue_before",
            when=when,
            topic=topic,
            submitters=[petitions.SubmitterData(name=name)],
        ),
        actor=world.front_officer,
        collected_by=world.front,
        case=case,
    )


def held(world: World, *, opinions: int = 2) -> tuple[Conference, list[Opinion]]:
    """A conference announced, collected and held on DAY, with `opinions` on its agenda."""
    conference = plan(world)
    services.conference_announce(
        conference=conference, actor=world.secretary_clerk, announced_at=at(2022, 12, 15)
    )
    services.conference_start_collecting(conference=conference, actor=world.secretary_clerk)
    agenda = [
        opinion(world, conference, at(2022, 12, 20, 8 + i), text=text, topic=topic)
        for i, (topic, text) in enumerate(OTHER_OPINIONS[:opinions])
    ]
    services.conference_hold(
        conference=conference, actor=world.secretary_clerk, held_at=at(2022, 12, 28, 8)
    )
    conference.refresh_from_db()
    return conference, agenda

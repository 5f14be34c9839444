"""What the portal's public pages show, built through the real services: a Kim Thành dialogue
held and concluded in 2022, one only planned, one announced for next month in today's Hải
Phòng, and reception schedules published or not."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tests.cast import make_user
from tests.dialogues.helpers import at, opinion, plan, world_build
from tests.petitions.helpers import intake
from townhall.accounts.models import Role
from townhall.dialogues import services
from townhall.dialogues.models import Conclusion, Conference
from townhall.petitions import services as petitions
from townhall.petitions.models import Topic
from townhall.reception import services as reception
from townhall.reception.models import ReceptionSchedule, Weekday, WeekOfMonth
from townhall.units.models import Agency, AgencyKind, Era, Unit

# Planted personal data: none of it may ever reach a public page.
CITIZEN = "Phạm Thị Riêng Tư"
CITIZEN_PHONE = "0987001122"
CITIZEN_ID = "030199001234"
HEAD_NAME = ("Hoàng", "Văn Lãnh")

HELD_TITLE = "Hội nghị đối thoại với nhân dân thị trấn Phú Thái"
PLANNED_TITLE = "Hội nghị đối thoại chưa công bố về quy hoạch chợ"
UPCOMING_TITLE = "Hội nghị đối thoại với nhân dân xã Phú Thái năm 2026"
CONCLUSION_NUMBER = "125-TB/HU"
DIRECTIVE = "Cắm mốc lại ranh giới khu dân cư mới Đầm Chợ, trả lại đường đi."


@dataclass
class Dialogues:
    held: Conference
    planned: Conference
    upcoming: Conference
    conclusion: Conclusion


def dialogues(cast) -> Dialogues:
    world = world_build(cast)
    held = plan(world, topics=[Topic.objects.get(code="land")])
    services.conference_announce(
        conference=held, actor=world.secretary_clerk, announced_at=at(2022, 12, 15)
    )
    services.conference_start_collecting(conference=held, actor=world.secretary_clerk)
    said = opinion(world, held, at(2022, 12, 20), name=CITIZEN)
    services.conference_hold(
        conference=held, actor=world.secretary_clerk, held_at=at(2022, 12, 28, 8)
    )
    services.opinion_record_outcome(
        conference=held,
        opinion=said,
        actor=world.secretary_clerk,
        answered_at_conference=True,
        answered_by="Bí thư Huyện ủy",
        answer="Đã trả lời trực tiếp tại hội nghị.",
    )
    conclusion = services.conference_conclude(
        conference=held,
        actor=world.secretary_clerk,
        number=CONCLUSION_NUMBER,
        signed_on=dt.date(2022, 12, 30),
        text=(
            f"Đồng chí Bí thư Huyện ủy kết luận: ý kiến của bà {CITIZEN} (ĐT {CITIZEN_PHONE}, "
            f"CCCD {CITIZEN_ID}) và của Cư dân số 3 đã được trả lời tại hội nghị."
        ),
        published_at=at(2023, 1, 3),
        directives=[
            services.DirectiveData(
                DIRECTIVE, cast.phu_thai_committee, dt.date(2023, 1, 31), "Mốc giới được cắm"
            ),
            services.DirectiveData(
                f"Trả lời bằng văn bản cho bà {CITIZEN}.",
                cast.kim_thanh_committee,
                dt.date(2023, 1, 15),
            ),
        ],
    )
    planned = plan(world, title=PLANNED_TITLE, starts_at=at(2022, 11, 20, 8))
    # Today's Hải Phòng: a city Party committee announces a dialogue for next month.
    hai_phong = Unit.objects.get(era=Era.TWO_LEVEL, code="31")
    committee = Agency.objects.create(
        unit=hai_phong, kind=AgencyKind.PARTY_COMMITTEE, name="Thành ủy Hải Phòng"
    )
    secretary = make_user("bithu.hp", Role.LEADER, committee, title="Bí thư Thành ủy Hải Phòng")
    clerk = make_user("vanthu.hp", Role.CLERK, committee)
    soon = timezone.localtime() + dt.timedelta(days=30)
    upcoming = services.conference_plan(
        plan=services.ConferencePlan(
            title=UPCOMING_TITLE,
            host_agency=committee,
            starts_at=soon.replace(hour=8, minute=0, second=0, microsecond=0),
            chairs=[services.ChairData(secretary)],
            venue="Hội trường Thành ủy Hải Phòng",
        ),
        actor=clerk,
    )
    services.conference_announce(conference=upcoming, actor=clerk)
    held.refresh_from_db()
    return Dialogues(held, planned, upcoming, conclusion)


@dataclass
class Schedules:
    published: ReceptionSchedule
    untitled: ReceptionSchedule
    unpublished: ReceptionSchedule
    ended: ReceptionSchedule


def schedules(cast) -> Schedules:
    leader = cast.kim_thanh_leader
    leader.first_name, leader.last_name = HEAD_NAME
    leader.save(update_fields=["first_name", "last_name"])
    chi_linh = cast.chi_linh_leader  # no title: shown by the office, never by name
    chi_linh.first_name, chi_linh.last_name = "Đỗ", "Thị Kín"
    chi_linh.save(update_fields=["first_name", "last_name"])

    def create(agency, head, venue, **extra):
        return reception.schedule_create(
            agency=agency,
            head=head,
            weekday=Weekday.THURSDAY,
            venue=venue,
            valid_from=dt.date(2022, 1, 1),
            actor=head,
            **extra,
        )

    published = create(
        cast.kim_thanh_committee,
        leader,
        "Trụ sở tiếp công dân huyện Kim Thành",
        week_of_month=WeekOfMonth.SECOND,
        is_published=True,
    )
    untitled = create(
        cast.chi_linh_committee, chi_linh, "Trụ sở tiếp công dân Chí Linh", is_published=True
    )
    unpublished = create(cast.kim_thanh_committee, leader, "Phòng họp chưa công bố")
    ended = create(
        cast.kim_thanh_committee,
        leader,
        "Phòng tiếp dân cũ đã thôi dùng",
        valid_to=dt.date(2023, 6, 30),
        is_published=True,
    )
    return Schedules(published, untitled, unpublished, ended)


def petition_in_2022(cast) -> None:
    """One petition, with a named citizen, to Kim Thành in 2022."""
    petitions.petition_receive(
        intake=intake(
            cast.kim_thanh_committee,
            when=at(2022, 10, 5),
            submitters=[petitions.SubmitterData(name=CITIZEN, phone=CITIZEN_PHONE)],
        ),
        actor=cast.kim_thanh_clerk,
    )

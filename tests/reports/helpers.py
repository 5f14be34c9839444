"""Small worlds built through the real services, whose statistics are known by hand.

Kim Thành district (293), 2022:

- conference A, district level, hosted by Huyện ủy Kim Thành, held 10/06/2022, five opinions:
  three answered at the conference, one deferred and answered later, one deferred and still
  open past its deadline (overdue); four directives: done on time, done late, open past the
  deadline (overdue), open with a deadline in 2030;
- conference B, commune level, hosted by the People's Committee of Phú Thái (10750), held
  15/09/2022, two opinions both answered at the conference, no directive;
- conference C, district level, held 20/11/2021 (the previous period), one opinion answered;
- conference D, planned and announced for 20/12/2022 but never held: it counts nowhere.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tests.cast import Cast, make_agency, make_user
from tests.petitions.helpers import at
from townhall.accounts.models import Role, User
from townhall.dialogues import services
from townhall.dialogues.models import Conference, Directive
from townhall.petitions import services as petitions
from townhall.petitions.models import Case, Topic
from townhall.units.models import Agency, AgencyKind, Era, Unit

YEAR_2022 = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))


@dataclass
class World:
    cast: Cast
    party: Agency  # Huyện ủy Kim Thành
    phu_thai_party: Agency
    secretary: User
    land_office: Agency
    a: Conference
    b: Conference
    c: Conference
    d: Conference
    directives: dict[str, Directive]


def _unit(code: str) -> Unit:
    return Unit.objects.get(era=Era.THREE_LEVEL, code=code)


def plan_and_hold(
    *,
    host: Agency,
    chair: User,
    day: dt.date,
    opinions: int,
    locality: str,
    title: str,
    hold: bool = True,
) -> tuple[Conference, list]:
    starts = at(day.year, day.month, day.day, 8)
    conference = services.conference_plan(
        plan=services.ConferencePlan(
            title=title,
            host_agency=host,
            starts_at=starts,
            chairs=[services.ChairData(chair, title=chair.title)],
            venue="Hội trường",
        ),
        actor=chair,
    )
    services.conference_announce(
        conference=conference, actor=chair, announced_at=starts - dt.timedelta(days=10)
    )
    if not hold:
        return conference, []
    services.conference_start_collecting(conference=conference, actor=chair)
    topic = Topic.objects.get(code="land")
    agenda = [
        services.opinion_add(
            conference=conference,
            intake=petitions.Intake(
                kind="recommendation",
                channel="dialogue_before",
                unit=_unit(locality),
                topic=topic,
                text=f"Ý kiến số {i + 1} về đường giao thông nông thôn ở {title}.",
                received_at=starts - dt.timedelta(days=2, minutes=-i),
                receiving_agency=host,
            ),
            actor=chair,
        )
        for i in range(opinions)
    ]
    services.conference_hold(conference=conference, actor=chair, held_at=starts)
    conference.refresh_from_db()
    return conference, agenda


def answer(conference, opinion, chair) -> None:
    services.opinion_record_outcome(
        conference=conference,
        opinion=opinion,
        actor=chair,
        answered_at_conference=True,
        answered_by=chair.title,
        answer="Đã trả lời tại hội nghị.",
    )


def defer(conference, opinion, chair, agency, deadline) -> Case:
    services.opinion_record_outcome(
        conference=conference,
        opinion=opinion,
        actor=chair,
        answered_at_conference=False,
        assignee=agency,
        deadline=deadline,
    )
    return Case.objects.get(pk=opinion.petition.case_id)


def world_build(cast: Cast) -> World:
    party = make_agency("293", "Huyện ủy Kim Thành", AgencyKind.PARTY_COMMITTEE)
    phu_thai_party = make_agency("10750", "Đảng ủy thị trấn Phú Thái", AgencyKind.PARTY_COMMITTEE)
    land = make_agency(
        "293", "Phòng Tài nguyên và Môi trường huyện Kim Thành", AgencyKind.DEPARTMENT
    )
    secretary = make_user("bithu.kt", Role.LEADER, party, title="Bí thư Huyện ủy Kim Thành")
    party.head = secretary
    party.save(update_fields=["head"])
    commune_chair = make_user(
        "chutich.pt",
        Role.LEADER,
        cast.phu_thai_committee,
        title="Chủ tịch UBND thị trấn Phú Thái",
    )

    a, agenda = plan_and_hold(
        host=party,
        chair=secretary,
        day=dt.date(2022, 6, 10),
        opinions=5,
        locality="10753",
        title="Hội nghị A",
    )
    for opinion in agenda[:3]:
        answer(a, opinion, secretary)
    later = defer(a, agenda[3], secretary, land, dt.date(2022, 7, 10))
    petitions.case_answer(case=later, actor=secretary, answer="Đã giải quyết sau hội nghị.")
    defer(a, agenda[4], secretary, land, dt.date(2022, 7, 10))
    conclusion = services.conference_conclude(
        conference=a,
        actor=secretary,
        number="12-TB/HU",
        signed_on=dt.date(2022, 6, 13),
        text="Kết luận của Bí thư Huyện ủy.",
        directives=[
            services.DirectiveData("Đúng hạn", land, dt.date(2022, 7, 1)),
            services.DirectiveData("Chậm", land, dt.date(2022, 7, 1)),
            services.DirectiveData("Quá hạn", cast.kim_thanh_committee, dt.date(2022, 8, 1)),
            services.DirectiveData("Chưa đến hạn", cast.kim_thanh_committee, dt.date(2030, 1, 1)),
        ],
        published_at=at(2022, 6, 14, 16),
    )
    d = {x.text: x for x in conclusion.directives.all()}
    services.directive_mark_done(
        directive=d["Đúng hạn"], actor=secretary, result="Xong", done_at=at(2022, 6, 30, 10)
    )
    services.directive_mark_done(
        directive=d["Chậm"], actor=secretary, result="Xong", done_at=at(2022, 7, 20, 10)
    )

    b, agenda = plan_and_hold(
        host=cast.phu_thai_committee,
        chair=commune_chair,
        day=dt.date(2022, 9, 15),
        opinions=2,
        locality="10750",
        title="Hội nghị B",
    )
    for opinion in agenda:
        answer(b, opinion, commune_chair)

    c, agenda = plan_and_hold(
        host=party,
        chair=secretary,
        day=dt.date(2021, 11, 20),
        opinions=1,
        locality="10750",
        title="Hội nghị C",
    )
    answer(c, agenda[0], secretary)

    conference_d, _ = plan_and_hold(
        host=party,
        chair=secretary,
        day=dt.date(2022, 12, 20),
        opinions=0,
        locality="10750",
        title="Hội nghị D",
        hold=False,
    )
    for conference in (a, b, c, conference_d):
        conference.refresh_from_db()
    return World(
        cast=cast,
        party=party,
        phu_thai_party=phu_thai_party,
        secretary=secretary,
        land_office=land,
        a=a,
        b=b,
        c=c,
        d=conference_d,
        directives=d,
    )


def days_ago(n: int, hour: int = 9) -> dt.datetime:
    now = timezone.localtime()
    return (now - dt.timedelta(days=n)).replace(hour=hour, minute=0, second=0, microsecond=0)

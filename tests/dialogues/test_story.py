"""The Phú Thái story of DESIGN.md, end to end through the services, the counts checked at
every step."""

import datetime as dt

import pytest

from townhall.dialogues import selectors, services
from townhall.dialogues.models import (
    ConferenceEvent,
    DirectiveEvent,
    DirectiveStatus,
    Outcome,
    Status,
)
from townhall.petitions import services as petitions
from townhall.petitions.models import Channel
from townhall.petitions.models import Status as CaseStatus

from .helpers import DAY, OTHER_OPINIONS, at, opinion, plan, world_build

pytestmark = pytest.mark.django_db


def counts(conference, on=DAY):
    s = selectors.conference_summary(conference, on=on)
    return (
        s.opinions_total,
        s.answered_at_conference,
        s.answered_later,
        s.pending,
        s.overdue,
        s.directives_done_on_time,
        s.directives_done_late,
        s.directives_open,
        s.directives_overdue,
    )


def test_the_phu_thai_dialogue_from_plan_to_the_last_directive(cast):
    world = world_build(cast)
    mass = world.mass_case
    assert mass.petitions.count() == 7 and mass.status == CaseStatus.RECEIVED
    clerk, chair = world.secretary_clerk, world.secretary

    # Planned by Huyện ủy Kim Thành, district level, for 28/12/2022.
    conf = plan(world)
    assert conf.status == Status.PLANNED and conf.host_level == "district"
    assert list(conf.hotspot_cases.all()) == [mass]
    assert counts(conf) == (0, 0, 0, 0, 0, 0, 0, 0, 0)

    # Announced 13 days ahead; the Front starts collecting.
    conf = services.conference_announce(
        conference=conf, actor=clerk, announced_at=at(2022, 12, 15), invitation_number="45-GM/HU"
    )
    assert conf.status == Status.ANNOUNCED
    conf = services.conference_start_collecting(conference=conf, actor=clerk)

    # Collected before the day: the Đầm Chợ matter (joins the mass case) and seven others.
    dam_cho = opinion(world, conf, at(2022, 12, 19), case=mass)
    others = [
        opinion(world, conf, at(2022, 12, 20, 8 + i), text=text, topic=topic)
        for i, (topic, text) in enumerate(OTHER_OPINIONS)
    ]
    assert dam_cho.petition.case_id == mass.pk and mass.petitions.count() == 8
    assert dam_cho.petition.channel == Channel.DIALOGUE_BEFORE
    assert [o.number for o in [dam_cho, *others]] == list(range(1, 9))
    assert counts(conf) == (8, 0, 0, 8, 0, 0, 0, 0, 0)

    # Agencies asked to prepare answers; the checklist shows what is still unprepared.
    services.opinion_request_preparation(
        conference=conf,
        opinion=dam_cho,
        actor=clerk,
        agency=world.land_office,
        prepare_by=dt.date(2022, 12, 26),
    )
    services.opinion_request_preparation(
        conference=conf,
        opinion=others[0],
        actor=clerk,
        agency=cast.phu_thai_committee,
        prepare_by=dt.date(2022, 12, 26),
    )
    services.opinion_prepare(
        conference=conf,
        opinion=dam_cho,
        actor=cast.kim_thanh_handler,
        answer="Đã đo đạc lại, ranh giới khu Đầm Chợ lùi 2 m để trả lại đường đi.",
    )
    checklist = selectors.preparation_checklist(conf)
    assert [o.pk for o in checklist if o.prepare_agency_id and not o.is_prepared] == [others[0].pk]
    conf = services.conference_mark_ready(conference=conf, actor=clerk)
    assert conf.events.get(action="ready").data == {"unprepared": 1}

    # The day: held, two more opinions raised from the floor.
    conf = services.conference_hold(
        conference=conf, actor=clerk, held_at=at(2022, 12, 28, 8), attendance=180
    )
    floor = [
        opinion(world, conf, at(2022, 12, 28, 10), text=t, topic="other")
        for t in (
            "Đề nghị công khai tiến độ giải quyết vụ việc Đầm Chợ trên loa truyền thanh.",
            "Đề nghị mở rộng cống thoát nước khu dân cư cũ trước mùa mưa.",
        )
    ]
    assert {o.petition.channel for o in floor} == {Channel.DIALOGUE_FLOOR}
    agenda = [dam_cho, *others, *floor]
    assert counts(conf) == (10, 0, 0, 10, 0, 0, 0, 0, 0)

    # Most answered at the conference; two deferred with deadlines.
    for o in agenda[:8]:
        services.opinion_record_outcome(
            conference=conf,
            opinion=o,
            actor=clerk,
            answered_at_conference=True,
            answered_by="Bí thư Huyện ủy",
            answer="Đã trả lời trực tiếp tại hội nghị.",
        )
    deferred = []
    for o, agency, deadline in (
        (agenda[8], cast.phu_thai_committee, dt.date(2023, 1, 31)),
        (agenda[9], world.land_office, dt.date(2023, 3, 31)),
    ):
        deferred.append(
            services.opinion_record_outcome(
                conference=conf,
                opinion=o,
                actor=clerk,
                answered_at_conference=False,
                assignee=agency,
                deadline=deadline,
                expected_result="Báo cáo kết quả bằng văn bản",
            )
        )
    mass.refresh_from_db()
    assert mass.status == CaseStatus.ANSWERED  # the mass case answered at the conference
    deferred_cases = [o.petition.case for o in deferred]
    for case in deferred_cases:
        case.refresh_from_db()
    assert [c.status for c in deferred_cases] == [CaseStatus.ASSIGNED] * 2
    assert [c.due for c in deferred_cases] == [dt.date(2023, 1, 31), dt.date(2023, 3, 31)]
    assert deferred_cases[0].assigned_agency == cast.phu_thai_committee
    assert counts(conf) == (10, 8, 0, 2, 0, 0, 0, 0, 0)

    # The chair's conclusion, signed two days later, published within 10 days.
    conclusion = services.conference_conclude(
        conference=conf,
        actor=clerk,
        number="125-TB/HU",
        signed_on=dt.date(2022, 12, 30),
        text="Đồng chí Bí thư Huyện ủy kết luận hội nghị như sau.",
        published_at=at(2023, 1, 3),
        directives=[
            services.DirectiveData(
                "Cắm mốc lại ranh giới khu dân cư mới Đầm Chợ, trả lại đường đi.",
                cast.phu_thai_committee,
                dt.date(2023, 1, 31),
                "Mốc giới được cắm, đường đi thông suốt",
            ),
            services.DirectiveData(
                "Rà soát, cấp giấy chứng nhận cho các hộ đủ điều kiện.",
                world.land_office,
                dt.date(2023, 3, 31),
                "Danh sách hộ đủ điều kiện và giấy chứng nhận được cấp",
            ),
            services.DirectiveData(
                "Báo cáo Ban Thường vụ Huyện ủy kết quả thực hiện kết luận.",
                cast.kim_thanh_committee,
                dt.date(2023, 4, 15),
            ),
        ],
    )
    conf.refresh_from_db()
    assert conf.status == Status.CONCLUDED
    assert conclusion.signed_by == chair and conclusion.signer_title == "Bí thư Huyện ủy Kim Thành"
    assert conclusion.publish_due == dt.date(2023, 1, 7) and not conclusion.published_late
    d1, d2, d3 = conclusion.directives.order_by("number")
    assert counts(conf) == (10, 8, 0, 2, 0, 0, 0, 3, 0)

    # Follow-up: the commune reports progress, then finishes on time; the land office late.
    services.directive_report_progress(
        directive=d1, actor=cast.kim_thanh_handler, note="Đã đo đạc, đang cắm mốc."
    )
    services.directive_mark_done(
        directive=d1,
        actor=cast.kim_thanh_handler,
        result="Đã cắm 14 mốc giới; đường đi được trả lại.",
        done_at=at(2023, 1, 20),
    )
    first_case, second_case = deferred_cases
    petitions.case_answer(
        case=first_case, actor=cast.kim_thanh_handler, answer="Đã thông báo trên loa truyền thanh."
    )
    assert counts(conf, on=dt.date(2023, 2, 15)) == (10, 8, 1, 1, 0, 1, 0, 2, 0)
    # After 31/03 the land office's directive and the second deferred opinion are overdue.
    assert counts(conf, on=dt.date(2023, 4, 5)) == (10, 8, 1, 1, 1, 1, 0, 2, 1)
    slow = selectors.slow_agencies(world.secretary, on=dt.date(2023, 4, 5))
    assert [(s.agency, s.overdue, s.done_late) for s in slow] == [(world.land_office, 1, 0)]

    services.directive_mark_done(
        directive=d2,
        actor=cast.kim_thanh_handler,
        result="Đã cấp 37 giấy.",
        done_at=at(2023, 4, 10),
    )
    services.directive_mark_done(
        directive=d3, actor=cast.kim_thanh_handler, result="Đã báo cáo.", done_at=at(2023, 4, 14)
    )
    petitions.case_answer(
        case=second_case, actor=cast.kim_thanh_handler, answer="Đã cải tạo cống thoát nước."
    )
    assert counts(conf, on=dt.date(2023, 5, 1)) == (10, 8, 2, 0, 0, 2, 1, 0, 0)
    slow = selectors.slow_agencies(world.secretary, on=dt.date(2023, 5, 1))
    assert [(s.agency, s.overdue, s.done_late) for s in slow] == [(world.land_office, 0, 1)]

    # Closing waits for the host to verify every directive.
    with pytest.raises(services.TransitionNotAllowed, match="not yet verified: 1, 2, 3"):
        services.conference_close(conference=conf, actor=clerk)
    for d in (d1, d2, d3):
        services.directive_verify(directive=d, actor=chair, note="Đã kiểm tra thực tế.")
    petitions.case_close(case=mass, actor=cast.kim_thanh_leader, note="Các hộ đã thống nhất.")
    conf = services.conference_close(conference=conf, actor=chair)
    assert conf.status == Status.CLOSED
    mass.refresh_from_db()
    assert mass.status == CaseStatus.CLOSED
    # Verified directives still count by when they were done.
    assert counts(conf, on=dt.date(2023, 6, 1)) == (10, 8, 2, 0, 0, 2, 1, 0, 0)

    actions = list(conf.events.filter(opinion=None).values_list("action", flat=True))
    assert actions == [
        "planned",
        "announced",
        "collecting",
        "ready",
        "held",
        "concluded",
        "closed",
    ]
    assert ConferenceEvent.objects.filter(conference=conf, action="opinion_answered").count() == 8
    assert list(d1.events.values_list("action", flat=True)) == [
        "issued",
        "progress",
        "done",
        "verified",
    ]
    assert DirectiveEvent.objects.filter(to_status=DirectiveStatus.VERIFIED).count() == 3
    assert set(conf.opinions.values_list("outcome", flat=True)) == {
        Outcome.ANSWERED,
        Outcome.DEFERRED,
    }

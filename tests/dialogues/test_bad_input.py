"""Each rule the services enforce: a clear error naming the field, and nothing changes."""

import datetime as dt

import pytest

from tests.cast import make_agency, make_user
from townhall.dialogues import services
from townhall.dialogues.models import Conclusion, Conference, Outcome, Status
from townhall.petitions.errors import PetitionError, StaleVersion, TransitionNotAllowed
from townhall.petitions.models import Status as CaseStatus
from townhall.units.models import AgencyKind

from .helpers import at, held, opinion, plan, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return world_build(cast)


def unchanged(conference: Conference, before: tuple) -> bool:
    conference.refresh_from_db()
    return (conference.status, conference.version, conference.events.count()) == before


def snapshot(conference: Conference) -> tuple:
    conference.refresh_from_db()
    return conference.status, conference.version, conference.events.count()


def directive(world, **kw):
    fields = {
        "text": "Cắm mốc lại ranh giới.",
        "assignee": world.cast.phu_thai_committee,
        "deadline": dt.date(2023, 1, 31),
    }
    return services.DirectiveData(**{**fields, **kw})


def conclude(world, conference, directives):
    return services.conference_conclude(
        conference=conference,
        actor=world.secretary_clerk,
        number="125-TB/HU",
        signed_on=dt.date(2022, 12, 30),
        text="Kết luận.",
        directives=directives,
        published_at=at(2023, 1, 3),
    )


def answer_all(world, conference, agenda):
    for o in agenda:
        services.opinion_record_outcome(
            conference=conference,
            opinion=o,
            actor=world.secretary_clerk,
            answered_at_conference=True,
            answered_by="Bí thư Huyện ủy",
            answer="Đã trả lời.",
        )


def test_it_refuses_to_hold_a_conference_not_yet_announced(world):
    conference = plan(world)
    before = snapshot(conference)
    with pytest.raises(TransitionNotAllowed, match="Cannot hold the conference") as refused:
        services.conference_hold(
            conference=conference, actor=world.secretary_clerk, held_at=at(2022, 12, 28)
        )
    assert refused.value.field == "status" and refused.value.status == 409
    assert unchanged(conference, before)


def test_it_refuses_to_conclude_a_conference_not_held(world):
    conference = plan(world)
    services.conference_announce(
        conference=conference, actor=world.secretary_clerk, announced_at=at(2022, 12, 15)
    )
    before = snapshot(conference)
    with pytest.raises(TransitionNotAllowed, match="Cannot conclude"):
        conclude(world, conference, [directive(world)])
    assert unchanged(conference, before)
    assert not Conclusion.objects.exists()


def test_a_directive_without_an_assignee_is_refused_and_nothing_is_written(world):
    conference, agenda = held(world)
    answer_all(world, conference, agenda)
    before = snapshot(conference)
    with pytest.raises(PetitionError, match="needs an assignee") as refused:
        conclude(world, conference, [directive(world), directive(world, assignee=None)])
    assert refused.value.field == "directives.1.assignee"
    assert unchanged(conference, before)
    assert not Conclusion.objects.exists()


def test_a_directive_due_before_the_conference_is_refused(world):
    conference, agenda = held(world)
    answer_all(world, conference, agenda)
    before = snapshot(conference)
    with pytest.raises(PetitionError, match="before the conference") as refused:
        conclude(world, conference, [directive(world, deadline=dt.date(2022, 12, 27))])
    assert refused.value.field == "directives.0.deadline"
    assert unchanged(conference, before)


def test_a_conference_with_opinions_still_without_an_outcome_cannot_be_concluded(world):
    conference, agenda = held(world)
    answer_all(world, conference, agenda[:1])
    with pytest.raises(TransitionNotAllowed, match="still without one: #2") as refused:
        conclude(world, conference, [])
    assert refused.value.field == "opinions"


def test_an_outcome_for_an_opinion_of_another_conference_is_refused(world):
    conference, agenda = held(world)
    other = plan(world, title="Đối thoại khác")
    services.conference_announce(
        conference=other, actor=world.secretary_clerk, announced_at=at(2022, 12, 15)
    )
    services.conference_hold(
        conference=other, actor=world.secretary_clerk, held_at=at(2022, 12, 28, 8)
    )
    before = snapshot(other)
    with pytest.raises(PetitionError, match="not on the agenda") as refused:
        services.opinion_record_outcome(
            conference=other,
            opinion=agenda[0],
            actor=world.secretary_clerk,
            answered_at_conference=True,
            answered_by="Bí thư",
            answer="x",
        )
    assert refused.value.field == "opinion"
    assert unchanged(other, before)
    agenda[0].refresh_from_db()
    assert agenda[0].outcome == Outcome.PENDING


def test_a_second_outcome_for_the_same_opinion_is_refused(world):
    conference, agenda = held(world)
    answer_all(world, conference, agenda[:1])
    before = snapshot(conference)
    with pytest.raises(TransitionNotAllowed, match="recorded once") as refused:
        services.opinion_record_outcome(
            conference=conference,
            opinion=agenda[0],
            actor=world.secretary_clerk,
            answered_at_conference=False,
            assignee=world.land_office,
            deadline=dt.date(2023, 1, 31),
        )
    assert refused.value.field == "outcome"
    assert unchanged(conference, before)
    agenda[0].refresh_from_db()
    assert agenda[0].outcome == Outcome.ANSWERED and agenda[0].assignee is None
    assert agenda[0].petition.case.status == CaseStatus.ANSWERED


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"assignee": None, "deadline": dt.date(2023, 1, 31)}, "assignee"),
        ({"deadline": None}, "deadline"),
        ({"deadline": dt.date(2022, 12, 1)}, "deadline"),
    ],
)
def test_a_deferred_outcome_needs_an_assignee_and_a_deadline_after_the_day(world, fields, field):
    conference, agenda = held(world, opinions=1)
    values = {"assignee": world.land_office, "deadline": dt.date(2023, 1, 31), **fields}
    with pytest.raises(PetitionError) as refused:
        services.opinion_record_outcome(
            conference=conference,
            opinion=agenda[0],
            actor=world.secretary_clerk,
            answered_at_conference=False,
            **values,
        )
    assert refused.value.field == field
    agenda[0].refresh_from_db()
    assert agenda[0].outcome == Outcome.PENDING
    assert agenda[0].petition.case.status == CaseStatus.RECEIVED


def test_an_answer_at_the_conference_names_who_answered(world):
    conference, agenda = held(world, opinions=1)
    with pytest.raises(PetitionError, match="who answered") as refused:
        services.opinion_record_outcome(
            conference=conference,
            opinion=agenda[0],
            actor=world.secretary_clerk,
            answered_at_conference=True,
            answer="Đã trả lời.",
        )
    assert refused.value.field == "answered_by"


def test_a_commune_dialogue_announced_less_than_7_days_ahead_is_refused(world):
    commune_party = make_agency("10750", "Đảng ủy thị trấn Phú Thái", AgencyKind.PARTY_COMMITTEE)
    make_user("bithu.pt", "leader", commune_party)
    conference = plan(world, host_agency=commune_party)
    assert conference.host_level == "commune"
    before = snapshot(conference)
    with pytest.raises(PetitionError, match="announced 3 days ahead.*at least 7") as refused:
        services.conference_announce(
            conference=conference, actor=world.secretary_clerk, announced_at=at(2022, 12, 25)
        )
    assert refused.value.field == "announced_at"
    assert unchanged(conference, before)
    services.conference_announce(
        conference=conference, actor=world.secretary_clerk, announced_at=at(2022, 12, 21)
    )
    assert conference.events.get(action="announced").data["notice_days"] == 7


def test_a_district_dialogue_on_short_notice_is_announced_with_a_warning(world):
    conference = plan(world)
    conference = services.conference_announce(
        conference=conference, actor=world.secretary_clerk, announced_at=at(2022, 12, 25)
    )
    assert conference.status == Status.ANNOUNCED
    assert "at least 7" in conference.events.get(action="announced").data["warning"]


def test_a_conclusion_published_after_10_days_is_flagged_late(world):
    conference, agenda = held(world)
    answer_all(world, conference, agenda)
    conclusion = services.conference_conclude(
        conference=conference,
        actor=world.secretary_clerk,
        number="125-TB/HU",
        signed_on=dt.date(2023, 1, 12),
        text="Kết luận.",
        directives=[],
        published_at=at(2023, 1, 12),
    )
    assert conclusion.publish_due == dt.date(2023, 1, 7)
    assert conclusion.published_late
    assert conference.events.get(action="concluded").data["published_late"] is True


def test_an_opinion_received_after_the_day_is_not_on_the_agenda(world):
    conference, _ = held(world, opinions=0)
    with pytest.raises(PetitionError, match="ordinary petition") as refused:
        opinion(world, conference, at(2022, 12, 29))
    assert refused.value.field == "received_at"
    assert conference.opinions.count() == 0


def test_opinions_wait_until_collecting_starts(world):
    conference = plan(world)
    with pytest.raises(TransitionNotAllowed, match="add an opinion"):
        opinion(world, conference, at(2022, 12, 10))


def test_an_answer_is_prepared_before_the_day(world):
    conference = plan(world)
    services.conference_announce(
        conference=conference, actor=world.secretary_clerk, announced_at=at(2022, 12, 15)
    )
    services.conference_start_collecting(conference=conference, actor=world.secretary_clerk)
    item = opinion(world, conference, at(2022, 12, 20))
    with pytest.raises(PetitionError, match="before the conference") as refused:
        services.opinion_request_preparation(
            conference=conference,
            opinion=item,
            actor=world.secretary_clerk,
            agency=world.land_office,
            prepare_by=dt.date(2022, 12, 28),
        )
    assert refused.value.field == "prepare_by"
    with pytest.raises(TransitionNotAllowed, match="ask one first"):
        services.opinion_prepare(
            conference=conference, opinion=item, actor=world.secretary_clerk, answer="x"
        )


def test_a_stale_version_is_a_conflict(world):
    conference = plan(world)
    with pytest.raises(StaleVersion) as conflict:
        services.conference_announce(
            conference=conference,
            actor=world.secretary_clerk,
            announced_at=at(2022, 12, 15),
            version=conference.version + 1,
        )
    assert conflict.value.current == {"status": "planned", "version": 1}


def test_a_plan_needs_a_chair_and_a_place(world):
    with pytest.raises(PetitionError, match="Name the chair") as refused:
        plan(world, chairs=[])
    assert refused.value.field == "chairs"
    with pytest.raises(PetitionError, match="venue") as refused:
        plan(world, venue="")
    assert refused.value.field == "venue"
    assert not Conference.objects.exists()


def test_a_directive_moves_open_done_verified_and_only_so(world):
    conference, agenda = held(world, opinions=1)
    answer_all(world, conference, agenda)
    conclusion = conclude(world, conference, [directive(world)])
    item = conclusion.directives.get()
    with pytest.raises(TransitionNotAllowed, match="Cannot verify"):
        services.directive_verify(directive=item, actor=world.secretary)
    with pytest.raises(PetitionError, match="result") as refused:
        services.directive_mark_done(directive=item, actor=world.secretary, result=" ")
    assert refused.value.field == "result"
    item = services.directive_mark_done(
        directive=item, actor=world.secretary, result="Xong.", done_at=at(2023, 2, 3)
    )
    assert item.done_late
    with pytest.raises(TransitionNotAllowed, match="report progress"):
        services.directive_report_progress(directive=item, actor=world.secretary, note="x")
    item = services.directive_reopen(directive=item, actor=world.secretary, note="Chưa đạt.")
    assert item.status == "open" and item.done_at is None

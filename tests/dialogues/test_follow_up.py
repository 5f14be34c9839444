"""Follow-up reads: counts from rows in a fixed number of queries; notifications; policy."""

import datetime as dt

import pytest

from tests.cast import make_user
from townhall.dialogues import selectors, services
from townhall.notifications.models import Notification

from .helpers import held, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return world_build(cast)


def conclude(world, conference, n):
    return services.conference_conclude(
        conference=conference,
        actor=world.secretary_clerk,
        number="125-TB/HU",
        signed_on=dt.date(2022, 12, 30),
        text="Kết luận.",
        directives=[
            services.DirectiveData(f"Nhiệm vụ {i}.", world.land_office, dt.date(2023, 1, 31))
            for i in range(n)
        ],
    )


def answer_all(world, conference, agenda):
    for o in agenda:
        services.opinion_record_outcome(
            conference=conference,
            opinion=o,
            actor=world.secretary_clerk,
            answered_at_conference=True,
            answered_by="Bí thư",
            answer="Đã trả lời.",
        )


def test_the_summary_takes_two_queries_however_long_the_agenda(world, django_assert_num_queries):
    conference, agenda = held(world, opinions=5)
    answer_all(world, conference, agenda)
    conclude(world, conference, 4)
    with django_assert_num_queries(2):
        summary = selectors.conference_summary(conference, on=dt.date(2023, 2, 1))
    assert (summary.opinions_total, summary.answered_at_conference, summary.pending) == (5, 5, 0)
    assert (summary.directives_open, summary.directives_overdue) == (4, 4)


def test_slow_agencies_takes_three_queries(world, django_assert_num_queries):
    conference, agenda = held(world, opinions=0)
    conclude(world, conference, 3)
    with django_assert_num_queries(3):  # jurisdiction paths, the grouped counts, the agencies
        rows = selectors.slow_agencies(world.secretary, on=dt.date(2023, 2, 1))
    assert [(r.agency, r.overdue, r.open, r.total) for r in rows] == [(world.land_office, 3, 3, 3)]
    assert selectors.slow_agencies(world.secretary, on=dt.date(2023, 1, 31)) == []


def test_the_head_of_an_assignee_agency_is_told_of_a_directive(world):
    world.land_office.head = world.cast.kim_thanh_handler
    world.land_office.save(update_fields=["head"])
    world.cast.kim_thanh_handler.email = "tnmt@kimthanh.example"
    world.cast.kim_thanh_handler.save(update_fields=["email"])
    conference, _ = held(world, opinions=0)
    conclude(world, conference, 2)
    sent = Notification.objects.filter(purpose="directive")
    assert sent.count() == 2
    assert {n.recipient for n in sent} == {"tnmt@kimthanh.example"}
    assert "Hạn: 31/01/2023" in sent.first().body


def test_a_directive_is_visible_to_the_assignees_jurisdiction(world):
    conference, _ = held(world, opinions=0)
    directive = conclude(world, conference, 1).directives.get()
    # A Phú Thái commune clerk does not see the district's conference...
    commune_clerk = make_user("clerk.pt", "clerk", world.cast.phu_thai_committee)
    assert not selectors.conferences_visible_to(commune_clerk).exists()
    assert not selectors.directives_visible_to(commune_clerk).exists()
    # ...but follows a directive given to the commune.
    directive.assignee = world.cast.phu_thai_committee
    directive.save(update_fields=["assignee"])
    assert list(selectors.directives_visible_to(commune_clerk)) == [directive]
    assert list(selectors.directives_visible_to(world.cast.chi_linh_leader)) == []

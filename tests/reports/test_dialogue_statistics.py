"""Dialogue statistics on a small world built through the services, where every answer is
known by hand (tests/reports/helpers.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from townhall.dialogues.selectors import conference_summary
from townhall.reports import statistics, statistics_dialogues
from townhall.reports.statistics import Scope
from townhall.reports.statistics_dialogues import DIALOGUE_KEYS

from .helpers import YEAR_2022, plan_and_hold, world_build

pytestmark = pytest.mark.django_db


def scope(units, code="293", level="", period=YEAR_2022, **extra):
    return Scope(units[code], *period, level=level, **extra)


def counts(figures):
    return {k: figures[k] for k in DIALOGUE_KEYS}


def test_every_dialogue_figure_of_a_district_year(cast, units):
    world_build(cast)
    figures = statistics_dialogues.dialogue_figures(scope(units))
    assert counts(figures) == {
        "conferences": 2,  # A and B; C is 2021, D was never held
        "opinions": 7,
        "answered_at_conference": 5,
        "answered_later": 1,
        "pending": 1,
        "overdue": 1,
        "directives": 4,
        "directives_done_on_time": 1,
        "directives_done_late": 1,
        "directives_open": 2,
        "directives_overdue": 1,
    }
    assert figures["answered_at_conference_pct"] == 71.4


def test_the_host_level_keeps_the_conferences_of_that_level(cast, units):
    world_build(cast)
    district = statistics_dialogues.dialogue_figures(scope(units, level="district"))
    commune = statistics_dialogues.dialogue_figures(scope(units, level="commune"))
    assert (district["conferences"], district["opinions"], district["answered_at_conference"]) == (
        1,
        5,
        3,
    )
    assert (commune["conferences"], commune["opinions"], commune["answered_at_conference"]) == (
        1,
        2,
        2,
    )
    province = statistics_dialogues.dialogue_figures(scope(units, level="province"))
    assert province["conferences"] == 0 and province["answered_at_conference_pct"] is None


def test_by_unit_lists_the_root_first_then_every_child_and_sums_to_the_totals(cast, units):
    world_build(cast)
    figures = statistics_dialogues.dialogue_figures(scope(units))
    rows = figures["by_unit"]
    assert rows[0]["code"] == "293" and rows[0]["own"] is True
    assert rows[0]["conferences"] == 1 and rows[0]["opinions"] == 5  # A, hosted by the district
    children = {r["code"]: r for r in rows[1:]}
    assert set(children) == set(units["293"].children.values_list("code", flat=True))
    assert children["10750"]["conferences"] == 1 and children["10750"]["opinions"] == 2  # B
    assert all(r["conferences"] == 0 for code, r in children.items() if code != "10750")
    for key in DIALOGUE_KEYS:
        assert sum(r[key] for r in rows) == figures[key], key


def test_a_subtree_below_or_above_the_district(cast, units):
    world_build(cast)
    assert statistics_dialogues.dialogue_figures(scope(units, "10750"))["conferences"] == 1
    assert statistics_dialogues.dialogue_figures(scope(units, "10762"))["conferences"] == 0
    province = statistics_dialogues.dialogue_figures(scope(units, "30"))
    assert province["conferences"] == 2
    kim_thanh = next(r for r in province["by_unit"] if r["code"] == "293")
    assert kim_thanh["conferences"] == 2 and kim_thanh["opinions"] == 7


def test_the_period_counts_conferences_by_the_day_they_were_held(cast, units):
    world_build(cast)
    june = statistics_dialogues.dialogue_figures(scope(units, period=(dt.date(2022, 6, 10),) * 2))
    assert june["conferences"] == 1
    before = statistics_dialogues.dialogue_figures(
        scope(units, period=(dt.date(2022, 6, 1), dt.date(2022, 6, 9)))
    )
    assert before["conferences"] == 0


def test_the_previous_period_is_the_year_before(cast, units):
    world_build(cast)
    data = statistics.with_previous("dialogues", scope(units))
    previous = data["previous"]
    assert (previous["from"], previous["to"]) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert (previous["conferences"], previous["opinions"], previous["answered_at_conference"]) == (
        1,
        1,
        1,
    )
    assert "by_unit" not in previous


def test_overdue_is_counted_as_of_the_day_asked(cast, units):
    world_build(cast)
    on_time = statistics_dialogues.dialogue_figures(scope(units, on=dt.date(2022, 7, 10)))
    assert on_time["overdue"] == 0 and on_time["directives_overdue"] == 0
    late = statistics_dialogues.dialogue_figures(scope(units, on=dt.date(2022, 8, 2)))
    assert late["overdue"] == 1 and late["directives_overdue"] == 1


def test_the_figures_agree_with_the_conference_summary(cast, units):
    world = world_build(cast)
    day = world.a.held_at.date()
    figures = statistics_dialogues.dialogue_figures(scope(units, period=(day, day)))
    summary = conference_summary(world.a)
    assert (
        figures["opinions"],
        figures["answered_at_conference"],
        figures["answered_later"],
        figures["pending"],
        figures["overdue"],
        figures["directives"],
        figures["directives_done_on_time"],
        figures["directives_done_late"],
        figures["directives_open"],
        figures["directives_overdue"],
    ) == (
        summary.opinions_total,
        summary.answered_at_conference,
        summary.answered_later,
        summary.pending,
        summary.overdue,
        summary.directives_total,
        summary.directives_done_on_time,
        summary.directives_done_late,
        summary.directives_open,
        summary.directives_overdue,
    )


def test_by_agency_counts_the_host_agencies(cast, units):
    world = world_build(cast)
    figures = statistics_dialogues.dialogue_figures(scope(units), by_agency=True)
    rows = {r["agency"]["id"]: r for r in figures["by_agency"]}
    assert rows[world.party.pk]["conferences"] == 1 and rows[world.party.pk]["opinions"] == 5
    assert rows[cast.phu_thai_committee.pk]["conferences"] == 1


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("conferences", 2),
        ("opinions", 7),
        ("answered_at_conference", 5),
        ("answered_later", 1),
        ("pending", 1),
        ("overdue", 1),
        ("directives", 4),
        ("directives_done_on_time", 1),
        ("directives_done_late", 1),
        ("directives_open", 2),
        ("directives_overdue", 1),
    ],
)
def test_the_records_behind_each_figure_are_as_many_as_the_figure(cast, units, metric, expected):
    world_build(cast)
    assert statistics.records("dialogues", scope(units), metric).count() == expected


def test_own_keeps_the_root_unit_alone(cast, units):
    world_build(cast)
    own = statistics_dialogues.dialogue_figures(scope(units, own=True))
    assert own["conferences"] == 1 and own["opinions"] == 5


def test_previous_period_of_whole_months_and_of_days():
    assert statistics.previous_period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == (
        dt.date(2023, 1, 1),
        dt.date(2023, 12, 31),
    )
    assert statistics.previous_period(dt.date(2022, 4, 1), dt.date(2022, 6, 30)) == (
        dt.date(2022, 1, 1),
        dt.date(2022, 3, 31),
    )
    assert statistics.previous_period(dt.date(2022, 3, 1), dt.date(2022, 3, 31)) == (
        dt.date(2022, 2, 1),
        dt.date(2022, 2, 28),
    )
    assert statistics.previous_period(dt.date(2022, 3, 10), dt.date(2022, 3, 19)) == (
        dt.date(2022, 2, 28),
        dt.date(2022, 3, 9),
    )


def test_the_number_of_queries_does_not_grow_with_the_records(
    cast, units, django_assert_max_num_queries
):
    world = world_build(cast)
    with CaptureQueriesContext(connection) as before:
        statistics.with_previous("dialogues", scope(units), by_agency=True)
    for day in (3, 4, 5):
        plan_and_hold(
            host=world.party,
            chair=world.secretary,
            day=dt.date(2022, 10, day),
            opinions=3,
            locality="10756",
            title=f"Hội nghị {day}",
        )
    with CaptureQueriesContext(connection) as after:
        data = statistics.with_previous("dialogues", scope(units), by_agency=True)
    assert data["conferences"] == 5 and data["opinions"] == 16
    assert len(after.captured_queries) == len(before.captured_queries) <= 15

"""The deadline rule table (rules are data, with dates), and the copy of it each process keeps
(core/reference.py, ADR 0013): an edit made here applies at once, one made elsewhere once the
copy expires, and no intake reads the table while the copy is fresh."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from townhall.petitions import deadlines, selectors
from townhall.petitions.models import DeadlineRule, Step, Topic

pytestmark = pytest.mark.django_db

JAN_2027 = dt.date(2027, 1, 4)  # a Monday


def _rule(**fields) -> DeadlineRule:
    values = {"kind": "", "step": Step.ACKNOWLEDGE, "days": 10, "day_type": "working"}
    return DeadlineRule.objects.create(**{**values, **fields})


def _expire() -> None:
    """As if REFERENCE_CACHE_SECONDS had passed since the rules were read."""
    deadlines._RULES._loaded_at -= 24 * 3600


def test_the_seeded_acknowledgement_is_ten_working_days_for_every_kind():
    for kind in ("recommendation", "complaint", "denunciation"):
        rule = deadlines.rule_for(kind=kind, step=Step.ACKNOWLEDGE, on=JAN_2027)
        assert (rule.days, rule.day_type, rule.kind) == (10, "working", "")


def test_a_kind_specific_rule_wins_over_a_general_one():
    _rule(kind="denunciation", days=5, valid_from=dt.date(2020, 1, 1))
    assert deadlines.rule_for(kind="denunciation", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 5
    assert deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 10


def test_a_rule_applies_from_its_first_day_to_its_last():
    _rule(days=7, valid_from=dt.date(2027, 1, 1), valid_to=dt.date(2027, 1, 31))
    days_on = lambda day: deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=day).days  # noqa: E731
    assert days_on(dt.date(2026, 12, 31)) == 10
    assert days_on(dt.date(2027, 1, 1)) == 7
    assert days_on(dt.date(2027, 1, 31)) == 7
    assert days_on(dt.date(2027, 2, 1)) == 10


def test_a_step_without_a_rule_in_force_has_no_deadline():
    assert deadlines.rule_for(kind="complaint", step=Step.ACCEPT, on=dt.date(2018, 6, 1)) is None
    dues = deadlines.dues_for(kind="recommendation", steps=(Step.ACCEPT,), start=JAN_2027)
    assert dues == {Step.ACCEPT: None}


def test_the_rules_are_read_once_then_kept():
    deadlines.rule_for(kind="complaint", step=Step.RESOLVE, on=JAN_2027)
    with CaptureQueriesContext(connection) as queries:
        for kind in ("complaint", "denunciation", "reflection"):
            deadlines.dues_for(kind=kind, steps=(Step.ACKNOWLEDGE, Step.ACCEPT), start=JAN_2027)
    assert len(queries) == 0


def test_a_rule_saved_in_this_process_applies_at_once():
    assert deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 10
    rule = _rule(kind="complaint", days=3, valid_from=dt.date(2026, 1, 1))
    assert deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 3
    rule.delete()
    assert deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 10


def test_a_change_made_elsewhere_applies_when_the_copy_expires():
    """`QuerySet.update` sends no signal, as a change made by another process reaches none."""
    assert deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 10
    DeadlineRule.objects.filter(kind="", step=Step.ACKNOWLEDGE).update(days=12)
    assert deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 10
    _expire()
    assert deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 12


@override_settings(REFERENCE_CACHE_SECONDS=0)
def test_with_no_cache_every_use_reads_the_table():
    deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027)
    DeadlineRule.objects.filter(kind="", step=Step.ACKNOWLEDGE).update(days=12)
    with CaptureQueriesContext(connection) as queries:
        assert deadlines.rule_for(kind="complaint", step=Step.ACKNOWLEDGE, on=JAN_2027).days == 12
    assert len(queries) == 1


def test_a_topic_renamed_here_is_seen_at_once_and_a_retired_one_is_still_found():
    topic = selectors.topic_with_code(" land ")
    assert topic is not None and topic.code == "land"
    Topic.objects.filter(pk=topic.pk).update(is_active=False)  # elsewhere: seen on expiry
    assert selectors.topic_with_code("land").is_active
    topic.name, topic.is_active = "Đất đai, giải phóng mặt bằng", False
    topic.save()
    found = selectors.topic_with_code("land")
    assert (found.name, found.is_active) == ("Đất đai, giải phóng mặt bằng", False)
    assert selectors.topic_with_code("no-such-topic") is None

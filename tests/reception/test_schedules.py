import datetime as dt

import pytest
from django.utils import translation

from townhall.petitions.errors import PetitionError
from townhall.reception import recurrence, selectors, services
from townhall.reception.models import ReceptionEvent, Weekday, WeekOfMonth

pytestmark = pytest.mark.django_db


def schedule(cast, agency=None, head=None, **extra):
    values = {
        "agency": agency or cast.kim_thanh_committee,
        "head": head or cast.kim_thanh_leader,
        "weekday": Weekday.THURSDAY,
        "venue": "Trụ sở tiếp công dân huyện Kim Thành",
        "valid_from": dt.date(2022, 1, 1),
        "actor": cast.kim_thanh_clerk,
    }
    values.update(extra)
    return services.schedule_create(**values)


def test_a_weekly_schedule_gives_every_weekday(cast):
    weekly = schedule(cast, agency=cast.phu_thai_committee, weekday=Weekday.TUESDAY)
    days = recurrence.schedule_days(weekly, dt.date(2022, 10, 1), dt.date(2022, 10, 31))
    assert days == [dt.date(2022, 10, d) for d in (4, 11, 18, 25)]
    with translation.override("en"):
        assert weekly.describe() == "every Tuesday"


def test_an_nth_weekday_schedule_gives_one_day_a_month(cast):
    second = schedule(cast, week_of_month=WeekOfMonth.SECOND)
    last = schedule(cast, week_of_month=WeekOfMonth.LAST)
    period = (dt.date(2022, 9, 1), dt.date(2022, 10, 31))
    assert recurrence.schedule_days(second, *period) == [dt.date(2022, 9, 8), dt.date(2022, 10, 13)]
    assert recurrence.schedule_days(last, *period) == [dt.date(2022, 9, 29), dt.date(2022, 10, 27)]
    with translation.override("en"):
        assert second.describe() == "the second Thursday of each month"


def test_a_scheduled_day_on_a_public_holiday_moves_to_the_next_working_day(cast):
    # Friday 02/09/2022 is National Day (and Thursday 01/09/2022 was given off with it).
    first_friday = schedule(cast, weekday=Weekday.FRIDAY, week_of_month=WeekOfMonth.FIRST)
    days = recurrence.schedule_days(first_friday, dt.date(2022, 9, 1), dt.date(2022, 9, 30))
    assert days == [dt.date(2022, 9, 5)]


def test_a_schedule_only_gives_days_inside_its_validity(cast):
    weekly = schedule(
        cast,
        agency=cast.phu_thai_committee,
        weekday=Weekday.TUESDAY,
        valid_from=dt.date(2022, 10, 10),
        valid_to=dt.date(2022, 10, 20),
    )
    days = recurrence.schedule_days(weekly, dt.date(2022, 10, 1), dt.date(2022, 10, 31))
    assert days == [dt.date(2022, 10, 11), dt.date(2022, 10, 18)]


def test_a_district_chair_with_one_thursday_a_month_falls_one_day_short(cast):
    schedule(cast, week_of_month=WeekOfMonth.SECOND)
    check = selectors.schedule_check(
        agency=cast.kim_thanh_committee, start=dt.date(2022, 10, 1), end=dt.date(2022, 12, 31)
    )
    assert [(p.start.month, p.required, len(p.days), p.shortfall) for p in check.periods] == [
        (10, 2, 1, 1),
        (11, 2, 1, 1),
        (12, 2, 1, 1),
    ]
    assert check.shortfall == 3
    schedule(cast, week_of_month=WeekOfMonth.FOURTH)
    check = selectors.schedule_check(
        agency=cast.kim_thanh_committee, start=dt.date(2022, 10, 1), end=dt.date(2022, 12, 31)
    )
    assert check.shortfall == 0 and not check.short_periods
    assert len(check.days) == 6


def test_a_commune_chair_owes_a_day_every_week(cast):
    schedule(
        cast,
        agency=cast.phu_thai_committee,
        weekday=Weekday.TUESDAY,
        week_of_month=WeekOfMonth.FIRST,
    )
    check = selectors.schedule_check(
        agency=cast.phu_thai_committee, start=dt.date(2022, 10, 1), end=dt.date(2022, 10, 31)
    )
    assert len(check.periods) == 6 and check.periods[0].per == "week"
    # The 1st Tuesdays 04/10 and 01/11 cover 2 of the 6 weeks overlapping October.
    assert check.shortfall == 4
    assert check.periods[0].legal_basis == "Luật Tiếp công dân 2013, Điều 15"


def test_a_district_schedule_owes_nothing_after_the_reform(cast):
    schedule(cast, week_of_month=WeekOfMonth.SECOND)
    check = selectors.schedule_check(
        agency=cast.kim_thanh_committee, start=dt.date(2025, 6, 1), end=dt.date(2025, 7, 31)
    )
    assert [(p.start, p.required) for p in check.periods] == [(dt.date(2025, 6, 1), 2)]


def test_publishing_puts_the_schedule_on_the_portal(cast):
    created = schedule(cast)
    assert not selectors.published_schedules(on=dt.date(2022, 10, 1)).exists()
    services.schedule_publish(schedule=created, actor=cast.kim_thanh_clerk)
    assert list(selectors.published_schedules(on=dt.date(2022, 10, 1))) == [created]
    services.schedule_end(
        schedule=created, actor=cast.kim_thanh_clerk, valid_to=dt.date(2022, 12, 31)
    )
    assert not selectors.published_schedules(on=dt.date(2023, 1, 1)).exists()
    actions = list(ReceptionEvent.objects.filter(schedule=created).values_list("action", flat=True))
    assert actions == ["created", "published", "ended"]
    with pytest.raises(PetitionError, match="already published"):
        services.schedule_publish(schedule=created, actor=cast.kim_thanh_clerk)


def test_a_schedule_for_a_head_outside_the_jurisdiction_is_refused(cast):
    with pytest.raises(PetitionError) as refused:
        schedule(cast, head=cast.chi_linh_leader)
    assert refused.value.field == "head"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"weekday": 7}, "weekday"),
        ({"week_of_month": 5}, "week_of_month"),
        ({"valid_to": dt.date(2021, 1, 1)}, "valid_to"),
        ({"venue": "  "}, "venue"),
        ({"valid_from": dt.date(2025, 7, 1)}, "valid_from"),
    ],
)
def test_a_bad_schedule_names_the_field(cast, extra, field):
    with pytest.raises(PetitionError) as refused:
        schedule(cast, **extra)
    assert refused.value.field == field


def test_schedules_are_visible_only_inside_the_jurisdiction(cast):
    created = schedule(cast)
    assert list(selectors.schedules_visible_to(cast.kim_thanh_clerk)) == [created]
    assert list(selectors.schedules_visible_to(cast.province_inspector)) == [created]
    assert not selectors.schedules_visible_to(cast.chi_linh_leader).exists()

"""The working-day calendar against the holidays package's own dates and hand-checked facts.

Hand-checked: Tết Nguyên Đán 2027 (Đinh Mùi) is Saturday 6 February 2027; 2/9 and 30/4–1/5 are
fixed-date holidays; Labour Code 2019 Art. 112 gives the next working day off when a holiday falls
on a weekend; the Government swapped Friday 2/5/2025 for Saturday 26/4/2025.
"""

import datetime as dt

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.core import calendar
from townhall.core.calendar import (
    add_working_days,
    is_working_day,
    next_working_day,
    period_end,
    working_days_between,
)

D = dt.date
TET_2027 = {D(2027, 2, day) for day in range(4, 11)}  # Thursday 4 to Wednesday 10 February
any_day = st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31))
# Building a year's holidays on a cold cache can take longer than Hypothesis's default deadline.
no_deadline = settings(deadline=None)


# Tết 2027


def test_the_package_puts_tet_2027_on_saturday_6_february():
    vn_2027 = holidays.country_holidays("VN", years=2027)
    assert vn_2027.get(D(2027, 2, 6)) == "Lunar New Year"


def test_the_package_gives_tet_2027_as_thursday_4_to_wednesday_10_february():
    vn_2027 = holidays.country_holidays("VN", years=2027)
    assert {day for day in vn_2027 if day.month == 2} == TET_2027


def test_no_day_of_the_tet_2027_holiday_is_a_working_day():
    assert not any(is_working_day(day) for day in TET_2027)


def test_monday_8_february_2027_in_the_tet_holiday_is_not_a_working_day():
    assert D(2027, 2, 8).weekday() == 0
    assert not is_working_day(D(2027, 2, 8))


def test_the_first_working_day_after_tet_2027_is_thursday_11_february():
    assert next_working_day(D(2027, 2, 4)) == D(2027, 2, 11)


def test_a_ten_working_day_acknowledgement_from_1_february_2027_lands_after_tet():
    # Tue 2, Wed 3, (Tết 4–10), Thu 11, Fri 12, Mon 15 … Fri 19, Mon 22.
    assert add_working_days(D(2027, 2, 1), 10) == D(2027, 2, 22)


def test_only_three_working_days_pass_between_1_and_11_february_2027():
    assert working_days_between(D(2027, 2, 1), D(2027, 2, 11)) == 3
    assert working_days_between(D(2027, 2, 3), D(2027, 2, 10)) == 0


def test_a_ten_day_period_ending_on_lunar_new_years_eve_moves_past_tet():
    # 10 days from 26 January ends Friday 5 February 2027, Lunar New Year's Eve.
    assert period_end(D(2027, 1, 26), 10) == D(2027, 2, 11)


def test_a_thirty_day_complaint_period_ending_on_tet_day_moves_past_tet():
    assert period_end(D(2027, 1, 7), 30) == D(2027, 2, 11)


def test_every_vietnamese_holiday_of_2027_in_the_package_is_a_day_off():
    assert not any(is_working_day(day) for day in holidays.country_holidays("VN", years=2027))


# National Day 2/9


def test_national_day_2027_and_the_day_after_are_not_working_days():
    assert not is_working_day(D(2027, 9, 2))
    assert not is_working_day(D(2027, 9, 3))


def test_the_first_working_day_after_1_september_2027_is_monday_6_september():
    assert add_working_days(D(2027, 9, 1), 1) == D(2027, 9, 6)


def test_national_day_2026_with_its_swapped_monday_closes_offices_from_monday_to_wednesday():
    assert [is_working_day(D(2026, 8, 31) + dt.timedelta(days=i)) for i in range(4)] == [
        False,
        False,
        False,
        True,
    ]
    assert add_working_days(D(2026, 8, 28), 1) == D(2026, 9, 3)


def test_the_saturday_worked_to_pay_back_a_swapped_day_is_a_working_day():
    assert D(2026, 8, 22) in holidays.country_holidays("VN", years=2026).weekend_workdays
    assert is_working_day(D(2026, 8, 22))
    assert working_days_between(D(2026, 8, 21), D(2026, 8, 24)) == 2


# 30/4 – 1/5


def test_reunification_day_and_labour_day_2026_close_thursday_and_friday():
    assert not is_working_day(D(2026, 4, 30))
    assert not is_working_day(D(2026, 5, 1))
    assert next_working_day(D(2026, 4, 30)) == D(2026, 5, 4)


def test_labour_day_2027_on_a_saturday_is_observed_on_monday_3_may():
    assert not is_working_day(D(2027, 5, 3))
    assert next_working_day(D(2027, 4, 30)) == D(2027, 5, 4)


def test_the_2025_long_weekend_runs_from_30_april_to_4_may_with_saturday_26_april_worked():
    assert is_working_day(D(2025, 4, 26))
    assert not any(is_working_day(D(2025, 4, 30) + dt.timedelta(days=i)) for i in range(5))
    assert period_end(D(2025, 4, 20), 10) == D(2025, 5, 5)


# Weekends and plain periods


def test_saturday_and_sunday_are_not_working_days():
    assert not is_working_day(D(2027, 3, 6))
    assert not is_working_day(D(2027, 3, 7))


def test_an_ordinary_weekday_is_a_working_day():
    assert is_working_day(D(2027, 3, 8))


def test_next_working_day_is_the_day_itself_on_a_working_day():
    assert next_working_day(D(2027, 3, 3)) == D(2027, 3, 3)


def test_next_working_day_of_a_saturday_is_monday():
    assert next_working_day(D(2027, 3, 6)) == D(2027, 3, 8)


def test_a_period_ending_on_saturday_moves_to_monday():
    assert period_end(D(2027, 3, 1), 5) == D(2027, 3, 8)


def test_a_period_ending_on_sunday_moves_to_monday():
    assert period_end(D(2027, 3, 1), 6) == D(2027, 3, 8)


def test_a_period_ending_on_a_working_day_ends_that_day():
    assert period_end(D(2027, 3, 1), 4) == D(2027, 3, 5)


def test_a_period_counts_from_the_day_after_the_event():
    assert period_end(D(2027, 3, 2), 1) == D(2027, 3, 3)


def test_one_working_day_after_a_friday_is_monday():
    assert add_working_days(D(2027, 3, 5), 1) == D(2027, 3, 8)


def test_counting_from_a_weekend_starts_on_monday():
    assert add_working_days(D(2027, 3, 6), 1) == D(2027, 3, 8)
    assert add_working_days(D(2027, 3, 6), 5) == D(2027, 3, 12)


def test_working_days_cross_new_year_with_its_holiday():
    # 1 January 2027 is a Friday and a holiday.
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_working_days_between_counts_the_end_but_not_the_start():
    assert working_days_between(D(2027, 3, 5), D(2027, 3, 8)) == 1
    assert working_days_between(D(2027, 3, 1), D(2027, 3, 5)) == 4


def test_working_days_between_a_day_and_itself_or_an_earlier_day_is_zero():
    assert working_days_between(D(2027, 3, 3), D(2027, 3, 3)) == 0
    assert working_days_between(D(2027, 3, 8), D(2027, 3, 1)) == 0


# Guards


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_refuses_fewer_than_one_day(n):
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(D(2027, 3, 1), n)


@pytest.mark.parametrize("days", [0, -5])
def test_period_end_refuses_fewer_than_one_day(days):
    with pytest.raises(ValueError, match="at least 1"):
        period_end(D(2027, 3, 1), days)


def test_a_datetime_is_refused_because_it_would_never_match_a_holiday():
    with pytest.raises(TypeError, match="datetime.date"):
        is_working_day(dt.datetime(2027, 2, 8, 9, 0))
    with pytest.raises(TypeError):
        working_days_between(D(2027, 2, 1), dt.datetime(2027, 2, 8))


def test_holidays_are_built_once_per_year():
    calendar._days_off.cache_clear()
    for offset in range(365):
        is_working_day(D(2031, 1, 1) + dt.timedelta(days=offset))
    assert calendar._days_off.cache_info().misses == 1


# Properties over 2024–2028


@no_deadline
@given(start=any_day, n=st.integers(min_value=1, max_value=80))
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_later(start, n):
    end = add_working_days(start, n)
    assert is_working_day(end)
    assert working_days_between(start, end) == n
    assert working_days_between(start, end - dt.timedelta(days=1)) == n - 1


@no_deadline
@given(day=any_day)
def test_next_working_day_skips_only_days_off(day):
    found = next_working_day(day)
    assert is_working_day(found)
    assert working_days_between(day - dt.timedelta(days=1), found - dt.timedelta(days=1)) == 0


@no_deadline
@given(start=any_day, days=st.integers(min_value=1, max_value=90))
def test_a_period_ends_on_its_last_day_or_the_first_working_day_after_it(start, days):
    last = start + dt.timedelta(days=days)
    assert period_end(start, days) == next_working_day(last)
    assert period_end(start, days) >= last

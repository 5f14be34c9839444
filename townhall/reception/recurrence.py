"""The days a reception schedule falls on (hand-coded: "every Tuesday", "the 2nd Thursday").

A scheduled weekday that is a public holiday moves to the next working day, as provincial
reception regulations usually provide ("trùng ngày nghỉ lễ, Tết thì chuyển sang ngày làm việc
tiếp theo"). A schedule deliberately on a Saturday or Sunday is kept as it is.
"""

import datetime as dt

from townhall.core import calendar

from .models import ReceptionSchedule, WeekOfMonth
from .rules import days_between

_FRIDAY = 4


def matches(day: dt.date, *, weekday: int, week_of_month: int | None) -> bool:
    if day.weekday() != weekday:
        return False
    if week_of_month is None:
        return True
    if week_of_month == WeekOfMonth.LAST:
        return (day + dt.timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 + 1 == week_of_month


def _moved_off_holiday(day: dt.date) -> dt.date:
    if day.weekday() <= _FRIDAY and not calendar.is_working_day(day):
        return calendar.next_working_day(day)
    return day


def schedule_days(schedule: ReceptionSchedule, start: dt.date, end: dt.date) -> list[dt.date]:
    """The reception days `schedule` gives between `start` and `end` (inclusive)."""
    first = max(start, schedule.valid_from)
    last = min(end, schedule.valid_to) if schedule.valid_to else end
    days = set()
    for day in days_between(first, last):
        if matches(day, weekday=schedule.weekday, week_of_month=schedule.week_of_month):
            moved = _moved_off_holiday(day)
            if moved <= end:
                days.add(moved)
    return sorted(days)

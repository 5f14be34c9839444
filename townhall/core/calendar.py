"""Vietnam's working-day calendar, for the legal deadlines a petition runs against.

Government offices work Monday to Friday. Public holidays come from the `holidays` package
(`holidays.country_holidays("VN")`), which knows the lunar Tết, the observed days given when a
holiday falls on a weekend (Labour Code 2019, Art. 112) and the days the Government swaps: a
weekday off is paid back by working a Saturday (e.g. Saturday 22/8/2026 worked for Monday
31/8/2026). Such a worked Saturday is a working day here too, because offices are open and a
deadline runs on it.

The holiday list is law that changes every year, so it is never typed by hand here: upgrade the
package to pick up the Government's yearly decision on Tết and swapped days.
"""

import datetime as dt
from functools import lru_cache

import holidays

_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[dt.date]:
    """Public holidays (observed and swapped days included) of one year, built once per year."""
    return frozenset(holidays.country_holidays("VN", years=year))


@lru_cache(maxsize=64)
def _worked_weekend_days(year: int) -> frozenset[dt.date]:
    """Saturdays or Sundays the Government made working days to pay back a swapped day off."""
    calendar = holidays.country_holidays("VN", years=year)
    # The package keeps a few fixed worked days of other years in this set; keep only this year's.
    return frozenset(day for day in calendar.weekend_workdays if day.year == year)


def _require_date(day: dt.date) -> None:
    # A datetime never equals a date, so a holiday lookup with one would silently miss every
    # holiday; refuse it instead of computing a wrong legal deadline.
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")


def is_working_day(day: dt.date) -> bool:
    """Whether government offices are open on `day`: Mon–Fri and not a holiday, or a worked
    weekend day the Government swapped in."""
    _require_date(day)
    if day in _worked_weekend_days(day.year):
        return True
    return day.weekday() < _SATURDAY and day not in _days_off(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if offices are open on it, otherwise the first working day after it."""
    _require_date(day)
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The `n`-th working day after `start` (`start` itself is not counted; `n` >= 1).

    For deadlines stated in working days, e.g. "acknowledge in writing within 10 working days".
    """
    _require_date(start)
    if n < 1:
        raise ValueError(f"n must be at least 1 working day, not {n}")
    day = start
    for _ in range(n):
        day = next_working_day(day + _ONE_DAY)
    return day


def period_end(start: dt.date, days: int) -> dt.date:
    """The last day of a period of `days` calendar days that starts the day after `start`.

    Civil Code 2015: a period counted in days begins the day after the event (Art. 147) and, if
    its last day is a weekly rest day or a public holiday, ends on the next working day (Art. 148).
    Used for deadlines stated in plain days, e.g. "resolve a first complaint within 30 days".
    """
    _require_date(start)
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    return next_working_day(start + dt.timedelta(days=days))


def working_days_between(a: dt.date, b: dt.date) -> int:
    """How many working days lie in (a, b]: 0 when `b` is not after `a`.

    `working_days_between(start, add_working_days(start, n)) == n`, so it answers both "how many
    working days have been used" (start, today) and "how many are left" (today, deadline).
    """
    _require_date(a)
    _require_date(b)
    count = 0
    day = a + _ONE_DAY
    while day <= b:
        count += is_working_day(day)
        day += _ONE_DAY
    return count

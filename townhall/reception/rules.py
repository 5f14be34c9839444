"""Which office a head holds, which minimum is in force on a date, and the periods it counts in.

Pure date arithmetic over rules loaded once; the queries live in `selectors.py`.
"""

import calendar as std_calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from townhall.units.models import Agency, AgencyKind, Level, Unit

from .models import Office, Per, ReceptionRule

_ONE_DAY = dt.timedelta(days=1)

_PEOPLES_COMMITTEE_CHAIRS = {
    Level.COMMUNE: Office.COMMUNE_PC_CHAIR,
    Level.DISTRICT: Office.DISTRICT_PC_CHAIR,
    Level.PROVINCE: Office.PROVINCE_PC_CHAIR,
}
_PARTY_SECRETARIES = {
    Level.COMMUNE: Office.PARTY_HEAD_COMMUNE,
    Level.DISTRICT: Office.PARTY_HEAD_DISTRICT,
    Level.PROVINCE: Office.PARTY_HEAD_PROVINCE,
}


def office_for(agency_kind: str, level: str) -> Office:
    """The office whose reception minimum the head of an agency of this kind and level owes."""
    if agency_kind == AgencyKind.PEOPLES_COMMITTEE:
        return _PEOPLES_COMMITTEE_CHAIRS[level]
    if agency_kind == AgencyKind.PARTY_COMMITTEE:
        return _PARTY_SECRETARIES[level]
    return Office.OTHER_AGENCY_HEAD


def office_of(agency: Agency) -> Office:
    return office_for(agency.kind, agency.unit.level)


def rule_in_force(
    rules: Iterable[ReceptionRule], office: str, day: dt.date
) -> ReceptionRule | None:
    """The rule for `office` on `day`; if an administrator left two overlapping, the newer."""
    matching = [r for r in rules if r.office == office and r.is_in_force_on(day)]
    return max(matching, key=lambda r: r.valid_from, default=None)


# --- periods --------------------------------------------------------------------------------
def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday around `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    last = std_calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def bounds(per: str, day: dt.date) -> tuple[dt.date, dt.date]:
    return week_bounds(day) if per == Per.WEEK else month_bounds(day)


class PeriodKind:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CHOICES = (MONTH, QUARTER, YEAR)


def period_range(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of month `number`, quarter `number`, or the year."""
    if kind == PeriodKind.MONTH:
        return month_bounds(dt.date(year, number, 1))
    if kind == PeriodKind.QUARTER:
        if not 1 <= number <= 4:
            raise ValueError(f"A quarter is 1 to 4, not {number}")
        first = dt.date(year, 3 * number - 2, 1)
        return first, month_bounds(dt.date(year, 3 * number, 1))[1]
    if kind == PeriodKind.YEAR:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    raise ValueError(f"A period is a month, a quarter or a year, not {kind!r}")


def days_between(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day <= end:
        yield day
        day += _ONE_DAY


# --- what an office owes --------------------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    """`days` reception days owed in the week or month `start`–`end`, under `rule`."""

    start: dt.date
    end: dt.date
    per: str
    days: int
    rule: ReceptionRule


def requirements(
    rules: Iterable[ReceptionRule],
    office: str,
    start: dt.date,
    end: dt.date,
    *,
    unit: Unit | None = None,
) -> list[Requirement]:
    """Every week or month overlapping `start`–`end` in which a rule for `office` is in force.

    A week or month counts whole even when the period cuts it, and is owed under the rule in
    force on its first day inside the period. Days on which `unit` did not exist (a district
    after 30 June 2025) owe nothing.
    """
    rules = [r for r in rules if r.office == office]
    found: dict[tuple[str, dt.date], Requirement] = {}
    for day in days_between(start, end):
        if unit is not None and not unit.is_valid_on(day):
            continue
        rule = rule_in_force(rules, office, day)
        if rule is None:
            continue
        first, last = bounds(rule.per, day)
        if (rule.per, first) not in found:
            found[rule.per, first] = Requirement(first, last, rule.per, rule.days_required, rule)
    return sorted(found.values(), key=lambda r: (r.start, r.per))

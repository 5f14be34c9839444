"""Every read of reception data starts from the access policy here.

Schedules, sessions and entries are visible when their agency's unit lies in the user's
jurisdiction (`policy.jurisdiction_filter(user, "agency__unit")`); outside it they are "not
found". Published schedules are public (the portal lists them).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from townhall.accounts import policy
from townhall.accounts.models import User
from townhall.petitions.models import ConfidentialRead, Kind, Submitter
from townhall.petitions.selectors import HIDDEN, may_see_identity
from townhall.units.models import Agency, Unit

from . import recurrence, rules
from .models import (
    Office,
    ReceptionRule,
    ReceptionSchedule,
    ReceptionSession,
    RegisterEntry,
)


# --- the policy -----------------------------------------------------------------------------
def agencies_for_reception(user) -> QuerySet[Agency]:
    """Agencies in the user's jurisdiction, the ones they may hold receptions for."""
    return policy.agencies_visible_to(user).filter(is_active=True)


def agency_get_for_user(user, pk, *, write: bool = False) -> Agency:
    return policy.get_for_user(agencies_for_reception(user), pk, user=user, write=write)


def unit_get_for_user(user, code: str, day: dt.date) -> Unit:
    """A unit of the user's jurisdiction by its code, as it stood on `day`."""
    unit = policy.units_in_jurisdiction(user).valid_on(day).filter(code=code).first()
    if unit is None:
        raise Http404(f"No administrative unit with code {code} on {day:%d/%m/%Y}")
    return unit


def schedules_visible_to(user) -> QuerySet[ReceptionSchedule]:
    return ReceptionSchedule.objects.filter(
        policy.jurisdiction_filter(user, "agency__unit")
    ).select_related("agency__unit", "head")


def schedule_get_for_user(user, pk, *, write: bool = False) -> ReceptionSchedule:
    return policy.get_for_user(schedules_visible_to(user), pk, user=user, write=write)


def published_schedules(*, on: dt.date) -> QuerySet[ReceptionSchedule]:
    """Schedules in force on `on` that the portal shows to citizens."""
    return (
        ReceptionSchedule.objects.filter(is_published=True, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .select_related("agency__unit", "head")
    )


def sessions_visible_to(user) -> QuerySet[ReceptionSession]:
    return ReceptionSession.objects.filter(
        policy.jurisdiction_filter(user, "agency__unit")
    ).select_related("agency__unit", "received_by", "delegate")


def session_get_for_user(user, pk, *, write: bool = False) -> ReceptionSession:
    return policy.get_for_user(sessions_visible_to(user), pk, user=user, write=write)


def entries_visible_to(user) -> QuerySet[RegisterEntry]:
    return RegisterEntry.objects.filter(
        policy.jurisdiction_filter(user, "session__agency__unit")
    ).select_related("session__agency", "petition__case", "transferred_to")


def entry_get_for_user(user, pk, *, write: bool = False) -> RegisterEntry:
    return policy.get_for_user(entries_visible_to(user), pk, user=user, write=write)


def all_rules() -> list[ReceptionRule]:
    return list(ReceptionRule.objects.all())


def rules_in_force(on: dt.date) -> list[ReceptionRule]:
    loaded = all_rules()
    found = (rules.rule_in_force(loaded, office, on) for office in Office.values)
    return [rule for rule in found if rule is not None]


# --- does a schedule meet the minimum? ------------------------------------------------------
@dataclass(frozen=True)
class PeriodCheck:
    start: dt.date
    end: dt.date
    per: str
    required: int
    days: list[dt.date]
    legal_basis: str

    @property
    def shortfall(self) -> int:
        return max(0, self.required - len(self.days))


@dataclass(frozen=True)
class ScheduleCheck:
    agency: Agency
    office: Office
    periods: list[PeriodCheck]

    @property
    def days(self) -> list[dt.date]:
        return sorted({d for p in self.periods for d in p.days})

    @property
    def shortfall(self) -> int:
        return sum(p.shortfall for p in self.periods)

    @property
    def short_periods(self) -> list[PeriodCheck]:
        return [p for p in self.periods if p.shortfall]


def schedule_check(*, agency: Agency, start: dt.date, end: dt.date) -> ScheduleCheck:
    """The agency's scheduled reception days against the minimum in force in each period."""
    office = rules.office_of(agency)
    owed = rules.requirements(all_rules(), office, start, end, unit=agency.unit)
    span_start = min((r.start for r in owed), default=start)
    span_end = max((r.end for r in owed), default=end)
    schedules = ReceptionSchedule.objects.filter(agency=agency)
    scheduled = sorted(
        {d for s in schedules for d in recurrence.schedule_days(s, span_start, span_end)}
    )
    periods = [
        PeriodCheck(
            start=r.start,
            end=r.end,
            per=r.per,
            required=r.days,
            days=[d for d in scheduled if r.start <= d <= r.end],
            legal_basis=r.rule.legal_basis,
        )
        for r in owed
    ]
    return ScheduleCheck(agency=agency, office=office, periods=periods)


# --- compliance: days required against days held ------------------------------------------
@dataclass(frozen=True)
class PeriodCompliance:
    start: dt.date
    end: dt.date
    per: str
    required: int
    held: int  # distinct days the head received in person
    delegated: int  # distinct further days a deputy received on the head's behalf
    legal_basis: str

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.held)


@dataclass(frozen=True)
class ComplianceRow:
    agency: Agency
    office: Office
    head: User | None
    periods: list[PeriodCompliance] = field(default_factory=list)

    @property
    def required(self) -> int:
        return sum(p.required for p in self.periods)

    @property
    def held(self) -> int:
        return sum(p.held for p in self.periods)

    @property
    def delegated(self) -> int:
        return sum(p.delegated for p in self.periods)

    @property
    def shortfall(self) -> int:
        return sum(p.shortfall for p in self.periods)

    @property
    def legal_basis(self) -> list[str]:
        return sorted({p.legal_basis for p in self.periods})


def _held_days(sessions: QuerySet[ReceptionSession]) -> dict[int, tuple[set, set]]:
    """Per agency: the days a head received in person, and the other days a deputy did."""
    held: dict[int, tuple[set, set]] = {}
    for agency_id, day, delegated in sessions.values_list(
        "agency_id", "date", "is_delegated"
    ).distinct():
        in_person, by_deputy = held.setdefault(agency_id, (set(), set()))
        (by_deputy if delegated else in_person).add(day)
    for in_person, by_deputy in held.values():
        by_deputy -= in_person
    return held


def compliance(user, *, unit: Unit, start: dt.date, end: dt.date) -> list[ComplianceRow]:
    """For every active agency under `unit` in the user's jurisdiction: required reception
    days (from the rule in force on each date, in the weeks or months overlapping the period)
    against the days actually held, with the shortfall.

    The minimum is the head's own duty, so only days the head received in person reduce the
    shortfall; days a deputy received on their behalf are counted beside it. Every kind of
    session counts as a reception day: scheduled, unscheduled and field visits.
    """
    agencies = list(
        agencies_for_reception(user)
        .filter(unit__path__startswith=unit.path)
        .select_related("unit", "head")
        .order_by("unit__path", "kind", "name")
    )
    loaded = all_rules()
    # Agencies of one office on units of one lifetime owe the same: compute that once.
    owed_by_kind: dict[tuple, list[rules.Requirement]] = {}
    owed_by_agency = {}
    for a in agencies:
        key = (rules.office_of(a), a.unit.valid_from, a.unit.valid_to)
        if key not in owed_by_kind:
            owed_by_kind[key] = rules.requirements(loaded, key[0], start, end, unit=a.unit)
        owed_by_agency[a.pk] = owed_by_kind[key]
    starts = [r.start for owed in owed_by_agency.values() for r in owed]
    ends = [r.end for owed in owed_by_agency.values() for r in owed]
    sessions = sessions_visible_to(user).filter(
        agency__in=[a.pk for a in agencies],
        date__gte=min(starts, default=start),
        date__lte=max(ends, default=end),
    )
    held = _held_days(sessions)
    rows = []
    for agency in agencies:
        in_person, by_deputy = held.get(agency.pk, (set(), set()))
        periods = [
            PeriodCompliance(
                start=r.start,
                end=r.end,
                per=r.per,
                required=r.days,
                held=sum(1 for d in in_person if r.start <= d <= r.end),
                delegated=sum(1 for d in by_deputy if r.start <= d <= r.end),
                legal_basis=r.rule.legal_basis,
            )
            for r in owed_by_agency[agency.pk]
        ]
        rows.append(ComplianceRow(agency, rules.office_of(agency), agency.head, periods))
    return rows


# --- the register as a user may see it ------------------------------------------------------
@dataclass(frozen=True)
class Person:
    name: str
    address: str
    id_number: str
    is_representative: bool


@dataclass(frozen=True)
class RegisterRow:
    entry: RegisterEntry
    people: list[Person]
    hidden: bool  # a denouncer's identity this user is not entitled to see

    @property
    def case(self):
        return self.entry.petition.case


def _is_denunciation(entry: RegisterEntry) -> bool:
    return entry.kind == Kind.DENUNCIATION or entry.petition.kind == Kind.DENUNCIATION


def register_rows(user, entries: QuerySet[RegisterEntry], *, purpose: str) -> list[RegisterRow]:
    """Entries with their citizens; a denouncer's identity is hidden unless the user is
    entitled (`may_see_identity`), and every entitled read of one is logged."""
    entries = entries.select_related(
        "session__agency", "session__delegate", "petition__case", "transferred_to"
    ).prefetch_related(Prefetch("petition__submitters", queryset=Submitter.objects.order_by("pk")))
    rows = []
    for entry in entries:
        case = entry.petition.case
        if not may_see_identity(user, case):
            rows.append(RegisterRow(entry, [Person(HIDDEN, "", "", False)], hidden=True))
            continue
        if _is_denunciation(entry) or case.kind == Kind.DENUNCIATION:
            ConfidentialRead.objects.create(user=user, case=case, purpose=purpose)
        people = [
            Person(p.name, p.address, p.id_number, p.is_representative)
            for p in entry.petition.submitters.all()
        ]
        rows.append(RegisterRow(entry, people, hidden=False))
    return rows

"""The inspection of the regulation for a jurisdiction and a year: what the Standing Committee
uses when it "organizes an inspection of the implementation of the regulation".

Three parts, each read through the access policy of the user asking:

- dialogues: every unit in the jurisdiction with a frequency rule in force (`DialogueRule`,
  a province's own rule before the national one), the dialogues it owes in the year, the ones
  it held (hosted by the unit, status held or later) and the shortfall, with who chaired them;
- reception: every agency head's reception days required and held in person
  (`townhall.reception.selectors.compliance`);
- directives: every agency with overdue or late directives
  (`townhall.dialogues.selectors.slow_agencies`) and its overdue directives, as of today.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from townhall.accounts import policy
from townhall.core.dates import today
from townhall.dialogues import selectors as dialogue_selectors
from townhall.dialogues.models import Conference, ConferenceChair, Directive
from townhall.reception import selectors as reception_selectors
from townhall.units.models import Agency, AgencyKind, Unit

from .models import DialogueRule
from .statistics_dialogues import HELD_STATUSES, directive_overdue_q


def province_code(unit: Unit) -> str:
    return unit.path.strip("/").split("/")[1]


def rule_for(rules: list[DialogueRule], unit: Unit, day: dt.date) -> DialogueRule | None:
    """The rule for the unit's level on `day`: its province's own rule if one is in force,
    otherwise the national one; the newest if an administrator left two overlapping."""
    code = province_code(unit)
    matching = [
        r
        for r in rules
        if r.level == unit.level and r.is_in_force_on(day) and r.province_code in ("", code)
    ]
    return max(matching, key=lambda r: (bool(r.province_code), r.valid_from), default=None)


@dataclass
class DialogueRow:
    unit: Unit
    required: int
    held: int
    legal_basis: str
    chairs: list[tuple[str, int]] = field(default_factory=list)  # (title, dialogues chaired)
    heads: list[str] = field(default_factory=list)  # heads of the Party and People's Committees

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.held)


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _units_in_year(user, unit: Unit, start: dt.date, end: dt.date):
    return (
        policy.units_in_jurisdiction(user)
        .filter(path__startswith=unit.path)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=end))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    )


def dialogue_compliance(user, *, unit: Unit, year: int) -> list[DialogueRow]:
    """Required, held and shortfall for every unit under `unit` that owes dialogues."""
    start, end = _year_bounds(year)
    units = list(_units_in_year(user, unit, start, end).order_by("path"))
    rules = list(DialogueRule.objects.all())
    owed = {}
    for u in units:
        rule = rule_for(rules, u, max(start, u.valid_from or start))
        if rule is not None:
            owed[u.pk] = rule
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))

    def held_q(prefix: str = "") -> Q:
        return Q(
            **{
                f"{prefix}status__in": HELD_STATUSES,
                f"{prefix}held_at__gte": first,
                f"{prefix}held_at__lt": after,
                f"{prefix}host_unit__in": list(owed),
            }
        )

    held = dict(
        Conference.objects.filter(held_q())
        .order_by()
        .values("host_unit")
        .annotate(n=Count("pk"))
        .values_list("host_unit", "n")
    )
    chairs = defaultdict(list)
    rows = (
        ConferenceChair.objects.filter(held_q("conference__"))
        .values("conference__host_unit", "title")
        .annotate(n=Count("conference", distinct=True))
        .order_by("conference__host_unit", "-n", "title")
    )
    for row in rows:
        chairs[row["conference__host_unit"]].append((row["title"], row["n"]))
    heads = defaultdict(list)
    kinds = (AgencyKind.PARTY_COMMITTEE, AgencyKind.PEOPLES_COMMITTEE)
    for agency in Agency.objects.filter(
        unit__in=list(owed), kind__in=kinds, is_active=True
    ).order_by("kind", "name"):
        heads[agency.unit_id].append(agency.head_title or agency.name)
    return [
        DialogueRow(
            unit=u,
            required=owed[u.pk].per_year,
            held=held.get(u.pk, 0),
            legal_basis=owed[u.pk].legal_basis,
            chairs=chairs.get(u.pk, []),
            heads=heads.get(u.pk, []),
        )
        for u in units
        if u.pk in owed
    ]


@dataclass
class AgencyDirectives:
    agency: Agency
    overdue: int
    done_late: int
    open: int
    total: int
    directives: list[Directive]


def directive_compliance(user, *, unit: Unit, on: dt.date) -> list[AgencyDirectives]:
    """Agencies under `unit` with overdue or late directives, and their overdue directives."""
    slow = [
        s
        for s in dialogue_selectors.slow_agencies(user, on=on)
        if s.agency.unit.path.startswith(unit.path)
    ]
    overdue = defaultdict(list)
    found = (
        dialogue_selectors.directives_visible_to(user)
        .filter(directive_overdue_q(on), assignee__in=[s.agency.pk for s in slow])
        .select_related("conclusion__conference")
        .order_by("deadline", "pk")
    )
    for directive in found:
        overdue[directive.assignee_id].append(directive)
    return [
        AgencyDirectives(
            s.agency, s.overdue, s.done_late, s.open, s.total, overdue.get(s.agency.pk, [])
        )
        for s in slow
    ]


@dataclass
class Inspection:
    unit: Unit
    year: int
    on: dt.date
    dialogues: list[DialogueRow]
    reception: list[reception_selectors.ComplianceRow]
    agencies: list[AgencyDirectives]

    @property
    def units_short(self) -> list[DialogueRow]:
        return [r for r in self.dialogues if r.shortfall]

    @property
    def heads_short(self) -> list[reception_selectors.ComplianceRow]:
        return [r for r in self.reception if r.shortfall]


def inspection(user, *, unit: Unit, year: int, on: dt.date | None = None) -> Inspection:
    start, end = _year_bounds(year)
    on = on or today()
    return Inspection(
        unit=unit,
        year=year,
        on=on,
        dialogues=dialogue_compliance(user, unit=unit, year=year),
        reception=reception_selectors.compliance(user, unit=unit, start=start, end=end),
        agencies=directive_compliance(user, unit=unit, on=on),
    )

"""Hotspots (điểm nóng): the localities with the most unresolved matters, each with its reasons,
and the places to suggest for the next dialogues.

A unit's matters are its open cases — how many, how many overdue, mass (5 or more people),
prolonged (pursued after a final decision, or far past the deadline) and over-level — and the
overdue directives of the conferences it hosted. Each counts with a weight (`WEIGHTS`) into a
score; the reasons say what the score is made of, with the cases behind it. Everything is read
through the user's access policy (`cases_visible_to`, `directives_visible_to`).

"Suggest venues": the hotspots where no dialogue was held in the last year come first (the
district leaders "chose places with issues that need to be resolved to hold the conference"),
with the topics most raised there and the cases to put on the agenda.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Max, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from townhall.core.dates import format_vn, today
from townhall.dialogues import selectors as dialogue_selectors
from townhall.dialogues.models import Conference
from townhall.petitions.models import Case
from townhall.petitions.selectors import cases_visible_to
from townhall.units.models import Unit

from .statistics_dialogues import HELD_STATUSES, directive_overdue_q
from .statistics_petitions import CASE_OPEN_Q, case_overdue_q, mass_q, over_level_q, prolonged_q

# How much each kind of matter weighs in the ranking (a mass or prolonged matter weighs most).
WEIGHTS = {
    "open": 1,
    "overdue": 2,
    "mass": 3,
    "prolonged": 3,
    "over_level": 2,
    "overdue_directives": 2,
}
CASES_PER_HOTSPOT = 5
QUIET_DAYS = 365  # a dialogue within this many days makes a place less urgent to visit


@dataclass
class Hotspot:
    unit: Unit
    counts: dict[str, int]
    score: int
    reasons: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    last_dialogue: dt.date | None = None


def _reasons(counts: dict[str, int]) -> list[str]:
    texts = {
        "open": lambda n: ngettext("%(n)d open case", "%(n)d open cases", n),
        "overdue": lambda n: ngettext(
            "%(n)d case past its deadline", "%(n)d cases past their deadline", n
        ),
        "mass": lambda n: ngettext(
            "%(n)d mass case (5 or more people)", "%(n)d mass cases (5 or more people)", n
        ),
        "prolonged": lambda n: ngettext("%(n)d prolonged case", "%(n)d prolonged cases", n),
        "over_level": lambda n: ngettext("%(n)d over-level case", "%(n)d over-level cases", n),
        "overdue_directives": lambda n: ngettext(
            "%(n)d conclusion directive overdue", "%(n)d conclusion directives overdue", n
        ),
    }
    order = ("mass", "prolonged", "over_level", "overdue", "overdue_directives", "open")
    return [texts[k](counts[k]) % {"n": counts[k]} for k in order if counts.get(k)]


def hotspots(user, *, unit: Unit, on: dt.date | None = None, limit: int = 20) -> list[Hotspot]:
    """Units under `unit` ranked by their weighted unresolved matters, highest first."""
    on = on or today()
    cases = cases_visible_to(user).filter(
        CASE_OPEN_Q, unit__path__startswith=unit.path, merged_into__isnull=True
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = (
        cases.order_by()
        .values("unit")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=case_overdue_q(on)),
            mass=Count("pk", filter=mass_q()),
            prolonged=Count("pk", filter=prolonged_q(on)),
            over_level=Count("pk", filter=over_level_q()),
        )
    )
    for row in rows:
        counts[row.pop("unit")].update(row)
    directives = (
        dialogue_selectors.directives_visible_to(user)
        .filter(
            directive_overdue_q(on),
            conclusion__conference__host_unit__path__startswith=unit.path,
        )
        .order_by()
        .values("conclusion__conference__host_unit")
        .annotate(n=Count("pk"))
    )
    for row in directives:
        counts[row["conclusion__conference__host_unit"]]["overdue_directives"] += row["n"]
    scored = sorted(
        ((sum(WEIGHTS[k] * v for k, v in c.items()), pk) for pk, c in counts.items()),
        key=lambda item: (-item[0], item[1]),
    )[:limit]
    units = Unit.objects.in_bulk([pk for _, pk in scored])
    found = [
        Hotspot(units[pk], {k: counts[pk].get(k, 0) for k in WEIGHTS}, score)
        for score, pk in scored
        if score > 0
    ]
    _explain(found, cases, on)
    return found


def _explain(found: list[Hotspot], cases, on: dt.date) -> None:
    """Reasons, the cases behind them, the topics most raised and the last dialogue held."""
    ids = [h.unit.pk for h in found]
    # The first few cases of each unit, flagged ones first, soonest deadline first.
    flagged = ExpressionWrapper(
        mass_q() | prolonged_q(on) | over_level_q() | case_overdue_q(on),
        output_field=BooleanField(),
    )
    ranked = (
        cases.filter(unit__in=ids)
        .alias(
            rank=Window(
                RowNumber(),
                partition_by=[F("unit")],
                order_by=[flagged.desc(), F("due").asc(nulls_last=True), F("received_at").asc()],
            )
        )
        .filter(rank__lte=CASES_PER_HOTSPOT)
        .order_by("unit", "due", "received_at")
    )
    by_unit = defaultdict(list)
    for case in ranked:
        by_unit[case.unit_id].append(case)
    topics = defaultdict(list)
    rows = (
        cases.filter(unit__in=ids)
        .order_by()
        .values("unit", "topic__name")
        .annotate(n=Count("pk"))
        .order_by("unit", "-n", "topic__name")
    )
    for row in rows:
        if len(topics[row["unit"]]) < 3:
            topics[row["unit"]].append(row["topic__name"])
    last = dict(
        Conference.objects.filter(host_unit__in=ids, status__in=HELD_STATUSES)
        .order_by()
        .values("host_unit")
        .annotate(at=Max("held_at"))
        .values_list("host_unit", "at")
    )
    for hotspot in found:
        pk = hotspot.unit.pk
        hotspot.reasons = _reasons(hotspot.counts)
        hotspot.cases = by_unit.get(pk, [])
        hotspot.topics = topics.get(pk, [])
        held = last.get(pk)
        hotspot.last_dialogue = held.date() if held else None


@dataclass
class Venue:
    hotspot: Hotspot
    why: str


def suggest_venues(user, *, unit: Unit, on: dt.date | None = None, limit: int = 5) -> list[Venue]:
    """Where to hold the next dialogues: hotspots with no dialogue in the last year first."""
    on = on or today()
    quiet_since = on - dt.timedelta(days=QUIET_DAYS)
    ranked = hotspots(user, unit=unit, on=on, limit=limit * 4)
    quiet = [h for h in ranked if h.last_dialogue is None or h.last_dialogue < quiet_since]
    visited = [h for h in ranked if h not in quiet]
    venues = []
    for hotspot in (quiet + visited)[:limit]:
        if hotspot.last_dialogue is None:
            why = _("No dialogue has been held here")
        elif hotspot.last_dialogue < quiet_since:
            why = _("The last dialogue here was on %(day)s") % {
                "day": format_vn(hotspot.last_dialogue)
            }
        else:
            why = _("A dialogue was held on %(day)s, but matters remain unresolved") % {
                "day": format_vn(hotspot.last_dialogue)
            }
        venues.append(Venue(hotspot, why))
    return venues

"""Flags derived from the data, each with the reason shown to staff: the one place of the rules.

The facts come from the case row: `people` and `over_level` are kept there by the services
(`services._recount`), so a flag costs no query, and the same rules read as `Q` objects serve the
'flagged' worklist and the statistics.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from townhall.core.dates import format_vn, today

from .models import OPEN_STATUSES, Case

MASS_THRESHOLD = 5  # 5 or more people with the same content


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str


def prolonged_margin_days() -> int:
    return getattr(settings, "TOWNHALL_PROLONGED_MARGIN_DAYS", 30)


def days_late(case: Case, on: dt.date) -> int:
    if case.status in OPEN_STATUSES and case.due:
        return (on - case.due).days
    return 0


def case_flags(case: Case, *, on: dt.date | None = None) -> list[Flag]:
    on = on or today()
    flags = []
    if case.people >= MASS_THRESHOLD:
        flags.append(Flag("mass", f"{case.people} people raised the same matter (5 or more)"))
    if case.reopened_after_final:
        flags.append(Flag("prolonged", "Pursued again after a final decision"))
    elif days_late(case, on) > prolonged_margin_days():
        flags.append(
            Flag(
                "prolonged",
                f"Open {days_late(case, on)} days past its deadline of {format_vn(case.due)}",
            )
        )
    if case.over_level:
        flags.append(
            Flag("over_level", "Sent to a level above the competent body before it decided")
        )
    return flags


# --- the same rules as filters on Case ------------------------------------------------------
def mass_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}people__gte": MASS_THRESHOLD})


def over_level_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}over_level": True})


def prolonged_after_final_q(prefix: str = "") -> Q:
    """Pursued again after a final decision (does not depend on the day)."""
    return Q(**{f"{prefix}reopened_after_final__gt": 0})


def prolonged_late_q(on: dt.date, prefix: str = "") -> Q:
    """Open past its deadline by more than the margin on `on`."""
    late = on - dt.timedelta(days=prolonged_margin_days())
    return Q(**{f"{prefix}status__in": OPEN_STATUSES, f"{prefix}due__lt": late})


def prolonged_q(on: dt.date, prefix: str = "") -> Q:
    return prolonged_after_final_q(prefix) | prolonged_late_q(on, prefix)


def flagged_q(on: dt.date, prefix: str = "") -> Q:
    return mass_q(prefix) | over_level_q(prefix) | prolonged_q(on, prefix)

"""Flags derived from the data, each with the reason shown to staff."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from townhall.core.dates import format_vn, today

from .models import OPEN_STATUSES, Case

MASS_THRESHOLD = 5  # 5 or more people with the same content


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str


def prolonged_margin_days() -> int:
    return getattr(settings, "TOWNHALL_PROLONGED_MARGIN_DAYS", 30)


def distinct_people(case: Case) -> int:
    """Distinct signatories across the case's petitions, or a group's declared size."""
    from .models import Submitter

    signed = Submitter.objects.filter(petition__case=case).values("person_key").distinct().count()
    declared = max((p.people_count for p in case.petitions.all()), default=0)
    return max(signed, declared)


def case_flags(case: Case, *, on: dt.date | None = None) -> list[Flag]:
    on = on or today()
    flags = []
    people = distinct_people(case)
    if people >= MASS_THRESHOLD:
        flags.append(Flag("mass", f"{people} people raised the same matter (5 or more)"))
    if case.reopened_after_final:
        flags.append(Flag("prolonged", "Pursued again after a final decision"))
    elif case.status in OPEN_STATUSES and case.due:
        late = (on - case.due).days
        if late > prolonged_margin_days():
            flags.append(
                Flag("prolonged", f"Open {late} days past its deadline of {format_vn(case.due)}")
            )
    over = [p for p in case.petitions.all() if p.over_level]
    if over:
        flags.append(
            Flag(
                "over_level",
                f"{len(over)} petition(s) sent to a level above the competent body "
                "before it decided",
            )
        )
    return flags

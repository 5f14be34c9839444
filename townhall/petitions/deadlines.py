"""Legal deadlines from the rule table (rules are data, with effective dates)."""

import datetime as dt

from townhall.core import calendar
from townhall.core.reference import Reference

from .errors import PetitionError
from .models import DayType, DeadlineRule, Step

_RULES: Reference[tuple[DeadlineRule, ...]] = Reference(
    lambda: tuple(DeadlineRule.objects.all())
).watch(DeadlineRule)


def rules_for(*, kind: str, steps: tuple[str, ...], on: dt.date) -> dict[str, DeadlineRule]:
    """The rules in force on `on` for this kind and each step (the rule table is kept per
    process for `REFERENCE_CACHE_SECONDS`, core/reference.py); for each step a
    kind-specific rule wins over a general one, then the latest `valid_from`. A step with no
    rule is absent."""
    chosen: dict[str, DeadlineRule] = {}
    for rule in _RULES.get():
        in_force = rule.valid_from <= on and (rule.valid_to is None or on <= rule.valid_to)
        if rule.step not in steps or rule.kind not in (kind, "") or not in_force:
            continue
        best = chosen.get(rule.step)
        if best is None or (rule.kind != "", rule.valid_from) > (best.kind != "", best.valid_from):
            chosen[rule.step] = rule
    return chosen


def rule_for(*, kind: str, step: str, on: dt.date) -> DeadlineRule | None:
    """The rule in force on `on` for this kind and step; a kind-specific rule wins."""
    return rules_for(kind=kind, steps=(step,), on=on).get(step)


def rule_days(rule: DeadlineRule, *, is_complex: bool = False, is_remote: bool = False) -> int:
    if is_remote and is_complex and rule.remote_complex_days:
        return rule.remote_complex_days
    if is_remote and rule.remote_days:
        return rule.remote_days
    if is_complex and rule.complex_days:
        return rule.complex_days
    return rule.days


def count_from(rule: DeadlineRule, start: dt.date, days: int) -> dt.date:
    if rule.day_type == DayType.WORKING:
        return calendar.add_working_days(start, days)
    # Calendar-day periods ending on a day off move to the next working day (Civil Code, 148).
    return calendar.period_end(start, days)


def due_for(
    *, kind: str, step: str, start: dt.date, is_complex: bool = False, is_remote: bool = False
) -> dt.date | None:
    return dues_for(
        kind=kind, steps=(step,), start=start, is_complex=is_complex, is_remote=is_remote
    )[step]


def dues_for(
    *,
    kind: str,
    steps: tuple[str, ...],
    start: dt.date,
    is_complex: bool = False,
    is_remote: bool = False,
) -> dict[str, dt.date | None]:
    """The deadline of each step counted from `start` (None where no rule is in force)."""
    rules = rules_for(kind=kind, steps=steps, on=start)
    return {
        step: None
        if (rule := rules.get(step)) is None
        else count_from(rule, start, rule_days(rule, is_complex=is_complex, is_remote=is_remote))
        for step in steps
    }


def resolve_step(kind: str, instance: int) -> str:
    return Step.RESOLVE_SECOND if instance >= 2 else Step.RESOLVE


def extended_due(
    *, kind: str, instance: int, accepted_on: dt.date, current_due: dt.date, extensions_so_far: int
) -> dt.date:
    """The new deadline after one more extension, or PetitionError when the law allows none."""
    rule = rule_for(kind=kind, step=resolve_step(kind, instance), on=accepted_on)
    if rule is None or rule.max_extensions == 0:
        raise PetitionError(
            "This kind of case cannot be extended under the rule in force", field="extension"
        )
    if extensions_so_far >= rule.max_extensions:
        raise PetitionError(
            f"The deadline was already extended {extensions_so_far} time(s); the rule "
            f"({rule.legal_basis or rule}) allows at most {rule.max_extensions}",
            field="extension",
        )
    return count_from(rule, current_due, rule.extension_days)

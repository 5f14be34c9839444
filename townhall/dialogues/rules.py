"""The legal timing of a dialogue conference, per level and period.

DATA-TO-BE: these rows are a constant for now, shaped like the table an administrator will edit
(one row per level with a validity period, as `petitions.DeadlineRule` and
`reception.ReceptionRule` are). Moving them into a model with a seed migration changes
`rule_for` only; callers already ask "which rule is in force for this level on this day".

- Commune level: the Law on Organisation of Local Government (2025, Art. 43) requires a commune
  dialogue to be announced at least 7 days ahead and its results published within 10 days.
  Announcing later is refused.
- District and province levels: no statutory notice; provincial regulations such as 03-QC/TU
  expect the same practice, so a short notice is allowed but recorded as a warning.
"""

import datetime as dt
from dataclasses import dataclass

from townhall.units.models import Level


@dataclass(frozen=True)
class DialogueRule:
    level: str
    announce_days_ahead: int
    refuse_short_notice: bool  # True: refuse; False: allow and record a warning
    publish_within_days: int
    legal_basis: str
    valid_from: dt.date
    valid_to: dt.date | None = None

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


_LAW = "Luật Tổ chức chính quyền địa phương 2025, Điều 43; Quy chế 03-QC/TU (Hải Dương)"
_PRACTICE = "Quy chế 03-QC/TU ngày 18/3/2021 (Hải Dương): thực hành, không bắt buộc"
_SINCE = dt.date(2021, 3, 18)

RULES: tuple[DialogueRule, ...] = (
    DialogueRule(Level.COMMUNE, 7, True, 10, _LAW, _SINCE),
    DialogueRule(Level.DISTRICT, 7, False, 10, _PRACTICE, _SINCE, dt.date(2025, 6, 30)),
    DialogueRule(Level.PROVINCE, 7, False, 10, _PRACTICE, _SINCE),
)
# When no row matches (a level or date outside the table): the commune rule's numbers, warn only.
FALLBACK = DialogueRule("", 7, False, 10, _PRACTICE, dt.date.min)


def rule_for(level: str, day: dt.date) -> DialogueRule:
    """The rule in force for a conference of `level` held on `day` (newest row wins)."""
    matching = [r for r in RULES if r.level == level and r.is_in_force_on(day)]
    return max(matching, key=lambda r: r.valid_from, default=FALLBACK)

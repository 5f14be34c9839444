"""Units by their official code, as the API and the forms name them (kept per process:
`core.reference`; a code is read from the database once a minute, not on every request)."""

import datetime as dt

from townhall.core.reference import Reference
from townhall.core.statements import Statement, objects

from .models import Unit

_BY_CODE: Reference[dict[str, tuple[Unit, ...]]] = Reference(dict).watch(Unit)
_FIELDS = tuple(f.attname for f in Unit._meta.concrete_fields)
_WITH_CODE = Statement(
    lambda code: Unit.objects.filter(code=code).order_by("era").values_list(*_FIELDS)
)
"""A code not yet kept in this process: compiled once (core/statements.py), since each code is
read again once a minute per process."""


def units_with_code(code: str) -> tuple[Unit, ...]:
    """Every unit with this code, one per era (era order). A code not found is read again next
    time, so a unit loaded since is seen at once."""
    code = code.strip()
    known = _BY_CODE.get()
    units = known.get(code)
    if units is None:
        units = tuple(objects(row, (Unit, _FIELDS))[0] for row in _WITH_CODE.rows(code))
        if units:
            known[code] = units
    return units


def unit_with_code(code: str, *, era: str | None = None, on: dt.date | None = None) -> Unit | None:
    """The unit with this code in `era`, or the one valid `on` that day, else None."""
    for unit in units_with_code(code):
        if (era is None or unit.era == era) and (on is None or unit.is_valid_on(on)):
            return unit
    return None

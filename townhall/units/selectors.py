"""Units by their official code, as the API and the forms name them, and agencies by id (kept
per process: `core.reference`; each is read from the database once a minute, not on every
request)."""

import datetime as dt

from townhall.core.reference import Reference
from townhall.core.statements import Statement, objects

from .models import Agency, Unit

_BY_CODE: Reference[dict[str, tuple[Unit, ...]]] = Reference(dict).watch(Unit)
_FIELDS = tuple(f.attname for f in Unit._meta.concrete_fields)
_WITH_CODE = Statement(
    lambda code: Unit.objects.filter(code=code).order_by("era").values_list(*_FIELDS)
)
"""A code not yet kept in this process: compiled once (core/statements.py), since each code is
read again once a minute per process."""


_BY_ID: Reference[dict[int, Agency]] = Reference(dict).watch(Agency, Unit)
_AGENCY_FIELDS = tuple(f.attname for f in Agency._meta.concrete_fields)
_AGENCY = Statement(
    lambda pk: Agency.objects.filter(pk=pk).values_list(
        *_AGENCY_FIELDS, *(f"unit__{name}" for name in _FIELDS)
    )
)


def agency_with_id(pk: int) -> Agency | None:
    """The agency `pk` with its unit, active or not, or None; kept per process for a minute
    like the units (an agency retired elsewhere is seen within `REFERENCE_CACHE_SECONDS`).
    Whether the user may name it is the policy's (`policy.active_agency`); shared objects: not
    to be changed."""
    known = _BY_ID.get()
    agency = known.get(pk)
    if agency is None:
        rows = _AGENCY.rows(pk)
        if not rows:
            return None  # not kept: an unknown id is read again
        agency, agency.unit = objects(rows[0], (Agency, _AGENCY_FIELDS), (Unit, _FIELDS))
        known[pk] = agency
    return agency


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

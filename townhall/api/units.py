"""Public, read-only administrative units."""

import datetime as dt

from django.http import Http404
from ninja import Field, Router

from townhall.accounts import policy
from townhall.core.dates import today
from townhall.units.models import Unit

from .schemas import Schema, Text

router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    level: str
    parent: str | None = Field(None, description="The parent unit's code")
    valid_from: dt.date | None
    valid_to: dt.date | None

    @staticmethod
    def resolve_parent(obj: Unit) -> str | None:
        return obj.parent.code if obj.parent_id else None


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str


def _unit_on(code: str, day: dt.date) -> Unit:
    unit = (
        policy.units_visible_to(None)
        .valid_on(day)
        .select_related("parent")
        .filter(code=code)
        .first()
    )
    if unit is None:
        raise Http404(f"No administrative unit with code {code} on {day:%d/%m/%Y}")
    return unit


@router.get(
    "/units",
    response={200: list[UnitOut], 404: ProblemOut, 422: ProblemOut},
    summary="Units under a parent (provinces when no parent is given), as of a date",
)
def list_units(request, parent: Text | None = None, as_of: dt.date | None = None):
    day = as_of or today()
    units = policy.units_visible_to(None).valid_on(day).select_related("parent")
    if parent is None:
        units = units.filter(parent__isnull=True)
    else:
        units = units.filter(parent=_unit_on(parent, day))
    return list(units.order_by("code"))


@router.get(
    "/units/{code}",
    response={200: UnitOut, 404: ProblemOut, 422: ProblemOut},
    summary="One unit by its official code, as of a date",
)
def get_unit(request, code: Text, as_of: dt.date | None = None):
    return _unit_on(code, as_of or today())

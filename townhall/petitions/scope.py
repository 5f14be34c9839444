"""Where a case belongs: the unit paths the access policy matches (models.CaseScope).

A case is in a user's jurisdiction when its locality, or the unit of its receiving, competent or
assigned agency, lies under one of the user's units. CaseScope holds one row per unit that
contains one of those four: each path and every ancestor of it (`with_ancestors`), rewritten
here whenever one of them changes. A user's unit is then found by equality, one row per case
(docs/decisions/0017): a province's list is one range of the index in its order, counted
without removing duplicates.
"""

from collections.abc import Iterable

from townhall.core import statements
from townhall.units.models import Agency, Unit

from .models import SCOPE_FACTS, Case, CaseScope


def with_ancestors(paths: Iterable[str]) -> set[str]:
    """Each unit path ("<era>/<province>/<district>/<commune>/") and the paths of the units
    above it: every prefix that ends a segment, from the province down (no unit is an era)."""
    out = set()
    for path in paths:
        ends = [i for i, ch in enumerate(path) if ch == "/"]
        out.update(path[: end + 1] for end in ends[1:])
    return out


def paths_of(case: Case) -> set[str]:
    paths = {Unit.objects.values_list("path", flat=True).get(pk=case.unit_id)}
    agency_ids = {
        case.receiving_agency_id,
        case.competent_agency_id,
        case.assigned_agency_id,
    } - {None}
    paths.update(Agency.objects.filter(pk__in=agency_ids).values_list("unit__path", flat=True))
    return with_ancestors(paths)


def start(
    case: Case, unit: Unit, receiving_agency: Agency, *, batch: statements.Batch | None = None
) -> None:
    """The scope of a case just created: its locality and its receiving agency; with `batch`,
    written with it. The rows carry the case's facts as they are written (in a batch the
    trigger that copies them cannot see the case, ADR 0018)."""
    paths = sorted(with_ancestors([unit.path, receiving_agency.unit.path]))
    facts = {name: getattr(case, name) for name in SCOPE_FACTS}
    rows = [CaseScope(case=case, path=p, live=case.merged_into_id is None, **facts) for p in paths]
    if batch is not None:
        batch.add(rows)
    else:
        statements.insert(rows)


def refresh(case: Case) -> None:
    """Make the case's scope rows match its locality and agencies now."""
    wanted = paths_of(case)
    have = set(CaseScope.objects.filter(case=case).values_list("path", flat=True))
    if have - wanted:
        CaseScope.objects.filter(case=case, path__in=have - wanted).delete()
    CaseScope.objects.bulk_create([CaseScope(case=case, path=p) for p in wanted - have])

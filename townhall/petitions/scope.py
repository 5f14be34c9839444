"""Where a case belongs: the unit paths the access policy matches (models.CaseScope).

A case is in a user's jurisdiction when its locality, or the unit of its receiving, competent or
assigned agency, lies under one of the user's units. Those four paths are kept as rows of
CaseScope, rewritten here whenever one of them changes; `cases_visible_to` reads them.
"""

from townhall.units.models import Agency, Unit

from .models import Case, CaseScope


def paths_of(case: Case) -> set[str]:
    paths = {Unit.objects.values_list("path", flat=True).get(pk=case.unit_id)}
    agency_ids = {
        case.receiving_agency_id,
        case.competent_agency_id,
        case.assigned_agency_id,
    } - {None}
    paths.update(Agency.objects.filter(pk__in=agency_ids).values_list("unit__path", flat=True))
    return paths


def start(case: Case, unit: Unit, receiving_agency: Agency) -> None:
    """The scope of a case just created: its locality and its receiving agency."""
    paths = {unit.path, receiving_agency.unit.path}
    CaseScope.objects.bulk_create([CaseScope(case=case, path=p) for p in paths])


def refresh(case: Case) -> None:
    """Make the case's scope rows match its locality and agencies now."""
    wanted = paths_of(case)
    have = set(CaseScope.objects.filter(case=case).values_list("path", flat=True))
    if have - wanted:
        CaseScope.objects.filter(case=case, path__in=have - wanted).delete()
    CaseScope.objects.bulk_create([CaseScope(case=case, path=p) for p in wanted - have])

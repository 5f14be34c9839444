"""Statistics follow the 1 July 2025 reform through units.Succession, with known answers.

Five cases, one each, through the intake service:
A three-level Thị trấn Phú Thái (10750, Kim Thành, Hải Dương 30), 10/03/2025;
B a three-level commune of the old Hải Phòng (31), 01/04/2025;
C two-level Xã Phú Thái (10750, Hải Phòng 31), 01/08/2025;
D two-level Phường Hải Dương (10525, Hải Phòng 31), 01/09/2025;
E three-level Thị trấn Phú Thái again, 01/05/2024.
"""

import datetime as dt

import pytest

from tests.cast import make_user
from tests.petitions.helpers import DAM_CHO, at
from townhall.accounts.models import Role
from townhall.petitions import services
from townhall.petitions.models import Case, Petition, Topic
from townhall.reports import statistics, statistics_petitions
from townhall.units.loader import import_successions
from townhall.units.models import Agency, Era, Unit

pytestmark = pytest.mark.django_db

YEAR_2025 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _unit(era: str, code: str) -> Unit:
    return Unit.objects.get(era=era, code=code)


def _old_hai_phong_commune() -> Unit:
    return (
        Unit.objects.filter(
            era=Era.THREE_LEVEL, level="commune", path__startswith="three_level/31/"
        )
        .order_by("code")
        .first()
    )


def _receive(unit: Unit, when: dt.datetime, clerk, agency) -> None:
    services.petition_receive(
        intake=services.Intake(
            kind="complaint",
            channel="mail",
            unit=unit,
            topic=Topic.objects.get(code="land"),
            text=DAM_CHO,
            received_at=when,
            receiving_agency=agency,
            submitters=[services.SubmitterData(name="Nguyễn Văn An")],
        ),
        actor=clerk,
    )


@pytest.fixture
def world(units):
    agency = Agency.objects.create(unit=_unit(Era.TWO_LEVEL, "31"), name="UBND TP Hải Phòng")
    clerk = make_user("clerk.lineage", Role.CLERK, agency)
    old_hp = _old_hai_phong_commune()
    cases = {
        "A": (_unit(Era.THREE_LEVEL, "10750"), at(2025, 3, 10)),
        "B": (old_hp, at(2025, 4, 1)),
        "C": (_unit(Era.TWO_LEVEL, "10750"), at(2025, 8, 1)),
        "D": (_unit(Era.TWO_LEVEL, "10525"), at(2025, 9, 1)),
        "E": (_unit(Era.THREE_LEVEL, "10750"), at(2024, 5, 1)),
    }
    for unit, when in cases.values():
        _receive(unit, when, clerk, agency)
    return old_hp


def _cases(code: str, start: dt.date, end: dt.date, **options) -> tuple[dict, statistics.Scope]:
    scope = statistics.scope_build(code=code, start=start, end=end, **options)
    return statistics_petitions.petition_figures(scope), scope


def _check_breakdown(figures: dict) -> None:
    assert sum(row["cases"] for row in figures["by_unit"]) == figures["cases"]


def test_a_2025_statistic_of_a_two_level_province_includes_its_predecessors(world):
    figures, scope = _cases("31", *YEAR_2025)
    assert scope.unit.era == Era.TWO_LEVEL
    assert figures["cases"] == 4  # A (Hải Dương), B (old Hải Phòng), C, D
    lineage = {row["code"]: row["cases"] for row in figures["by_unit"] if row.get("lineage")}
    assert lineage == {"30": 1, "31": 1}
    _check_breakdown(figures)
    records = statistics.records("petitions", scope, "cases")
    assert records.count() == 4


def test_a_2025_statistic_of_a_three_level_province_follows_its_own_successors(world):
    """Hải Dương (30) is gone after 1 July: the new communes that succeeded only its communes
    count (C, D), not the new Hải Phòng, which also succeeded the old Hải Phòng (B)."""
    figures, scope = _cases("30", *YEAR_2025)
    assert scope.unit.era == Era.THREE_LEVEL
    assert figures["cases"] == 3  # A, C, D
    assert "two_level/31/" not in {u.path for u in scope.lineage}
    _check_breakdown(figures)
    assert statistics.records("petitions", scope, "cases").count() == 3


def test_a_commune_across_the_reform_and_a_split_predecessor(world):
    figures, scope = _cases("10750", *YEAR_2025)
    assert figures["cases"] == 2  # A then C
    own, _ = _cases("10750", *YEAR_2025, own=True)
    assert own["cases"] == 2
    # The old 10750 also declared a successor in another province: split, it counts for
    # neither of them any more.
    hanoi_commune = Unit.objects.filter(era=Era.TWO_LEVEL, path__startswith="two_level/01/")
    other = hanoi_commune.filter(level="commune").order_by("code").first()
    import_successions(["old_code,new_code", f"10750,{other.code}"])
    figures, _ = _cases("10750", *YEAR_2025)
    assert figures["cases"] == 1  # C only


def test_no_lineage_within_one_era(world):
    figures, scope = _cases("30", dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert scope.lineage == () and figures["cases"] == 1  # E
    figures, scope = _cases("31", dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    assert scope.lineage == () and figures["cases"] == 2  # C, D


def test_the_country_takes_both_eras(world):
    scope = statistics.Scope(statistics.country(Era.TWO_LEVEL), *YEAR_2025)
    figures = statistics_petitions.petition_figures(scope)
    assert figures["cases"] == 4
    provinces = [row for row in figures["by_unit"] if not row["own"] and not row.get("lineage")]
    assert len(provinces) == 34
    assert {r["code"]: r["cases"] for r in provinces if r["cases"]} == {"31": 2}
    assert [r["cases"] for r in figures["by_unit"] if r.get("lineage")] == [2]
    _check_breakdown(figures)
    only_2024 = statistics.Scope(
        statistics.country(Era.THREE_LEVEL), dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    )
    assert statistics_petitions.petition_figures(only_2024)["cases"] == 1


def test_the_country_leaves_out_the_units_it_does_not_hold(world):
    """The country's reads have no filter on the unit in SQL (statistics.Scope.unit_in_q):
    records of the other era's units, and with a level those of the other levels, are left
    out when the rows are rolled up — as the subtree's filter leaves them out."""
    year = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    nation = statistics.country(Era.THREE_LEVEL)
    figures = statistics_petitions.petition_figures(statistics.Scope(nation, *year))
    assert (figures["cases"], figures["petitions"]) == (1, 1)  # E
    communes = statistics_petitions.petition_figures(
        statistics.Scope(nation, *year, level="commune")
    )
    districts = statistics_petitions.petition_figures(
        statistics.Scope(nation, *year, level="district")
    )
    assert (communes["cases"], districts["cases"], districts["petitions"]) == (1, 0, 0)
    # E moved, by hand, to a unit of the other era: no longer the 2024 country's.
    elsewhere = _unit(Era.TWO_LEVEL, "10750")
    Case.objects.filter(received_on__year=2024).update(unit=elsewhere)
    Petition.objects.filter(received_at__year=2024).update(unit=elsewhere)
    figures = statistics_petitions.petition_figures(statistics.Scope(nation, *year))
    assert (figures["cases"], figures["petitions"]) == (0, 0)
    assert sum(row["cases"] for row in figures["by_unit"]) == 0

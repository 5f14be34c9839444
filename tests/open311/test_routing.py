"""Who receives an Open311 request: the unit's People's Committee, else its parent's, else an
agency of the province."""

import pytest

from townhall.open311.services import receiving_agency_for
from townhall.units.models import Agency, AgencyKind, Era, Unit

pytestmark = pytest.mark.django_db


def unit(code, era=Era.TWO_LEVEL):
    return Unit.objects.get(era=era, code=code)


def agency(code, kind=AgencyKind.PEOPLES_COMMITTEE, name=None, era=Era.TWO_LEVEL, **extra):
    where = unit(code, era)
    return Agency.objects.create(unit=where, kind=kind, name=name or f"{kind} {code}", **extra)


def test_the_units_own_peoples_committee_first():
    own = agency("10750")
    agency("31")
    agency("10750", AgencyKind.FATHERLAND_FRONT)
    assert receiving_agency_for(unit("10750")) == own


def test_else_the_parents_peoples_committee():
    agency("10750", AgencyKind.FATHERLAND_FRONT)  # not a People's Committee: skipped
    agency("10750", name="Ủy ban cũ", is_active=False)  # inactive: skipped
    city = agency("31")
    assert receiving_agency_for(unit("10750")) == city


def test_else_any_agency_of_the_province():
    department = agency("31", AgencyKind.DEPARTMENT, name="Sở Xây dựng Hải Phòng")
    assert receiving_agency_for(unit("10750")) == department


def test_in_three_levels_the_district_comes_before_the_province():
    district = agency("293", era=Era.THREE_LEVEL)
    agency("30", era=Era.THREE_LEVEL)
    assert receiving_agency_for(unit("10750", Era.THREE_LEVEL)) == district


def test_in_three_levels_a_commune_with_no_district_committee_goes_to_the_province():
    agency("30", AgencyKind.DEPARTMENT, name="Sở Nội vụ", era=Era.THREE_LEVEL)
    province = agency("30", era=Era.THREE_LEVEL)
    assert receiving_agency_for(unit("10750", Era.THREE_LEVEL)) == province


def test_a_province_itself_uses_its_own_agencies():
    province = agency("31")
    assert receiving_agency_for(unit("31")) == province


def test_nobody_when_the_province_has_no_agency():
    agency("10750", AgencyKind.FATHERLAND_FRONT)
    assert receiving_agency_for(unit("00004")) is None
    # An agency of another province is never chosen.
    assert receiving_agency_for(unit("10750")) is None

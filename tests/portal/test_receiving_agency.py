"""receiving_agency_for: the People's Committee closest to the place, walking up to the province."""

import pytest

from tests.cast import make_agency
from townhall.portal.selectors import receiving_agency_for
from townhall.units.models import Agency, AgencyKind, Era, Unit

from .conftest import HAI_PHONG, PHU_THAI, two_level

pytestmark = pytest.mark.django_db


def three_level(code: str) -> Unit:
    return Unit.objects.get(era=Era.THREE_LEVEL, code=code)


def test_the_commune_s_own_committee_receives_first():
    make_agency("30", "Ủy ban nhân dân tỉnh Hải Dương")
    make_agency("293", "Ủy ban nhân dân huyện Kim Thành")
    commune = make_agency("10750", "Ủy ban nhân dân thị trấn Phú Thái")
    assert receiving_agency_for(three_level("10750")) == commune


def test_without_a_commune_committee_the_district_s_receives():
    make_agency("30", "Ủy ban nhân dân tỉnh Hải Dương")
    district = make_agency("293", "Ủy ban nhân dân huyện Kim Thành")
    make_agency("10750", "Ủy ban MTTQ thị trấn Phú Thái", AgencyKind.FATHERLAND_FRONT)
    assert receiving_agency_for(three_level("10750")) == district


def test_without_commune_or_district_committees_the_province_s_receives():
    province = make_agency("30", "Ủy ban nhân dân tỉnh Hải Dương")
    assert receiving_agency_for(three_level("10750")) == province


def test_in_the_two_level_era_the_parent_is_the_province(hai_phong_committee):
    assert receiving_agency_for(two_level(PHU_THAI)) == hai_phong_committee


def test_a_commune_committee_of_today_wins_over_the_province_s(hai_phong_committee):
    commune = Agency.objects.create(
        unit=two_level(PHU_THAI), kind=AgencyKind.PEOPLES_COMMITTEE, name="UBND xã Phú Thái"
    )
    assert receiving_agency_for(two_level(PHU_THAI)) == commune


def test_an_inactive_committee_does_not_receive(hai_phong_committee):
    Agency.objects.create(
        unit=two_level(PHU_THAI),
        kind=AgencyKind.PEOPLES_COMMITTEE,
        name="UBND xã Phú Thái (cũ)",
        is_active=False,
    )
    assert receiving_agency_for(two_level(PHU_THAI)) == hai_phong_committee


def test_a_province_receives_for_itself(hai_phong_committee):
    assert receiving_agency_for(two_level(HAI_PHONG)) == hai_phong_committee


def test_nobody_receives_where_no_committee_is_set_up():
    make_agency("30", "Ủy ban nhân dân tỉnh Hải Dương")  # another era's province
    assert receiving_agency_for(two_level(PHU_THAI)) is None

import datetime as dt
import io

import pytest
from django.core.management import call_command

from townhall.units import loader
from townhall.units.models import Era, Kind, Level, Succession, Unit

DAY_2022 = dt.date(2022, 6, 15)
DAY_2026 = dt.date(2026, 3, 1)

pytestmark = pytest.mark.django_db


def test_2022_has_63_provinces_and_hai_duong_has_12_district_level_units():
    provinces = Unit.objects.valid_on(DAY_2022).filter(level=Level.PROVINCE)
    assert provinces.count() == 63
    hai_duong = provinces.get(code="30")
    assert hai_duong.name == "Tỉnh Hải Dương"
    children = Unit.objects.children_of(hai_duong, DAY_2022)
    assert children.count() == 12
    assert {c.code: c.name for c in children}["290"] == "Thành phố Chí Linh"
    assert {c.code: c.name for c in children}["293"] == "Huyện Kim Thành"


def test_2026_has_34_provinces_and_3321_communes():
    current = Unit.objects.valid_on(DAY_2026)
    assert current.filter(level=Level.PROVINCE).count() == 34
    assert current.filter(level=Level.COMMUNE).count() == 3321
    assert current.filter(level=Level.DISTRICT).count() == 0


def test_each_unit_has_the_right_kind():
    def kind(code, era=Era.THREE_LEVEL):
        return Unit.objects.get(code=code, era=era).kind

    assert kind("30") == Kind.PROVINCE
    assert kind("01") == Kind.CENTRAL_CITY
    assert kind("290") == Kind.PROVINCIAL_CITY
    assert kind("293") == Kind.DISTRICT
    assert kind("10750") == Kind.TOWNSHIP
    assert kind("10762") == Kind.COMMUNE
    assert kind("10750", Era.TWO_LEVEL) == Kind.COMMUNE
    assert kind("31", Era.TWO_LEVEL) == Kind.CENTRAL_CITY


def test_the_same_code_in_two_eras_is_two_units_linked_as_predecessor_and_successor():
    old = Unit.objects.get(code="10750", era=Era.THREE_LEVEL)
    new = Unit.objects.get(code="10750", era=Era.TWO_LEVEL)
    assert old.pk != new.pk
    assert old.name == "Thị trấn Phú Thái"
    assert new.name == "Xã Phú Thái"
    assert old.is_valid_on(DAY_2022) and not old.is_valid_on(DAY_2026)
    assert new.is_valid_on(DAY_2026) and not new.is_valid_on(DAY_2022)
    assert list(old.successors.all()) == [new]


def test_hai_duong_is_succeeded_by_hai_phong_inferred_from_its_communes():
    hai_duong = Unit.objects.get(code="30", era=Era.THREE_LEVEL)
    successors = {u.code: u.name for u in hai_duong.successors.all()}
    assert successors == {"31": "Thành phố Hải Phòng"}
    link = Succession.objects.get(predecessor=hai_duong)
    assert link.source == Succession.Source.INFERRED


def test_subtree_and_ancestors_follow_the_hierarchy():
    kim_thanh = Unit.objects.get(code="293", era=Era.THREE_LEVEL)
    subtree = Unit.objects.subtree_of(kim_thanh)
    assert subtree.filter(code="10750").exists()
    assert subtree.filter(code="10762").exists()
    assert not subtree.filter(code="290").exists()
    phu_thai = Unit.objects.get(code="10750", era=Era.THREE_LEVEL)
    assert [u.code for u in phu_thai.ancestors()] == ["30", "293"]


def test_loading_again_changes_nothing():
    before = Unit.objects.count(), Succession.objects.count()
    results = loader.load_all()
    assert all(r.created == 0 and r.updated == 0 for r in results)
    assert results[-1].successions == 0
    assert (Unit.objects.count(), Succession.objects.count()) == before


def test_the_load_command_reports_what_it_did():
    out = io.StringIO()
    call_command("units_load", verbosity=1, stdout=out)
    assert "three_level: 0 created, 0 updated, 11367 unchanged" in out.getvalue()
    assert "two_level: 0 created, 0 updated, 3355 unchanged" in out.getvalue()


def test_a_renamed_unit_is_updated_in_place():
    unit = Unit.objects.get(code="10762", era=Era.THREE_LEVEL)
    Unit.objects.filter(pk=unit.pk).update(name="Xã Cổ Dũng (cũ)")
    result = loader.load_era(Era.THREE_LEVEL)
    assert result.updated == 1
    unit.refresh_from_db()
    assert unit.name == "Xã Cổ Dũng"


def test_successions_import_from_csv_and_reject_unknown_codes():
    csv_text = io.StringIO("old_code,new_code\n293,10750\n")
    assert loader.import_successions(csv_text) == 1
    kim_thanh = Unit.objects.get(code="293", era=Era.THREE_LEVEL)
    assert kim_thanh.successors.filter(code="10750").exists()
    with pytest.raises(ValueError, match="line 2: no unit '99999'"):
        loader.import_successions(io.StringIO("old_code,new_code\n99999,10750\n"))
    with pytest.raises(ValueError, match="lacks the column"):
        loader.import_successions(io.StringIO("old,new\n293,10750\n"))

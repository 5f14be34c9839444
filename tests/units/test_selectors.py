"""Units by their official code (units/selectors.py): one code can name a unit in each era
(10750 was Thị trấn Phú Thái, now Xã Phú Thái); each process keeps what it read."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from townhall.units.models import Era, Unit
from townhall.units.selectors import unit_with_code, units_with_code

pytestmark = pytest.mark.django_db


def test_a_code_of_both_eras_names_the_unit_valid_that_day():
    before = unit_with_code("10750", on=dt.date(2024, 5, 2))
    after = unit_with_code(" 10750 ", on=dt.date(2026, 5, 2))
    assert (before.era, before.name) == (Era.THREE_LEVEL, "Thị trấn Phú Thái")
    assert (after.era, after.name) == (Era.TWO_LEVEL, "Xã Phú Thái")
    assert unit_with_code("10750", era=Era.TWO_LEVEL) == after
    assert [u.era for u in units_with_code("10750")] == [Era.THREE_LEVEL, Era.TWO_LEVEL]


def test_an_unknown_code_is_none_and_read_again_next_time():
    assert unit_with_code("99999", on=dt.date(2026, 5, 2)) is None
    province = Unit.objects.get(code="31", era=Era.TWO_LEVEL)
    Unit.objects.bulk_create(  # no signal, as `townhall units_load` writes
        [
            Unit(
                code="99999",
                era=Era.TWO_LEVEL,
                name="Xã Thử",
                kind="xa",
                level="commune",
                parent=province,
                path=f"{province.path}99999/",
                valid_from=dt.date(2025, 7, 1),
            )
        ]
    )
    assert unit_with_code("99999", on=dt.date(2026, 5, 2)).name == "Xã Thử"


def test_a_known_code_is_read_once_and_a_renamed_unit_is_seen_at_once():
    unit = unit_with_code("10750", era=Era.TWO_LEVEL)
    with CaptureQueriesContext(connection) as queries:
        assert unit_with_code("10750", on=dt.date(2026, 1, 5)) == unit
    assert len(queries) == 0
    unit.name = "Xã Phú Thái (mới)"
    unit.save()
    assert unit_with_code("10750", era=Era.TWO_LEVEL).name == "Xã Phú Thái (mới)"

import datetime as dt

import pytest
from django.http import Http404

from townhall.reception import selectors
from townhall.reception.models import Office

from .helpers import record_session

pytestmark = pytest.mark.django_db

OCTOBER = (dt.date(2022, 10, 1), dt.date(2022, 10, 31))


def row_for(rows, agency):
    return next(r for r in rows if r.agency == agency)


def compliance(user, code, start, end):
    unit = selectors.unit_get_for_user(user, code, start)
    return selectors.compliance(user, unit=unit, start=start, end=end)


def test_a_district_chair_who_held_1_of_2_days_falls_1_short(cast):
    record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2022, 10, 13))
    # Two sessions on one day are one reception day.
    record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2022, 10, 13))
    # A session the month before does not count for October.
    record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2022, 9, 29))
    row = row_for(compliance(cast.kim_thanh_leader, "293", *OCTOBER), cast.kim_thanh_committee)
    assert row.office == Office.DISTRICT_PC_CHAIR
    assert (row.required, row.held, row.delegated, row.shortfall) == (2, 1, 0, 1)
    assert row.legal_basis == ["Luật Tiếp công dân 2013, Điều 14"]


def test_days_a_deputy_received_are_counted_beside_the_heads_own(cast):
    record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2022, 10, 13))
    record_session(
        cast.kim_thanh_committee,
        cast.kim_thanh_leader,
        dt.date(2022, 10, 27),
        is_delegated=True,
        delegate=cast.kim_thanh_handler,
    )
    # The head also came on the 13th after a deputy opened it: an in-person day, not delegated.
    record_session(
        cast.kim_thanh_committee,
        cast.kim_thanh_leader,
        dt.date(2022, 10, 13),
        is_delegated=True,
        delegate=cast.kim_thanh_handler,
    )
    row = row_for(compliance(cast.kim_thanh_leader, "293", *OCTOBER), cast.kim_thanh_committee)
    assert (row.required, row.held, row.delegated, row.shortfall) == (2, 1, 1, 1)


def test_every_agency_under_the_unit_gets_a_row(cast):
    rows = compliance(cast.kim_thanh_leader, "293", *OCTOBER)
    agencies = {r.agency for r in rows}
    assert {cast.kim_thanh_committee, cast.phu_thai_committee} <= agencies
    assert cast.chi_linh_committee not in agencies
    commune = row_for(rows, cast.phu_thai_committee)
    assert commune.office == Office.COMMUNE_PC_CHAIR
    assert (commune.required, commune.held, commune.shortfall) == (6, 0, 6)


def test_a_quarter_sums_its_months(cast):
    for day in (dt.date(2022, 7, 5), dt.date(2022, 7, 19), dt.date(2022, 8, 9)):
        record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, day)
    rows = compliance(cast.kim_thanh_leader, "293", dt.date(2022, 7, 1), dt.date(2022, 9, 30))
    row = row_for(rows, cast.kim_thanh_committee)
    assert [(p.start.month, p.held, p.shortfall) for p in row.periods] == [
        (7, 2, 0),
        (8, 1, 1),
        (9, 0, 2),
    ]
    assert (row.required, row.held, row.shortfall) == (6, 3, 3)


def test_the_inspector_sees_the_whole_province(cast):
    record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2022, 10, 13))
    rows = compliance(cast.province_inspector, "30", *OCTOBER)
    agencies = {r.agency for r in rows}
    assert {cast.kim_thanh_committee, cast.chi_linh_committee, cast.province_committee} <= agencies
    assert row_for(rows, cast.kim_thanh_committee).held == 1


def test_a_unit_outside_the_jurisdiction_is_not_found(cast):
    with pytest.raises(Http404):
        compliance(cast.chi_linh_leader, "293", *OCTOBER)
    with pytest.raises(Http404):
        compliance(cast.kim_thanh_leader, "30", *OCTOBER)


def test_a_district_owes_nothing_in_the_quarter_after_the_reform(cast):
    rows = compliance(cast.kim_thanh_leader, "293", dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert row_for(rows, cast.kim_thanh_committee).required == 6
    rows = selectors.compliance(
        cast.kim_thanh_leader,
        unit=cast.kim_thanh_committee.unit,
        start=dt.date(2025, 7, 1),
        end=dt.date(2025, 9, 30),
    )
    assert row_for(rows, cast.kim_thanh_committee).required == 0


def test_compliance_takes_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    for day in (dt.date(2022, 10, 4), dt.date(2022, 10, 13)):
        record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, day)
        record_session(cast.phu_thai_committee, cast.kim_thanh_leader, day)
    unit = cast.kim_thanh_committee.unit
    with django_assert_max_num_queries(4):
        rows = selectors.compliance(
            cast.kim_thanh_leader, unit=unit, start=OCTOBER[0], end=OCTOBER[1]
        )
    assert sum(r.held for r in rows) == 4

import datetime as dt

import pytest

from townhall.reception import rules, selectors
from townhall.reception.models import Office, Per, ReceptionRule
from townhall.units.models import AgencyKind, Level

pytestmark = pytest.mark.django_db

BEFORE = dt.date(2025, 6, 30)
AFTER = dt.date(2025, 7, 1)


def minimum(office, day):
    rule = rules.rule_in_force(selectors.all_rules(), office, day)
    return None if rule is None else (rule.days_required, rule.per)


@pytest.mark.parametrize(
    ("office", "expected"),
    [
        (Office.COMMUNE_PC_CHAIR, (1, Per.WEEK)),
        (Office.DISTRICT_PC_CHAIR, (2, Per.MONTH)),
        (Office.PROVINCE_PC_CHAIR, (1, Per.MONTH)),
        (Office.OTHER_AGENCY_HEAD, (1, Per.MONTH)),
        (Office.PARTY_HEAD_PROVINCE, (1, Per.MONTH)),
        (Office.PARTY_HEAD_DISTRICT, (1, Per.MONTH)),
        (Office.PARTY_HEAD_COMMUNE, (2, Per.MONTH)),
    ],
)
def test_the_minimums_before_1_july_2025(office, expected):
    assert minimum(office, BEFORE) == expected


@pytest.mark.parametrize(
    ("office", "expected"),
    [
        (Office.COMMUNE_PC_CHAIR, (1, Per.WEEK)),
        (Office.DISTRICT_PC_CHAIR, None),
        (Office.PROVINCE_PC_CHAIR, (1, Per.MONTH)),
        (Office.OTHER_AGENCY_HEAD, (1, Per.MONTH)),
        (Office.PARTY_HEAD_PROVINCE, (1, Per.MONTH)),
        (Office.PARTY_HEAD_DISTRICT, None),
        (Office.PARTY_HEAD_COMMUNE, (2, Per.MONTH)),
    ],
)
def test_the_minimums_from_1_july_2025_have_no_district_level(office, expected):
    assert minimum(office, AFTER) == expected


def test_the_party_minimums_cite_the_amendment_after_the_reform():
    loaded = selectors.all_rules()
    before = rules.rule_in_force(loaded, Office.PARTY_HEAD_COMMUNE, BEFORE)
    after = rules.rule_in_force(loaded, Office.PARTY_HEAD_COMMUNE, AFTER)
    assert before.legal_basis == "Quy định 11-QĐi/TW ngày 18/02/2019"
    assert "215-KL/TW" in after.legal_basis


def test_nothing_was_owed_before_the_law_took_effect():
    assert minimum(Office.COMMUNE_PC_CHAIR, dt.date(2014, 6, 30)) is None
    assert minimum(Office.PARTY_HEAD_COMMUNE, dt.date(2019, 2, 17)) is None
    assert minimum(Office.PARTY_HEAD_COMMUNE, dt.date(2019, 2, 18)) == (2, Per.MONTH)


def test_an_administrator_edit_takes_effect_from_its_date():
    ReceptionRule.objects.create(
        office=Office.COMMUNE_PC_CHAIR,
        days_required=2,
        per=Per.WEEK,
        valid_from=dt.date(2026, 1, 1),
        legal_basis="Quy định của tỉnh",
    )
    assert minimum(Office.COMMUNE_PC_CHAIR, dt.date(2025, 12, 31)) == (1, Per.WEEK)
    assert minimum(Office.COMMUNE_PC_CHAIR, dt.date(2026, 1, 1)) == (2, Per.WEEK)


def test_rules_in_force_lists_one_rule_per_office():
    assert len(selectors.rules_in_force(BEFORE)) == 7
    assert {r.office for r in selectors.rules_in_force(AFTER)} == set(Office.values) - {
        Office.DISTRICT_PC_CHAIR,
        Office.PARTY_HEAD_DISTRICT,
    }


# --- a head's office --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "level", "office"),
    [
        (AgencyKind.PEOPLES_COMMITTEE, Level.COMMUNE, Office.COMMUNE_PC_CHAIR),
        (AgencyKind.PEOPLES_COMMITTEE, Level.DISTRICT, Office.DISTRICT_PC_CHAIR),
        (AgencyKind.PEOPLES_COMMITTEE, Level.PROVINCE, Office.PROVINCE_PC_CHAIR),
        (AgencyKind.PARTY_COMMITTEE, Level.COMMUNE, Office.PARTY_HEAD_COMMUNE),
        (AgencyKind.PARTY_COMMITTEE, Level.DISTRICT, Office.PARTY_HEAD_DISTRICT),
        (AgencyKind.PARTY_COMMITTEE, Level.PROVINCE, Office.PARTY_HEAD_PROVINCE),
        (AgencyKind.DEPARTMENT, Level.PROVINCE, Office.OTHER_AGENCY_HEAD),
        (AgencyKind.FATHERLAND_FRONT, Level.COMMUNE, Office.OTHER_AGENCY_HEAD),
        (AgencyKind.OTHER, Level.DISTRICT, Office.OTHER_AGENCY_HEAD),
    ],
)
def test_a_heads_office_follows_the_agency_kind_and_unit_level(kind, level, office):
    assert rules.office_for(kind, level) == office


def test_the_cast_agencies_have_their_offices(cast):
    assert rules.office_of(cast.phu_thai_committee) == Office.COMMUNE_PC_CHAIR
    assert rules.office_of(cast.kim_thanh_committee) == Office.DISTRICT_PC_CHAIR
    assert rules.office_of(cast.province_committee) == Office.PROVINCE_PC_CHAIR
    assert rules.office_of(cast.co_dung_front) == Office.OTHER_AGENCY_HEAD


# --- periods ---------------------------------------------------------------------------------
def test_periods_are_months_quarters_and_years():
    assert rules.period_range("month", 2024, 2) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert rules.period_range("quarter", 2025, 3) == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    assert rules.period_range("year", 2023) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    with pytest.raises(ValueError, match="quarter is 1 to 4"):
        rules.period_range("quarter", 2025, 5)
    with pytest.raises(ValueError, match="not 'week'"):
        rules.period_range("week", 2025, 1)


def test_requirements_count_whole_weeks_overlapping_the_period():
    # October 2022 starts on a Saturday and ends on a Monday: 6 ISO weeks overlap it.
    owed = rules.requirements(
        selectors.all_rules(), Office.COMMUNE_PC_CHAIR, dt.date(2022, 10, 1), dt.date(2022, 10, 31)
    )
    assert len(owed) == 6
    assert owed[0].start == dt.date(2022, 9, 26) and owed[-1].end == dt.date(2022, 11, 6)
    assert all(r.days == 1 and r.per == Per.WEEK for r in owed)


def test_a_district_owes_nothing_once_its_unit_is_gone(units):
    kim_thanh = units["293"]
    loaded = selectors.all_rules()
    owed = rules.requirements(
        loaded, Office.DISTRICT_PC_CHAIR, dt.date(2025, 6, 1), dt.date(2025, 9, 30), unit=kim_thanh
    )
    assert [(r.start, r.days) for r in owed] == [(dt.date(2025, 6, 1), 2)]

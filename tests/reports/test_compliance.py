"""Dialogue frequency rules as data, the inspection report, hotspots and venues."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from townhall.accounts.models import User
from townhall.reports import compliance, hotspots
from townhall.reports.models import DialogueRule
from townhall.units.models import Era, Unit

from .helpers import plan_and_hold, world_build

pytestmark = pytest.mark.django_db


def test_the_seeded_rules_a_national_commune_rule_and_hai_duong_s_regulation(units):
    rules = list(DialogueRule.objects.all())
    hai_duong_commune = compliance.rule_for(rules, units["10750"], dt.date(2022, 1, 1))
    assert (hai_duong_commune.per_year, hai_duong_commune.province_code) == (2, "30")
    assert "03-QC/TU" in hai_duong_commune.legal_basis
    # Another province in 2022: no rule (the 2025 law starts on 1 July 2025).
    assert compliance.rule_for(rules, units["00004"], dt.date(2022, 1, 1)) is None
    commune_2026 = Unit.objects.get(era=Era.TWO_LEVEL, code="10750")
    national = compliance.rule_for(rules, commune_2026, dt.date(2026, 1, 1))
    assert (national.per_year, national.province_code) == (1, "")
    assert "Điều 43" in national.legal_basis


def test_a_province_rule_wins_over_the_national_one_and_the_newest_over_older(units):
    DialogueRule.objects.create(
        level="commune", per_year=1, valid_from=dt.date(2020, 1, 1), legal_basis="Luật giả định"
    )
    rules = list(DialogueRule.objects.all())
    assert compliance.rule_for(rules, units["10750"], dt.date(2022, 1, 1)).per_year == 2
    DialogueRule.objects.create(
        level="commune",
        per_year=4,
        province_code="30",
        valid_from=dt.date(2022, 1, 1),
        valid_to=dt.date(2025, 6, 30),
        legal_basis="Quy chế mới",
    )
    rules = list(DialogueRule.objects.all())
    assert compliance.rule_for(rules, units["10750"], dt.date(2022, 6, 1)).per_year == 4
    assert compliance.rule_for(rules, units["10750"], dt.date(2021, 6, 1)).per_year == 2


def test_a_province_rule_must_lie_in_one_era():
    rule = DialogueRule(
        level="commune", per_year=1, province_code="30", valid_from=dt.date(2024, 1, 1)
    )
    with pytest.raises(ValidationError, match="30/06/2025"):
        rule.clean()
    rule.valid_to = dt.date(2025, 6, 30)
    rule.clean()


def test_the_inspection_shows_the_units_that_fall_short(cast, units):
    world = world_build(cast)
    report = compliance.inspection(cast.province_inspector, unit=units["293"], year=2022)
    rows = {r.unit.code: r for r in report.dialogues}
    kim_thanh = rows["293"]
    assert (kim_thanh.required, kim_thanh.held, kim_thanh.shortfall) == (2, 1, 1)
    assert kim_thanh.chairs == [("Bí thư Huyện ủy Kim Thành", 1)]
    assert kim_thanh.heads == ["Huyện ủy Kim Thành", "Ủy ban nhân dân huyện Kim Thành"]
    assert rows["10762"].shortfall == 2
    assert {r.unit.code for r in report.units_short} == set(rows)
    # Reception: the district chair held no reception day in 2022.
    district = next(r for r in report.reception if r.agency == cast.kim_thanh_committee)
    assert district.required == 24 and district.shortfall == 24
    # Directives: the district People's Committee has one overdue, the land office one late.
    slow = {a.agency: a for a in report.agencies}
    assert slow[cast.kim_thanh_committee].overdue == 1
    assert [d.text for d in slow[cast.kim_thanh_committee].directives] == ["Quá hạn"]
    assert slow[world.land_office].done_late == 1 and slow[world.land_office].directives == []


def test_a_unit_that_held_enough_is_not_short(cast, units):
    world = world_build(cast)
    plan_and_hold(
        host=world.party,
        chair=world.secretary,
        day=dt.date(2022, 11, 5),
        opinions=0,
        locality="10750",
        title="Hội nghị E",
    )
    report = compliance.inspection(cast.province_inspector, unit=units["293"], year=2022)
    kim_thanh = next(r for r in report.dialogues if r.unit.code == "293")
    assert (kim_thanh.held, kim_thanh.shortfall) == (2, 0)
    assert kim_thanh not in report.units_short


def test_the_inspection_reads_through_the_jurisdiction(cast, units):
    world_build(cast)
    report = compliance.inspection(cast.chi_linh_leader, unit=units["30"], year=2022)
    assert all(r.unit.path.startswith(units["290"].path) for r in report.dialogues)
    assert report.agencies == []


def test_hotspots_rank_by_weighted_matters_with_reasons(cast, units):
    world_build(cast)
    ranked = hotspots.hotspots(cast.province_inspector, unit=units["293"])
    assert [(h.unit.code, h.score) for h in ranked] == [("10753", 6), ("293", 2)]
    assert ranked[1].reasons == [
        ngettext("%(n)d conclusion directive overdue", "%(n)d conclusion directives overdue", 1)
        % {"n": 1}
    ]
    assert ranked[1].last_dialogue == dt.date(2022, 6, 10)
    # Nothing is overdue before the deadlines.
    early = hotspots.hotspots(cast.province_inspector, unit=units["293"], on=dt.date(2022, 7, 1))
    assert [(h.unit.code, h.score) for h in early] == [("10753", 1)]


def test_hotspots_are_limited_to_what_the_user_sees(cast, units):
    world_build(cast)
    assert hotspots.hotspots(cast.chi_linh_leader, unit=units["30"]) == []


def test_venues_put_the_places_without_a_recent_dialogue_first(cast, units):
    world_build(cast)
    venues = hotspots.suggest_venues(
        cast.province_inspector, unit=units["293"], on=dt.date(2022, 12, 1)
    )
    assert [(v.hotspot.unit.code, v.why) for v in venues] == [
        ("10753", _("No dialogue has been held here")),
        (
            "293",
            _("A dialogue was held on %(day)s, but matters remain unresolved")
            % {"day": "10/06/2022"},
        ),
    ]


def test_an_administrator_edits_the_rules_in_the_admin(client):
    admin = User.objects.create_superuser("root", password="x", role="administrator")
    client.force_login(admin)
    assert client.get("/admin/reports/dialoguerule/").status_code == 200
    response = client.post(
        "/admin/reports/dialoguerule/add/",
        {
            "level": "commune",
            "per_year": 3,
            "province_code": "30",
            "valid_from": "2024-01-01",
            "legal_basis": "Quy chế mới",
        },
    )
    assert response.status_code == 200 and "30/06/2025" in response.content.decode()
    assert not DialogueRule.objects.filter(legal_basis="Quy chế mới").exists()

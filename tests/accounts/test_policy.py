"""The access policy with the cast: jurisdiction by subtree, read-only inspectors, 404 outside."""

import pytest
from django.http import Http404

from townhall.accounts import policy
from townhall.accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_leader_of_kim_thanh_sees_phu_thai_and_not_chi_linh(cast):
    visible = policy.agencies_visible_to(cast.kim_thanh_leader)
    assert cast.phu_thai_committee in visible
    assert cast.kim_thanh_committee in visible
    assert cast.chi_linh_committee not in visible
    assert cast.province_committee not in visible


def test_a_province_inspector_sees_both_districts(cast):
    visible = policy.agencies_visible_to(cast.province_inspector)
    assert cast.phu_thai_committee in visible
    assert cast.chi_linh_committee in visible


def test_a_province_inspector_may_read_but_not_write(cast):
    agency = policy.agency_get_for_user(cast.province_inspector, cast.phu_thai_committee.pk)
    assert agency == cast.phu_thai_committee
    with pytest.raises(policy.AccessDenied):
        policy.agency_get_for_user(cast.province_inspector, cast.phu_thai_committee.pk, write=True)
    assert not policy.can_write(cast.province_inspector)
    assert policy.can_write(cast.kim_thanh_leader)


def test_a_record_outside_the_jurisdiction_is_not_found(cast):
    with pytest.raises(Http404):
        policy.agency_get_for_user(cast.kim_thanh_leader, cast.chi_linh_committee.pk)
    with pytest.raises(Http404):
        policy.agency_get_for_user(cast.kim_thanh_leader, "not-a-number")


def test_an_administrator_sees_everything(cast):
    assert policy.agencies_visible_to(cast.administrator).count() >= 6
    assert policy.users_visible_to(cast.administrator).count() == User.objects.count()


def test_anonymous_and_inactive_users_see_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert policy.agencies_visible_to(AnonymousUser()).count() == 0
    cast.kim_thanh_leader.is_active = False
    assert policy.agencies_visible_to(cast.kim_thanh_leader).count() == 0


def test_a_commune_front_officer_sees_only_the_commune(cast):
    visible = policy.agencies_visible_to(cast.front_officer)
    assert list(visible) == [cast.co_dung_front]
    units = policy.units_in_jurisdiction(cast.front_officer)
    assert list(units.values_list("code", flat=True)) == ["10762"]


def test_colleagues_are_those_in_the_jurisdiction(cast):
    colleagues = policy.users_visible_to(cast.kim_thanh_leader)
    assert cast.kim_thanh_clerk in colleagues
    assert cast.chi_linh_leader not in colleagues


def test_the_jurisdiction_query_count_is_bounded(cast, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        list(policy.agencies_visible_to(cast.kim_thanh_leader))


def test_an_agency_named_in_a_request_is_one_the_policy_lets_the_user_see(cast):
    """`active_agency` (a compiled statement) agrees with `agencies_visible_to` for every
    user and agency of the cast, and loads the agency's unit with it."""
    from django.contrib.auth.models import AnonymousUser

    from townhall.units.models import Agency

    agencies = list(Agency.objects.select_related("unit"))
    retired = agencies[0]
    Agency.objects.filter(pk=retired.pk).update(is_active=False)
    seen = 0
    for user in [*User.objects.all(), AnonymousUser()]:
        visible = set(
            policy.agencies_visible_to(user).filter(is_active=True).values_list("pk", flat=True)
        )
        for agency in agencies:
            found = policy.active_agency(user, agency.pk)
            assert (found is not None) == (agency.pk in visible), (user, agency)
            if found is not None:
                assert found.unit.path == agency.unit.path and found.name == agency.name
                seen += 1
    assert seen > 0
    assert policy.active_agency(cast.kim_thanh_leader, 10**12) is None


def test_an_agency_is_kept_per_process_and_one_retired_here_is_refused_at_once(cast):
    """`active_agency` reads the agency once (units.selectors, ADR 0019), the jurisdiction on
    every call; a save here empties what is kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from townhall.units.models import Agency

    leader, pk = cast.kim_thanh_leader, cast.kim_thanh_committee.pk
    assert policy.active_agency(leader, pk).pk == pk
    with CaptureQueriesContext(connection) as queries:
        assert policy.active_agency(leader, pk).pk == pk
        assert policy.active_agency(cast.chi_linh_leader, pk) is None  # not in its jurisdiction
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sqls if 'FROM "units_agency"' in s and "membership" not in s], sqls
    agency = Agency.objects.get(pk=pk)
    agency.is_active = False
    agency.save()
    assert policy.active_agency(leader, pk) is None
    assert policy.active_agency(leader, 0) is None

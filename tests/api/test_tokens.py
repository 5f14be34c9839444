"""Staff bearer tokens: `townhall token create`, hashing, revocation, inactive users, admin."""

import datetime as dt
import hashlib
import io
import sys

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone

from townhall import cli
from townhall.api.auth import token_create, token_revoke
from townhall.api.models import ApiToken

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def who_am_i(client, token: str):
    """Any bearer endpoint will do: the case list of the token's user."""
    return client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_command_prints_the_token_as_its_last_line_and_it_authenticates(cast, client):
    out = io.StringIO()
    call_command("token_create", "clerk.kt", "--name", "intake app", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("th_") and len(token) > 40
    assert who_am_i(client, token).status_code == 200
    row = ApiToken.objects.get()
    assert row.user == cast.kim_thanh_clerk and row.name == "intake app"
    assert row.last_used_at is not None


def test_townhall_token_create_maps_to_the_command(cast, client, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["townhall", "token", "create", "leader.kt", "--name", "x"])
    # run_from_argv closes every connection when it ends; keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    cli.main()
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert who_am_i(client, token).status_code == 200
    assert ApiToken.objects.get().user == cast.kim_thanh_leader


def test_only_the_sha256_of_a_token_is_stored(cast):
    row, token = token_create(user=cast.kim_thanh_clerk, name="n")
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row.prefix) and len(row.prefix) < len(token) // 4
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert token not in [str(v) for v in stored.values()]


def test_an_unknown_or_inactive_user_gets_no_token(cast):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("token_create", "nobody", stdout=io.StringIO())
    cast.front_officer.is_active = False
    cast.front_officer.save()
    with pytest.raises(CommandError, match="inactive"):
        call_command("token_create", "front.cd", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_401(cast, client):
    row, token = token_create(user=cast.kim_thanh_clerk)
    assert who_am_i(client, token).status_code == 200
    token_revoke(token=row)
    response = who_am_i(client, token)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert "revoked" in response.json()["detail"]


def test_a_token_of_an_inactive_user_is_401(cast, client):
    _, token = token_create(user=cast.kim_thanh_clerk)
    cast.kim_thanh_clerk.is_active = False
    cast.kim_thanh_clerk.save()
    response = who_am_i(client, token)
    assert response.status_code == 401
    assert "inactive" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer th_not-a-real-token", "Bearer " + "x" * 5000, "Basic dXNlcjpwYXNz"],
)
def test_a_missing_or_unknown_token_is_401(cast, client, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/cases", **headers)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert "Bearer" in response.json()["detail"]


def test_last_use_is_recorded_at_most_once_a_minute(cast, client):
    row, token = token_create(user=cast.kim_thanh_clerk)
    who_am_i(client, token)
    first = ApiToken.objects.get(pk=row.pk).last_used_at
    who_am_i(client, token)
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now() - dt.timedelta(hours=1))
    who_am_i(client, token)
    assert ApiToken.objects.get(pk=row.pk).last_used_at > first


def test_tokens_are_listed_and_revoked_in_the_admin(cast, client):
    assert ApiToken in admin.site._registry
    row, token = token_create(user=cast.kim_thanh_clerk, name="intake app")
    superuser = type(cast.administrator).objects.create_superuser("root", "root@example.vn", "pw")
    client.force_login(superuser)
    listing = client.get("/admin/api/apitoken/")
    assert listing.status_code == 200
    assert row.prefix in listing.content.decode() and token not in listing.content.decode()
    assert client.get("/admin/api/apitoken/add/").status_code == 403
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    client.logout()
    assert who_am_i(client, token).status_code == 401


def test_the_token_brings_the_users_agencies_for_the_access_policy(cast, client):
    """One read gives the token, its user and the user's agencies (an outer join): the policy
    then asks nothing more, and sees what its own read would (inactive agencies are members'
    agencies but no jurisdiction; a user without agencies has none)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from townhall.accounts import policy
    from townhall.accounts.models import Membership
    from townhall.api.auth import token_hash, token_with_user

    clerk = cast.kim_thanh_clerk
    chi_linh = cast.chi_linh_committee
    Membership.objects.create(user=clerk, agency=chi_linh)
    type(chi_linh).objects.filter(pk=chi_linh.pk).update(is_active=False)
    loner = type(clerk).objects.create_user("loner", password="pw", role=clerk.role)
    for user in (clerk, loner):
        _, token = token_create(user=user)
        with CaptureQueriesContext(connection) as read:
            found = token_with_user(token_hash(token)).user
            paths, ids = policy.jurisdiction_paths(found), policy.member_agency_ids(found)
        assert len(read.captured_queries) == 1
        fresh = type(clerk).objects.get(pk=user.pk)  # no agencies kept: the policy's own read
        assert (paths, ids) == (policy.jurisdiction_paths(fresh), policy.member_agency_ids(fresh))
    assert len(ids) == 0 and len(policy.member_agency_ids(clerk)) == 2
    assert policy.jurisdiction_paths(clerk) == [cast.kim_thanh_committee.unit.path]

    _, token = token_create(user=clerk)
    with CaptureQueriesContext(connection) as read:
        assert who_am_i(client, token).status_code == 200
    assert sum("accounts_membership" in q["sql"] for q in read.captured_queries) == 1

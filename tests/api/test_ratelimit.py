"""The public statistics are rate limited per client address: N requests a minute without a
token, the next one a 429 problem with Retry-After; staff with a token are not counted."""

import pytest
from django.test import override_settings

from townhall.api.auth import token_create
from townhall.api.urls import api

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
LIMIT = 3
YEAR = {"unit": "293", "from": "2022-01-01", "to": "2022-12-31"}
PUBLIC = ["/api/v1/reports/dialogues", "/api/v1/reports/petitions", "/api/v1/reports/reception"]


@pytest.fixture(autouse=True)
def _small_limit():
    with override_settings(API_PUBLIC_RATE_LIMIT=LIMIT):
        yield


def public(client, path=PUBLIC[0], address="192.0.2.10"):
    return client.get(path, YEAR, REMOTE_ADDR=address)


def test_the_request_after_the_limit_is_a_429_problem_with_retry_after(client):
    # The limit is one bucket per address, whichever public report is asked for.
    answers = [public(client, PUBLIC[i % 3]).status_code for i in range(LIMIT)]
    assert answers == [200] * LIMIT
    refused = public(client, PUBLIC[1])
    assert refused.status_code == 429
    assert refused["Content-Type"] == PROBLEM
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert body["status"] == 429 and body["title"] == "Too Many Requests"
    assert f"try again in {refused['Retry-After']} seconds" in body["detail"]
    # Another address has its own bucket; the refused one stays refused.
    assert public(client, address="198.51.100.7").status_code == 200
    assert public(client).status_code == 429


def test_an_ipv6_household_shares_one_bucket(client):
    for host in range(LIMIT):
        assert public(client, address=f"2001:db8:1:2::{host + 1}").status_code == 200
    assert public(client, address="2001:db8:1:2:ffff::9").status_code == 429


def test_staff_with_a_token_are_not_limited_by_the_public_bucket(client, cast):
    _, token = token_create(user=cast.province_inspector, name="tests")
    staff = {"REMOTE_ADDR": "192.0.2.10", "HTTP_AUTHORIZATION": f"Bearer {token}"}
    for _ in range(LIMIT + 2):  # staff requests are not counted …
        assert client.get(PUBLIC[0], YEAR, **staff).status_code == 200
    for _ in range(LIMIT):  # … so the address still has its whole public allowance
        assert public(client).status_code == 200
    assert public(client).status_code == 429
    # With the public bucket empty, the same address with a token is still answered in full.
    answer = client.get(PUBLIC[2], YEAR, **staff)
    assert answer.status_code == 200 and answer.json()["by_agency"] is not None


def test_a_bad_token_is_a_401_and_is_not_served_from_the_public_bucket(client):
    for _ in range(LIMIT):
        assert public(client).status_code == 200
    answer = client.get(
        PUBLIC[0], YEAR, REMOTE_ADDR="192.0.2.10", HTTP_AUTHORIZATION="Bearer th_not-a-token"
    )
    assert answer.status_code == 401 and answer["Content-Type"] == PROBLEM


def test_the_limit_comes_from_settings(client):
    with override_settings(API_PUBLIC_RATE_LIMIT=1):
        assert public(client).status_code == 200
        assert public(client).status_code == 429


def test_the_schema_documents_the_429_on_the_public_operations_only():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    limited = sorted(
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if 429 in operation["responses"]
    )
    assert limited == sorted(PUBLIC)
    answer = schema["paths"][PUBLIC[0]]["get"]["responses"][429]
    assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert set(answer["content"]) == {PROBLEM}

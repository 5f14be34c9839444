"""Idempotency-Key on POSTs: a retry returns the first answer and creates nothing new."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from tests.api.test_petitions_api import StaffClient, assert_problem, petition_body
from townhall.api import idempotency
from townhall.api.models import IdempotencyRecord
from townhall.petitions.models import Case, CaseEvent, Petition, Submitter

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client, cast):
    return StaffClient(client, cast.kim_thanh_clerk)


@pytest.fixture
def leader(client, cast):
    return StaffClient(client, cast.kim_thanh_leader)


def test_a_retried_post_creates_one_petition_and_returns_the_identical_body(clerk):
    first = clerk.post("/petitions", petition_body(), key="intake-0001")
    again = clerk.post("/petitions", petition_body(), key="intake-0001")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Petition.objects.count() == 1 and Case.objects.count() == 1
    assert Submitter.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201


def test_the_same_json_in_another_key_order_is_the_same_body(clerk):
    body = petition_body()
    first = clerk.post("/petitions", body, key="k-order")
    reordered = dict(reversed(list(body.items())))
    again = clerk.post("/petitions", reordered, key="k-order")
    assert again.content == first.content and Petition.objects.count() == 1


def test_the_same_key_with_a_different_body_is_422_and_creates_nothing(clerk):
    clerk.post("/petitions", petition_body(), key="intake-0002")
    response = clerk.post(
        "/petitions", petition_body(text="Một nội dung khác hẳn"), key="intake-0002"
    )
    body = assert_problem(response, 422, "Idempotency-Key")
    assert body["detail"].startswith("Idempotency-Key reused with a different body")
    assert Petition.objects.count() == 1


def test_the_same_key_on_another_path_is_422(clerk, leader):
    created = clerk.post("/petitions", petition_body(), key="shared").json()
    # Keys belong to a user: the leader's "shared" is a different key.
    accepted = leader.post(f"/cases/{created['case_id']}/accept", key="shared")
    assert accepted.status_code == 200
    reused = clerk.post(f"/cases/{created['case_id']}/acknowledge", key="shared")
    body = assert_problem(reused, 422, "Idempotency-Key")
    assert "already used for POST /api/v1/petitions" in body["detail"]
    assert Case.objects.get().acknowledged_at is None


def test_a_retried_transition_happens_once(clerk, leader):
    case_id = clerk.post("/petitions", petition_body()).json()["case_id"]
    first = leader.post(f"/cases/{case_id}/accept", {"is_complex": True}, key="acc-1")
    again = leader.post(f"/cases/{case_id}/accept", {"is_complex": True}, key="acc-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert CaseEvent.objects.filter(case_id=case_id, action="accepted").count() == 1
    # Without the key the same request is a new attempt, refused by the lifecycle.
    assert_problem(leader.post(f"/cases/{case_id}/accept", {"is_complex": True}), 409, "status")


def test_a_refused_request_is_not_remembered(clerk):
    refused = clerk.post("/petitions", petition_body(unit="99999"), key="fix-and-retry")
    assert_problem(refused, 422, "unit")
    assert not IdempotencyRecord.objects.exists()
    fixed = clerk.post("/petitions", petition_body(), key="fix-and-retry")
    assert fixed.status_code == 201 and Petition.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "khóa-tiếng-việt", "two words"])
def test_a_malformed_key_is_422(clerk, key):
    response = clerk.post("/petitions", petition_body(), key=key)
    assert_problem(response, 422, "Idempotency-Key")
    assert not Petition.objects.exists()


def test_a_concurrent_twin_that_committed_first_is_replayed(clerk, monkeypatch):
    """The race: both requests look and find nothing; the second's reservation then hits the
    unique (user, key) constraint, and it answers with the first one's stored response."""
    first = clerk.post("/petitions", petition_body(), key="race")
    real_find = idempotency._find
    calls = []

    def find_nothing_the_first_time(user, key):
        calls.append(key)
        return None if len(calls) == 1 else real_find(user, key)

    monkeypatch.setattr(idempotency, "_find", find_nothing_the_first_time)
    twin = clerk.post("/petitions", petition_body(), key="race")
    assert len(calls) == 2  # looked, collided on insert, looked again
    assert twin.status_code == 201 and twin.content == first.content
    assert Petition.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_stored_answers_are_encrypted_at_rest_and_purged_after_retention(clerk):
    secret = clerk.post("/petitions", petition_body(), key="secret").json()["secret"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM api_idempotencyrecord")
        (stored,) = cursor.fetchone()
    assert secret not in stored and "tracking_code" not in stored
    assert idempotency.purge() == 0
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
    assert idempotency.purge() == 1

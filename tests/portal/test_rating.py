"""Rating the answer on the tracking page; "not settled" pursues a complaint again."""

import datetime as dt

import pytest
from django.utils import timezone

from townhall.petitions import services
from townhall.petitions.models import Case, Status
from townhall.portal import services as portal
from townhall.portal.models import Rating

from .helpers import answered, received

pytestmark = pytest.mark.django_db


def open_case_page(client, receipt) -> str:
    code = receipt.petition.tracking_code
    client.post("/portal/track/", {"code": code, "key": receipt.secret})
    return f"/portal/track/{code}/"


def rate(client, receipt, **data):
    page = open_case_page(client, receipt)
    return client.post(page + "rate/", data)


def test_not_settled_on_an_answered_complaint_reopens_it_as_a_second_complaint(client, cast):
    receipt, case = answered(cast, kind="complaint")
    response = rate(client, receipt, stars="1", settled="no", comment="Lối đi vẫn bị chắn.")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert case.instance == 2
    rating = Rating.objects.get()
    assert (rating.stars, rating.settled, rating.reopened) == (1, False, True)
    event = case.events.get(action="reopened")
    assert event.is_public and event.actor is None
    assert "Lối đi vẫn bị chắn." in event.note
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="rating-form"' not in html  # no answer to rate any more


def test_settled_only_records_the_rating(client, cast):
    receipt, case = answered(cast, kind="complaint")
    assert rate(client, receipt, stars="5", settled="yes").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ANSWERED
    assert Rating.objects.get().settled is True
    html = client.get(open_case_page(client, receipt)).content.decode()
    assert 'data-testid="rated"' in html and 'data-testid="rating-form"' not in html


def test_not_settled_on_a_recommendation_only_records_the_rating(client, cast):
    receipt, case = answered(cast, kind="recommendation")
    assert rate(client, receipt, stars="2", settled="no").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.instance) == (Status.ANSWERED, 1)
    assert Rating.objects.get().reopened is False


def test_not_settled_on_a_closed_complaint_reopens_it(client, cast):
    receipt, case = answered(cast, kind="complaint")
    services.case_close(case=case, actor=cast.kim_thanh_leader)
    rate(client, receipt, stars="1", settled="no")
    case.refresh_from_db()
    assert (case.status, case.instance, case.closed_at) == (Status.ACCEPTED, 2, None)


def test_a_second_complaint_is_not_reopened_again():
    case = Case(kind="complaint", status=Status.ANSWERED, instance=2, answered_at=timezone.now())
    assert not portal.may_reopen(case)


def test_a_complaint_answered_more_than_30_days_ago_is_not_reopened():
    now = timezone.now()
    late = Case(kind="complaint", status=Status.ANSWERED, answered_at=now - dt.timedelta(days=31))
    assert not portal.may_reopen(late, now=now)
    late.is_remote = True  # 45 days in remote areas
    assert portal.may_reopen(late, now=now)
    assert portal.may_reopen(Case(kind="complaint", status=Status.CLOSED, answered_at=now))


def test_an_answer_is_rated_once(client, cast):
    receipt, _case = answered(cast)
    assert rate(client, receipt, stars="4", settled="yes").status_code == 302
    again = rate(client, receipt, stars="1", settled="no")
    assert again.status_code == 409
    assert Rating.objects.count() == 1


def test_there_is_nothing_to_rate_before_the_answer(client, cast):
    receipt = received(cast.kim_thanh_committee, cast.kim_thanh_clerk)
    html = client.get(open_case_page(client, receipt)).content.decode()
    assert 'data-testid="rating-form"' not in html
    assert rate(client, receipt, stars="3", settled="yes").status_code == 409
    assert not Rating.objects.exists()


def test_stars_and_settled_are_required(client, cast):
    receipt, _case = answered(cast)
    response = rate(client, receipt, stars="7", comment="Giữ lại nội dung này")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_stars_error"' in html and 'id="id_settled_error"' in html
    assert "Giữ lại nội dung này" in html
    assert not Rating.objects.exists()


def test_only_a_browser_that_looked_the_petition_up_may_rate_it(client, cast):
    receipt, _case = answered(cast)
    code = receipt.petition.tracking_code
    response = client.post(f"/portal/track/{code}/rate/", {"stars": "1", "settled": "no"})
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/track/?code=")
    assert not Rating.objects.exists()

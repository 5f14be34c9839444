"""Tracking a petition: /portal/track/ with the tracking code and the secret or the phone."""

import pytest
from django.test import Client
from django.utils import translation

from townhall.petitions import services
from townhall.petitions.models import Status

from .helpers import answered, received

URL = "/portal/track/"
pytestmark = pytest.mark.django_db


def look_up(client, code, key, **extra):
    return client.post(URL, {"code": code, "key": key}, **extra)


def status_label(status) -> str:
    with translation.override("vi"):
        return str(status.label)


@pytest.fixture
def receipt(cast):
    return received(cast.kim_thanh_committee, cast.kim_thanh_clerk)


def test_the_right_code_and_secret_show_the_status(client, receipt):
    response = look_up(client, receipt.petition.tracking_code, receipt.secret)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/track/{receipt.petition.tracking_code}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="status">{status_label(Status.RECEIVED)}<' in html
    assert receipt.case.reference in html
    assert receipt.case.acknowledge_due.strftime("%d/%m/%Y") in html
    assert "no-store" in page["Cache-Control"]


def test_the_code_may_be_typed_in_lower_case_without_dashes(client, receipt):
    typed = receipt.petition.tracking_code.replace("-", " ").lower()
    assert look_up(client, typed, receipt.secret).status_code == 302


def test_the_phone_number_used_also_opens_the_petition(client, receipt):
    for phone in ("0912345678", "0912 345 678", "+84912345678"):
        fresh = Client()
        assert look_up(fresh, receipt.petition.tracking_code, phone).status_code == 302, phone


def test_a_wrong_secret_and_an_unknown_code_get_the_same_generic_answer(client, receipt):
    wrong_secret = look_up(client, receipt.petition.tracking_code, "000000")
    wrong_phone = look_up(client, receipt.petition.tracking_code, "0900000000")
    unknown_code = look_up(client, "TH-ZZZZ-ZZZZ", receipt.secret)

    def message(response):
        html = response.content.decode()
        start = html.index('data-testid="not-found"')
        return html[start : html.index("</div>", start)]

    assert wrong_secret.status_code == wrong_phone.status_code == unknown_code.status_code == 404
    assert message(wrong_secret) == message(wrong_phone) == message(unknown_code)
    assert receipt.case.reference not in wrong_secret.content.decode()


def test_the_status_page_is_closed_to_a_browser_that_did_not_look_it_up(client, receipt):
    code = receipt.petition.tracking_code
    response = client.get(f"/portal/track/{code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/track/?code={code}"
    # A look-up of another petition does not open this one.
    other = received(receipt.petition.receiving_agency, None)
    look_up(client, other.petition.tracking_code, other.secret)
    assert client.get(f"/portal/track/{code}/").status_code == 302


def test_a_device_can_forget_the_petition(client, receipt):
    code = receipt.petition.tracking_code
    look_up(client, code, receipt.secret)
    assert client.post("/portal/track/forget/").status_code == 302
    assert client.get(f"/portal/track/{code}/").status_code == 302


def test_empty_fields_are_shown_beside_them(client):
    response = look_up(client, "", "")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="error-code"' in html and 'data-testid="error-key"' in html


def test_the_twenty_first_look_up_in_ten_minutes_must_wait(client, receipt):
    for _ in range(20):
        assert look_up(client, "TH-ZZZZ-ZZZZ", "123456").status_code == 404
    response = look_up(client, receipt.petition.tracking_code, receipt.secret)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert look_up(Client(REMOTE_ADDR="198.51.100.7"), "TH-ZZZZ-ZZZZ", "1").status_code == 404


def test_the_public_timeline_shows_the_answer_and_no_staff(client, cast):
    receipt, case = answered(cast)
    services.case_close(case=case, actor=cast.kim_thanh_leader, note="Ông handler.kt đã xong")
    look_up(client, receipt.petition.tracking_code, receipt.secret)
    html = client.get(f"/portal/track/{receipt.petition.tracking_code}/").content.decode()
    assert "Đã đo đạc lại ranh giới" in html  # the answer
    assert "123/QĐ-UBND" in html
    staff = [cast.kim_thanh_leader, cast.kim_thanh_handler, cast.kim_thanh_clerk]
    for user in staff:
        assert user.username not in html
        assert str(user) not in html
        if user.title:
            assert user.title not in html
    assert "Ông handler.kt" not in html  # staff notes are not public
    assert status_label(Status.ASSIGNED) not in html  # the assignment is not a public event
    # Nor does the citizen see their own name on the page.
    assert "Nguyễn Văn An" not in html and "0912345678" not in html


def test_the_deadline_is_shown_once_the_case_is_accepted(client, cast, receipt):
    case = services.case_accept(case=receipt.case, actor=cast.kim_thanh_leader)
    look_up(client, receipt.petition.tracking_code, receipt.secret)
    html = client.get(f"/portal/track/{receipt.petition.tracking_code}/").content.decode()
    assert f'data-testid="due">{case.due:%d/%m/%Y}<' in html


def test_the_look_up_form_needs_its_csrf_token(receipt):
    strict = Client(enforce_csrf_checks=True)
    assert look_up(strict, receipt.petition.tracking_code, receipt.secret).status_code == 403

"""Published answers: /portal/answers/ shows only what the agency chose to publish, no person."""

import pytest

from townhall.petitions import services
from townhall.petitions.models import Topic
from townhall.portal.selectors import redact

from .helpers import DENOUNCER, answered, denouncer, received

URL = "/portal/answers/"
pytestmark = pytest.mark.django_db


def rows(response) -> int:
    return response.content.decode().count('data-testid="public-answer"')


def test_only_published_answers_are_listed(client, cast):
    _r, published = answered(cast, publish=True, answer="Đã trả lại lối đi chung.")
    _r, private = answered(cast, publish=False, answer="Trả lời riêng cho công dân.")
    received(cast.kim_thanh_committee, cast.kim_thanh_clerk)  # not answered
    html = client.get(URL).content.decode()
    assert published.reference in html and "Đã trả lại lối đi chung." in html
    assert private.reference not in html and "Trả lời riêng" not in html
    assert html.count('data-testid="public-answer"') == 1


def test_a_closed_published_answer_stays_listed_and_a_reopened_one_leaves(client, cast):
    _r, closed = answered(cast, publish=True)
    services.case_close(case=closed, actor=cast.kim_thanh_leader)
    _r, reopened = answered(cast, publish=True)
    services.case_reopen(case=reopened, actor=None, note="Chưa xong")
    html = client.get(URL).content.decode()
    assert closed.reference in html
    assert reopened.reference not in html


def test_no_personal_data_is_published(client, cast):
    answer = (
        "Trả lời ông Nguyễn Văn An (ĐT 0912 345 678, CCCD 030080001234, an@example.vn): "
        "đã đo đạc lại ranh giới."
    )
    _r, case = answered(cast, publish=True, answer=answer, kind="recommendation")
    html = client.get(URL).content.decode()
    assert case.reference in html
    for personal in ("Nguyễn Văn An", "0912 345 678", "0912345678", "030080001234", "an@example"):
        assert personal not in html, personal
    assert "đã đo đạc lại ranh giới." in html
    assert "Phú Thái" in html  # the locality
    assert "Đề nghị giải quyết dứt điểm" in html  # what it was about (not a denunciation)


def test_a_denunciation_s_content_and_denouncer_are_never_published(client, cast):
    _r, case = answered(
        cast,
        kind="denunciation",
        publish=True,
        submitters=[denouncer()],
        text="Tố cáo cán bộ địa chính xã nhận tiền của các hộ dân khi cấp sổ đỏ.",
        answer=f"Đã xác minh nội dung bà {DENOUNCER} tố cáo; đã xử lý kỷ luật.",
    )
    html = client.get(URL).content.decode()
    assert case.reference in html
    assert "nhận tiền của các hộ dân" not in html
    assert DENOUNCER not in html
    assert "đã xử lý kỷ luật" in html


def test_answers_are_filtered_by_topic(client, cast):
    _r, land = answered(cast, publish=True, topic="land")
    _r, school = answered(cast, publish=True, topic="education")
    html = client.get(URL, {"topic": "education"}).content.decode()
    assert school.reference in html and land.reference not in html


def test_today_s_province_shows_the_answers_of_the_provinces_merged_into_it(client, cast):
    _r, case = answered(cast, publish=True)  # Hải Dương, 2022
    assert case.reference in client.get(URL, {"province": "31"}).content.decode()  # Hải Phòng
    assert case.reference not in client.get(URL, {"province": "01"}).content.decode()  # Hà Nội


def test_today_s_commune_shows_the_answers_of_its_predecessor(client, cast):
    _r, case = answered(cast, publish=True)  # Thị trấn Phú Thái (10750), 2022
    found = client.get(URL, {"province": "31", "commune": "10750"}).content.decode()
    assert case.reference in found
    other = client.get(URL, {"province": "31", "commune": "11311"}).content.decode()
    assert case.reference not in other


def test_answers_are_paginated_in_a_fixed_number_of_queries(
    client, cast, django_assert_max_num_queries
):
    for _ in range(22):
        answered(cast, publish=True)
    with django_assert_max_num_queries(12):
        first = client.get(URL)
    assert rows(first) == 20
    second = client.get(URL, {"page": "2"})
    assert rows(second) == 2


def test_bad_filters_are_ignored(client, cast):
    answered(cast, publish=True)
    response = client.get(URL, {"topic": "nope", "province": "<script>", "page": "x"})
    assert response.status_code == 200
    assert rows(response) == 1


def test_redact_removes_names_phones_ids_and_emails():
    text = "Ông NGUYỄN  Văn An, 0912.345.678, +84912345678, 030080001234, a.b@c.vn; Văn Anh ở lại."
    cleaned = redact(text, ["Nguyễn Văn An"])
    assert cleaned == "Ông ***, ***, ***, ***, ***; Văn Anh ở lại."


def test_topics_are_offered_by_name(client):
    html = client.get(URL).content.decode()
    assert Topic.objects.get(code="land").name in html

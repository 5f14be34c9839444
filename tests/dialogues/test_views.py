"""Staff pages: the same services behind forms, access per jurisdiction, read-only and method."""

import datetime as dt
import io

import docx
import pytest
from django.test import Client
from django.urls import reverse

from townhall.dialogues import services
from townhall.dialogues.models import Conclusion, Conference, Opinion, Outcome, Status

from .helpers import held, plan, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return world_build(cast)


def login(client, user):
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"dialogues:{name}", args=args)


def test_a_conference_is_planned_and_taken_to_the_day_through_the_pages(client, world):
    login(client, world.secretary_clerk)
    assert client.get(url("list")).status_code == 200
    response = client.post(
        url("new"),
        {
            "title": "Đối thoại với nhân dân thị trấn Phú Thái",
            "host_agency": world.party_committee.pk,
            "starts_at": "2022-12-28T08:00",
            "chair": world.secretary.pk,
            "co_chairs": [world.cast.kim_thanh_leader.pk],
            "organisers": [world.front.pk],
            "venue": "Hội trường UBND thị trấn Phú Thái",
            "audience_kind": "residents",
            "expected_attendance": "150",
        },
    )
    conference = Conference.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", conference.pk)
    assert conference.chairings.count() == 2 and conference.host_level == "district"

    def step(action, data=None):
        return client.post(url("transition", conference.pk, action), data or {})

    step("announce", {"announced_at": "2022-12-15T08:00", "invitation_number": "45-GM/HU"})
    step("collect")
    response = client.post(
        url("opinion_add", conference.pk),
        {
            "text": "Đề nghị nâng cấp tuyến đường trục khu dân cư cũ.",
            "topic": world.mass_case.topic.pk,
            "kind": "recommendation",
            "name": "Ông Nguyễn Văn Hùng",
            "received_at": "2022-12-20T09:00",
            "collected_by": world.front.pk,
        },
    )
    assert response.status_code == 302
    page = client.get(url("detail", conference.pk))
    assert page.status_code == 200
    assert "Đề nghị nâng cấp tuyến đường" in page.content.decode()
    step("hold", {"held_at": "2022-12-28T08:00", "attendance": "180"})
    conference.refresh_from_db()
    assert conference.status == Status.HELD and conference.attendance == 180

    day = client.get(url("day", conference.pk))
    assert day.status_code == 200 and 'hx-post="' in day.content.decode()
    floor = client.post(
        url("opinion_add", conference.pk),
        {
            "text": "Đề nghị mở rộng cống thoát nước.",
            "topic": world.mass_case.topic.pk,
            "kind": "recommendation",
            "received_at": "2022-12-28T10:00",
        },
    )
    assert floor.status_code == 302 and floor["Location"] == url("day", conference.pk)
    first, second = conference.opinions.order_by("number")
    assert second.petition.channel == "dialogue_floor"

    row = client.post(
        url("opinion_outcome", conference.pk, first.pk),
        {
            f"o{first.pk}-answered_at_conference": "1",
            f"o{first.pk}-answered_by": "Bí thư Huyện ủy",
            f"o{first.pk}-answer": "Đồng ý, năm 2023 sẽ nâng cấp.",
        },
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200
    html = row.content.decode()
    assert html.startswith(f'<article id="opinion-{first.pk}"') and "Đồng ý, năm 2023" in html
    refused = client.post(
        url("opinion_outcome", conference.pk, second.pk),
        {f"o{second.pk}-answered_at_conference": "0", f"o{second.pk}-deadline": "2023-01-31"},
        HTTP_HX_REQUEST="true",
    )
    assert "A deferred opinion needs an assignee agency" in refused.content.decode()
    second.refresh_from_db()
    assert second.outcome == Outcome.PENDING
    client.post(
        url("opinion_outcome", conference.pk, second.pk),
        {
            f"o{second.pk}-answered_at_conference": "0",
            f"o{second.pk}-assignee": world.cast.phu_thai_committee.pk,
            f"o{second.pk}-deadline": "2023-01-31",
        },
    )
    second.refresh_from_db()
    assert second.outcome == Outcome.DEFERRED

    form = {
        "number": "125-TB/HU",
        "signed_on": "2022-12-30",
        "text": "Kết luận của đồng chí Bí thư.",
        "published_at": "2023-01-03T08:00",
        "d-TOTAL_FORMS": "3",
        "d-INITIAL_FORMS": "0",
        "d-0-text": "Cắm mốc lại ranh giới.",
        "d-0-assignee": world.cast.phu_thai_committee.pk,
        "d-0-deadline": "2023-01-31",
        "d-1-text": "Cấp giấy chứng nhận.",
        "d-1-deadline": "2023-03-31",
    }
    refused = client.post(url("conclude", conference.pk), form)
    assert refused.status_code == 422
    assert "Each directive needs an assignee agency" in refused.content.decode()
    assert not Conclusion.objects.exists()
    form["d-1-assignee"] = world.land_office.pk
    assert client.post(url("conclude", conference.pk), form).status_code == 302
    d1, d2 = Conclusion.objects.get().directives.order_by("number")

    client.post(url("directive", d1.pk, "progress"), {"note": "Đang đo đạc."})
    client.post(url("directive", d1.pk, "done"), {"result": "Đã cắm mốc.", "done_at": ""})
    client.post(url("directive", d1.pk, "verify"), {"note": ""})
    d1.refresh_from_db()
    assert d1.status == "verified"
    assert list(d1.events.values_list("action", flat=True)) == [
        "issued",
        "progress",
        "done",
        "verified",
    ]
    page = client.get(url("detail", conference.pk)).content.decode()
    assert "125-TB/HU" in page and 'data-testid="directive-2"' in page

    document = client.get(url("document", conference.pk, "conclusion"))
    assert document.status_code == 200
    assert document["Content-Type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(document.content)).paragraphs)
    assert "THÔNG BÁO KẾT LUẬN" in text


def test_a_refused_transition_is_reported_and_changes_nothing(client, world):
    conference = plan(world)
    login(client, world.secretary_clerk)
    response = client.post(
        url("transition", conference.pk, "hold"), {"held_at": "2022-12-28T08:00"}, follow=True
    )
    assert "Cannot hold the conference" in response.content.decode()
    conference.refresh_from_db()
    assert conference.status == Status.PLANNED


def test_a_chi_linh_leader_gets_404_on_a_kim_thanh_conference(client, world):
    conference, agenda = held(world, opinions=1)
    login(client, world.cast.chi_linh_leader)
    assert client.get(url("detail", conference.pk)).status_code == 404
    assert client.get(url("day", conference.pk)).status_code == 404
    assert client.get(url("document", conference.pk, "minutes")).status_code == 404
    response = client.post(url("transition", conference.pk, "minutes"), {"attendance": "1"})
    assert response.status_code == 404
    assert conference.title not in client.get(url("list")).content.decode()


def test_an_inspector_reads_but_may_not_write(client, world):
    conference, agenda = held(world, opinions=1)
    login(client, world.cast.province_inspector)
    page = client.get(url("detail", conference.pk))
    assert page.status_code == 200 and 'data-testid="actions"' not in page.content.decode()
    outcome = client.post(
        url("opinion_outcome", conference.pk, agenda[0].pk),
        {f"o{agenda[0].pk}-answered_at_conference": "1", f"o{agenda[0].pk}-answered_by": "x"},
    )
    assert outcome.status_code == 403
    assert client.get(url("new")).status_code == 403
    assert client.post(url("conclude", conference.pk), {}).status_code == 403
    assert Opinion.objects.get().outcome == Outcome.PENDING


def test_pages_need_a_login_and_the_right_method(client, world):
    conference = plan(world)
    response = client.get(url("detail", conference.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    login(client, world.secretary_clerk)
    assert client.get(url("transition", conference.pk, "announce")).status_code == 405
    assert client.post(url("transition", conference.pk, "explode")).status_code == 404
    assert client.get(url("document", conference.pk, "conclusion")).status_code == 404


def test_forms_carry_a_csrf_token_and_a_post_without_one_is_refused(world):
    conference = plan(world)
    client = Client(enforce_csrf_checks=True)
    login(client, world.secretary_clerk)
    page = client.get(url("detail", conference.pk)).content.decode()
    assert page.count("csrfmiddlewaretoken") >= 2
    response = client.post(url("transition", conference.pk, "announce"), {})
    assert response.status_code == 403
    conference.refresh_from_db()
    assert conference.status == Status.PLANNED


def test_the_slow_agencies_page_lists_overdue_directives(client, world):
    conference, agenda = held(world, opinions=0)
    services.conference_conclude(
        conference=conference,
        actor=world.secretary_clerk,
        number="1-TB/HU",
        signed_on=dt.date(2022, 12, 30),
        text="Kết luận.",
        directives=[services.DirectiveData("Báo cáo.", world.land_office, dt.date(2023, 1, 31))],
    )
    login(client, world.cast.province_inspector)
    page = client.get(url("slow_agencies")).content.decode()
    assert "Phòng Tài nguyên và Môi trường huyện Kim Thành" in page

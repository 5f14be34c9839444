"""The staff pages: thin views over the same services, for every member of the cast."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from townhall.petitions.models import Case
from townhall.reception import services
from townhall.reception.models import ReceptionSchedule, ReceptionSession, RegisterEntry

from .helpers import DAM_CHO, record_session, visit

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entry_form(**changes) -> dict:
    data = {
        "content": DAM_CHO,
        "kind": "complaint",
        "topic": "land",
        "action": "accepted",
        "citizens-TOTAL_FORMS": "5",
        "citizens-INITIAL_FORMS": "0",
        "citizens-0-name": "Nguyễn Văn An",
        "citizens-0-id_number": "030080001234",
        "citizens-0-address": "Phú Thái",
    }
    data.update(changes)
    return data


@pytest.fixture
def session(cast):
    return record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2022, 10, 13))


def test_anonymous_users_are_sent_to_log_in(client, session):
    for name, args in [("schedules", []), ("session", [session.pk]), ("compliance", [])]:
        response = client.get(reverse(f"reception:{name}", args=args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_clerk_creates_a_schedule(cast):
    client = logged_in(cast.kim_thanh_clerk)
    page = client.get(reverse("reception:schedules"))
    assert page.status_code == 200 and b'data-testid="schedule-form"' in page.content
    response = client.post(
        reverse("reception:schedules"),
        {
            "agency": cast.kim_thanh_committee.pk,
            "head": cast.kim_thanh_leader.pk,
            "weekday": "3",
            "week_of_month": "2",
            "valid_from": "01/01/2022",
            "venue": "Trụ sở tiếp công dân huyện",
        },
    )
    assert response.status_code == 302
    schedule = ReceptionSchedule.objects.get()
    assert (schedule.weekday, schedule.week_of_month) == (3, 2)
    client.post(reverse("reception:schedule_publish", args=[schedule.pk]), {"published": "1"})
    schedule.refresh_from_db()
    assert schedule.is_published


def test_a_schedule_for_a_head_from_elsewhere_is_shown_beside_the_field(cast):
    client = logged_in(cast.administrator)
    response = client.post(
        reverse("reception:schedules"),
        {
            "agency": cast.kim_thanh_committee.pk,
            "head": cast.chi_linh_leader.pk,
            "weekday": "3",
            "valid_from": "01/01/2022",
            "venue": "Trụ sở",
        },
    )
    assert response.status_code == 422
    assert b'data-testid="error-head"' in response.content
    assert not ReceptionSchedule.objects.exists()


def test_posting_without_the_csrf_token_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.kim_thanh_clerk)
    response = client.post(reverse("reception:sessions"), {"agency": cast.kim_thanh_committee.pk})
    assert response.status_code == 403
    assert not ReceptionSession.objects.exists()


def test_a_clerk_records_a_session_and_lands_on_its_page(cast):
    client = logged_in(cast.kim_thanh_clerk)
    response = client.post(
        reverse("reception:sessions"),
        {
            "agency": cast.kim_thanh_committee.pk,
            "date": "13/10/2022",
            "received_by": cast.kim_thanh_leader.pk,
            "kind": "scheduled",
        },
    )
    session = ReceptionSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reception:session", args=[session.pk])


def test_a_delegated_session_without_the_delegate_is_shown_beside_the_field(cast):
    client = logged_in(cast.kim_thanh_clerk)
    response = client.post(
        reverse("reception:sessions"),
        {
            "agency": cast.kim_thanh_committee.pk,
            "date": "13/10/2022",
            "received_by": cast.kim_thanh_leader.pk,
            "kind": "scheduled",
            "is_delegated": "on",
        },
    )
    assert response.status_code == 422
    assert b'data-testid="error-delegate"' in response.content


def test_a_visit_is_recorded_from_the_session_page(cast, session):
    client = logged_in(cast.kim_thanh_clerk)
    page = client.get(reverse("reception:session", args=[session.pk]))
    assert page.status_code == 200 and b'data-testid="entry-form"' in page.content
    response = client.post(reverse("reception:entry_create", args=[session.pk]), entry_form())
    assert response.status_code == 302
    entry = RegisterEntry.objects.get()
    page = client.get(reverse("reception:session", args=[session.pk]))
    assert entry.petition.case.reference in page.content.decode()
    assert "Nguyễn Văn An" in page.content.decode()


def test_a_visit_names_the_locality_it_concerns(cast, session):
    client = logged_in(cast.kim_thanh_clerk)
    url = reverse("reception:entry_create", args=[session.pk])
    refused = client.post(url, entry_form(unit="99999"))
    assert refused.status_code == 422 and b'data-testid="error-unit"' in refused.content
    assert client.post(url, entry_form(unit="10750")).status_code == 302
    assert RegisterEntry.objects.get().petition.unit.name == "Thị trấn Phú Thái"


def test_a_visit_attached_to_a_similar_case(cast, session):
    first = services.entry_record(session=session, visit=visit(), actor=cast.kim_thanh_clerk)
    case = first.entry.petition.case
    client = logged_in(cast.kim_thanh_clerk)
    panel = client.get(reverse("reception:similar"), {"content": DAM_CHO})
    assert case.reference in panel.content.decode()
    response = client.post(
        reverse("reception:entry_create", args=[session.pk]),
        entry_form(**{"attach_to": str(case.pk), "citizens-0-id_number": "030080009999"}),
    )
    assert response.status_code == 302
    assert Case.objects.count() == 1 and case.petitions.count() == 2


def test_an_entry_with_no_content_is_shown_beside_the_field(cast, session):
    client = logged_in(cast.kim_thanh_clerk)
    response = client.post(
        reverse("reception:entry_create", args=[session.pk]), entry_form(content="  ")
    )
    assert response.status_code == 422
    assert b'data-testid="error-content"' in response.content
    assert not RegisterEntry.objects.exists()


def test_a_group_without_representatives_is_refused_on_the_page(cast, session):
    client = logged_in(cast.kim_thanh_clerk)
    response = client.post(
        reverse("reception:entry_create", args=[session.pk]),
        entry_form(
            is_group="on",
            people_count="12",
            **{"citizens-0-name": "", "citizens-0-id_number": "", "citizens-0-address": ""},
        ),
    )
    assert response.status_code == 422
    assert b'data-testid="form-errors"' in response.content
    assert "representative" in response.content.decode()


def test_a_bad_id_number_is_shown_in_the_citizens_row(cast, session):
    client = logged_in(cast.kim_thanh_clerk)
    response = client.post(
        reverse("reception:entry_create", args=[session.pk]),
        entry_form(**{"citizens-0-id_number": "123"}),
    )
    assert response.status_code == 422
    assert b'data-testid="error-citizens-0-id_number"' in response.content


def test_another_districts_session_is_not_found(cast, session):
    client = logged_in(cast.chi_linh_leader)
    assert client.get(reverse("reception:session", args=[session.pk])).status_code == 404
    response = client.post(reverse("reception:entry_create", args=[session.pk]), entry_form())
    assert response.status_code == 404
    assert not RegisterEntry.objects.exists()


def test_the_inspector_reads_but_may_not_write(cast, session):
    client = logged_in(cast.province_inspector)
    page = client.get(reverse("reception:session", args=[session.pk]))
    assert page.status_code == 200 and b'data-testid="entry-form"' not in page.content
    response = client.post(reverse("reception:entry_create", args=[session.pk]), entry_form())
    assert response.status_code == 403
    assert client.post(reverse("reception:sessions"), {}).status_code == 403


def test_the_wrong_method_is_405(cast, session):
    client = logged_in(cast.kim_thanh_clerk)
    assert client.get(reverse("reception:entry_create", args=[session.pk])).status_code == 405
    assert client.post(reverse("reception:compliance")).status_code == 405
    assert client.put(reverse("reception:sessions")).status_code == 405


def test_the_compliance_table_shows_the_district_chairs_shortfall(cast, session):
    client = logged_in(cast.kim_thanh_leader)
    response = client.get(
        reverse("reception:compliance"),
        {"unit": "293", "period": "month", "year": "2022", "number": "10"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index(f'data-testid="compliance-{cast.kim_thanh_committee.pk}"') :]
    row = row[: row.index("</tr>")]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]
    assert cells[3:6] == ["2", "1", "0"]
    assert 'data-testid="shortfall">1<' in row


def test_compliance_for_a_unit_outside_the_jurisdiction_is_refused(cast):
    client = logged_in(cast.chi_linh_leader)
    response = client.get(
        reverse("reception:compliance"),
        {"unit": "293", "period": "month", "year": "2022", "number": "10"},
    )
    assert response.status_code == 422
    assert b'data-testid="error-unit"' in response.content


def test_the_register_downloads_from_the_export_page(cast, session):
    services.entry_record(session=session, visit=visit(), actor=cast.kim_thanh_clerk)
    client = logged_in(cast.kim_thanh_clerk)
    assert client.get(reverse("reception:export")).status_code == 200
    response = client.get(
        reverse("reception:export"),
        {"agency": cast.kim_thanh_committee.pk, "start": "01/10/2022", "end": "31/10/2022"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["C6"].value == "Nguyễn Văn An – Phú Thái"
    outsider = logged_in(cast.chi_linh_leader)
    refused = outsider.get(
        reverse("reception:export"),
        {"agency": cast.kim_thanh_committee.pk, "start": "01/10/2022", "end": "31/10/2022"},
    )
    assert refused.status_code == 422


def test_the_pages_render_in_both_languages(cast, session):
    client = logged_in(cast.kim_thanh_clerk)
    for language in ("vi", "en"):
        client.cookies["django_language"] = language
        for name in ("schedules", "sessions", "compliance", "export"):
            assert client.get(reverse(f"reception:{name}")).status_code == 200

"""The reception API: schedules, sessions, the register, compliance, the XLSX; every refusal."""

import io
import json

import pytest
from openpyxl import load_workbook

from townhall.api.auth import token_create
from townhall.petitions import flags
from townhall.petitions.models import Case, Channel
from townhall.reception.models import ReceptionSession, RegisterEntry

from .helpers import DAM_CHO, record_session

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


class StaffClient:
    """Calls the API as one staff user, with a token made by the real token function."""

    def __init__(self, client, user):
        self.client = client
        _, self.token = token_create(user=user, name="tests")

    def _headers(self, key=None) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        if key:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return headers

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, **self._headers())

    def post(self, path, body=None, *, key=None):
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            **self._headers(key),
        )


@pytest.fixture
def clerk(client, cast):
    return StaffClient(client, cast.kim_thanh_clerk)


@pytest.fixture
def outsider(client, cast):
    return StaffClient(client, cast.chi_linh_leader)


@pytest.fixture
def inspector(client, cast):
    return StaffClient(client, cast.province_inspector)


def session_body(cast, **changes):
    body = {
        "agency": cast.kim_thanh_committee.pk,
        "date": "2022-10-13",
        "received_by": cast.kim_thanh_leader.pk,
    }
    body.update(changes)
    return body


def entry_body(**changes):
    body = {
        "content": DAM_CHO,
        "kind": "complaint",
        "topic": "land",
        "action": "accepted",
        "citizens": [{"name": "Nguyễn Văn An", "id_number": "030080001234", "address": "Phú Thái"}],
    }
    body.update(changes)
    return body


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body


# --- rules and schedules ----------------------------------------------------------------------
def test_the_rules_in_force_are_public(client):
    before = client.get("/api/v1/reception/rules", {"on": "2025-06-30"}).json()
    after = client.get("/api/v1/reception/rules", {"on": "2025-07-01"}).json()
    offices = {r["office"]: (r["days_required"], r["per"]) for r in before}
    assert offices["district_pc_chair"] == (2, "month")
    assert offices["commune_pc_chair"] == (1, "week")
    assert "district_pc_chair" not in {r["office"] for r in after}
    assert len(client.get("/api/v1/reception/rules").json()) == 9


def test_a_schedule_is_created_checked_and_published(clerk, client, cast):
    response = clerk.post(
        "/reception/schedules",
        {
            "agency": cast.kim_thanh_committee.pk,
            "head": cast.kim_thanh_leader.pk,
            "weekday": 3,
            "week_of_month": 2,
            "valid_from": "2022-01-01",
            "venue": "Trụ sở tiếp công dân huyện",
        },
    )
    assert response.status_code == 201, response.content
    schedule = response.json()
    assert schedule["is_published"] is False and schedule["head"]["id"] == cast.kim_thanh_leader.pk
    check = clerk.get(
        f"/reception/agencies/{cast.kim_thanh_committee.pk}/schedule-check",
        {"from": "2022-10-01", "to": "2022-10-31"},
    ).json()
    assert check["office"] == "district_pc_chair"
    assert check["days"] == ["2022-10-13"]
    assert check["shortfall"] == 1
    published = clerk.post(f"/reception/schedules/{schedule['id']}/publish", {"published": True})
    assert published.status_code == 200 and published.json()["is_published"] is True
    public = client.get("/api/v1/reception/schedules/published", {"on": "2022-10-01"}).json()
    assert [s["id"] for s in public] == [schedule["id"]]
    assert [s["id"] for s in clerk.get("/reception/schedules").json()] == [schedule["id"]]


def test_a_schedule_without_a_head_on_record_names_the_field(clerk, cast):
    response = clerk.post(
        "/reception/schedules",
        {
            "agency": cast.kim_thanh_committee.pk,
            "weekday": 3,
            "valid_from": "2022-01-01",
            "venue": "Trụ sở",
        },
    )
    assert_problem(response, 422, "head")


# --- sessions and entries ---------------------------------------------------------------------
def test_a_session_and_a_group_visit_of_12_that_becomes_a_mass_case(clerk, cast):
    response = clerk.post("/reception/sessions", session_body(cast), key="s-1")
    assert response.status_code == 201, response.content
    session = response.json()
    assert session["received_by"]["id"] == cast.kim_thanh_leader.pk
    assert session["kind"] == "scheduled"
    response = clerk.post(
        f"/reception/sessions/{session['id']}/entries",
        entry_body(
            is_group=True,
            people_count=12,
            citizens=[
                {"name": f"Cư dân số {i}", "id_number": f"0300800{i:05d}", "address": "Đầm Chợ"}
                for i in (1, 2, 3)
            ],
        ),
        key="e-1",
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["number"] == 1 and entry["people_count"] == 12 and entry["is_group"]
    assert [c["is_representative"] for c in entry["citizens"]] == [True, True, True]
    assert entry["case_status"] == "accepted" and entry["secret"]
    case = Case.objects.get(pk=entry["case"])
    assert case.petitions.get().channel == Channel.RECEPTION
    assert "mass" in [f.code for f in flags.case_flags(case)]
    listed = clerk.get(f"/reception/sessions/{session['id']}/entries").json()
    assert [e["id"] for e in listed] == [entry["id"]] and "secret" not in listed[0]
    page = clerk.get("/reception/sessions", {"from": "2022-10-01", "to": "2022-10-31"}).json()
    assert page["count"] == 1


def test_a_retried_entry_is_written_once(clerk, cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    first = clerk.post(f"/reception/sessions/{session.pk}/entries", entry_body(), key="same")
    again = clerk.post(f"/reception/sessions/{session.pk}/entries", entry_body(), key="same")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert RegisterEntry.objects.count() == 1


def test_a_follow_up_is_written_through_the_api(clerk, cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    entry = clerk.post(f"/reception/sessions/{session.pk}/entries", entry_body()).json()
    response = clerk.post(
        f"/reception/entries/{entry['id']}/follow-up", {"follow_up": "Đã trả lời"}
    )
    assert response.status_code == 200 and response.json()["follow_up"] == "Đã trả lời"


# --- bad input: 4xx with the reason -----------------------------------------------------------
def test_a_session_outside_the_heads_jurisdiction_is_422(client, cast):
    admin = StaffClient(client, cast.administrator)
    response = admin.post(
        "/reception/sessions", session_body(cast, received_by=cast.chi_linh_leader.pk)
    )
    assert_problem(response, 422, "received_by")
    assert "no jurisdiction" in response.json()["detail"]
    assert not ReceptionSession.objects.exists()


def test_a_head_the_clerk_cannot_see_is_422(clerk, cast):
    response = clerk.post(
        "/reception/sessions", session_body(cast, received_by=cast.chi_linh_leader.pk)
    )
    assert_problem(response, 422, "received_by")


def test_a_delegated_session_without_the_delegate_is_422(clerk, cast):
    response = clerk.post("/reception/sessions", session_body(cast, is_delegated=True))
    assert_problem(response, 422, "delegate")


def test_an_unscheduled_session_without_a_reason_is_422(clerk, cast):
    response = clerk.post("/reception/sessions", session_body(cast, kind="unscheduled"))
    assert_problem(response, 422, "reason")


def test_an_entry_with_no_content_is_422(clerk, cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    response = clerk.post(f"/reception/sessions/{session.pk}/entries", entry_body(content=" "))
    assert_problem(response, 422, "content")
    assert not Case.objects.exists()


def test_a_group_visit_without_representatives_is_422(clerk, cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    response = clerk.post(
        f"/reception/sessions/{session.pk}/entries",
        entry_body(is_group=True, people_count=12, citizens=[]),
    )
    assert_problem(response, 422, "representatives")


def test_unknown_codes_and_ids_in_the_body_name_their_field(clerk, cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    url = f"/reception/sessions/{session.pk}/entries"
    assert_problem(clerk.post(url, entry_body(topic="nope")), 422, "topic")
    assert_problem(clerk.post(url, entry_body(unit="99999")), 422, "unit")
    assert_problem(clerk.post(url, entry_body(case_id=10**9)), 422, "case_id")
    assert_problem(
        clerk.post(url, entry_body(action="transferred", transferred_to=10**9)),
        422,
        "transferred_to",
    )
    assert_problem(clerk.post(url, entry_body(kind="gossip")), 422, "kind")
    assert_problem(
        clerk.post("/reception/sessions", session_body(cast, agency=cast.chi_linh_committee.pk)),
        422,
        "agency",
    )


# --- access -----------------------------------------------------------------------------------
def test_another_districts_records_are_not_found(outsider, cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    assert_problem(outsider.get(f"/reception/sessions/{session.pk}"), 404)
    assert_problem(outsider.get(f"/reception/sessions/{session.pk}/entries"), 404)
    assert_problem(outsider.post(f"/reception/sessions/{session.pk}/entries", entry_body()), 404)
    assert outsider.get("/reception/sessions").json()["count"] == 0
    assert_problem(
        outsider.get(
            "/reception/compliance", {"unit": "293", "from": "2022-10-01", "to": "2022-10-31"}
        ),
        404,
    )
    assert_problem(
        outsider.get(
            "/reception/register.xlsx",
            {"agency": cast.kim_thanh_committee.pk, "from": "2022-10-01", "to": "2022-10-31"},
        ),
        404,
    )


def test_the_inspector_reads_but_may_not_write(inspector, cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    assert inspector.get(f"/reception/sessions/{session.pk}").status_code == 200
    assert_problem(inspector.post(f"/reception/sessions/{session.pk}/entries", entry_body()), 403)
    assert_problem(inspector.post("/reception/sessions", session_body(cast)), 403)


def test_without_a_token_it_is_401(client, cast):
    assert_problem(client.get("/api/v1/reception/sessions"), 401)
    assert_problem(client.get("/api/v1/reception/compliance", {"unit": "293"}), 401)


def test_an_absurd_id_is_422_not_500(clerk):
    assert_problem(clerk.get(f"/reception/sessions/{2**70}"), 422)


# --- compliance and the register --------------------------------------------------------------
def test_compliance_shows_the_district_chairs_shortfall(clerk, cast):
    record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    response = clerk.get(
        "/reception/compliance", {"unit": "293", "from": "2022-10-01", "to": "2022-10-31"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit_name"] == "Huyện Kim Thành"
    row = next(r for r in body["rows"] if r["agency"]["id"] == cast.kim_thanh_committee.pk)
    assert (row["office"], row["required"], row["held"], row["shortfall"]) == (
        "district_pc_chair",
        2,
        1,
        1,
    )
    assert row["periods"][0]["legal_basis"] == "Luật Tiếp công dân 2013, Điều 14"


def test_a_backwards_or_overlong_period_is_422(clerk):
    assert_problem(
        clerk.get(
            "/reception/compliance", {"unit": "293", "from": "2022-10-31", "to": "2022-10-01"}
        ),
        422,
        "to",
    )
    assert_problem(
        clerk.get(
            "/reception/compliance", {"unit": "293", "from": "2020-01-01", "to": "2022-10-01"}
        ),
        422,
        "to",
    )
    assert_problem(clerk.get("/reception/compliance", {"unit": "293", "from": "01/10/2022"}), 422)


def test_the_register_downloads_as_xlsx(clerk, cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    clerk.post(f"/reception/sessions/{session.pk}/entries", entry_body())
    response = clerk.get(
        "/reception/register.xlsx",
        {"agency": cast.kim_thanh_committee.pk, "from": "2022-10-01", "to": "2022-10-31"},
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["E6"].value == DAM_CHO


def test_the_openapi_document_lists_the_reception_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/reception/schedules",
        "/api/v1/reception/sessions",
        "/api/v1/reception/sessions/{session_id}/entries",
        "/api/v1/reception/compliance",
        "/api/v1/reception/register.xlsx",
    } <= set(paths)

"""The reports API: public statistics, staff-only breakdowns, the inspection, hotspots and
report documents; every bad input is a 4xx problem with the reason."""

import pytest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tests.reception.test_api import StaffClient
from townhall.reports.statistics_dialogues import DIALOGUE_KEYS

from .helpers import world_build

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
YEAR = {"from": "2022-01-01", "to": "2022-12-31"}


def test_dialogue_statistics_are_public(client, cast):
    world_build(cast)
    response = client.get("/api/v1/reports/dialogues", {"unit": "293", **YEAR})
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in DIALOGUE_KEYS[:6]} == {
        "conferences": 2,
        "opinions": 7,
        "answered_at_conference": 5,
        "answered_later": 1,
        "pending": 1,
        "overdue": 1,
    }
    assert body["unit"] == {
        "code": "293",
        "name": "Huyện Kim Thành",
        "level": "district",
        "own": True,
        "era": "three_level",
    }
    assert body["from"] == "2022-01-01" and body["to"] == "2022-12-31"
    assert body["previous"]["conferences"] == 1 and body["previous"]["from"] == "2021-01-01"
    assert body["by_unit"][0]["code"] == "293" and body["by_unit"][0]["own"] is True
    assert set(DIALOGUE_KEYS) <= set(body["by_unit"][1])
    assert body["by_agency"] is None  # agencies' figures are for staff


def test_host_level_filters_the_conferences(client, cast):
    world_build(cast)
    body = client.get(
        "/api/v1/reports/dialogues", {"unit": "293", "host_level": "commune", **YEAR}
    ).json()
    assert (body["conferences"], body["opinions"], body["level"]) == (1, 2, "commune")


def test_staff_get_the_breakdown_by_agency(client, cast):
    world = world_build(cast)
    staff = StaffClient(client, cast.province_inspector)
    body = staff.get("/reports/dialogues", {"unit": "293", **YEAR}).json()
    hosts = {r["agency"]["id"]: r["conferences"] for r in body["by_agency"]}
    assert hosts == {world.party.pk: 1, cast.phu_thai_committee.pk: 1}
    # Another district's staff get the public figures, without the agencies.
    outsider = StaffClient(client, cast.chi_linh_leader)
    body = outsider.get("/reports/dialogues", {"unit": "293", **YEAR}).json()
    assert body["conferences"] == 2 and body["by_agency"] is None


def test_petition_and_reception_statistics_answer(client, cast):
    world_build(cast)
    petitions = client.get("/api/v1/reports/petitions", {"unit": "293", **YEAR})
    assert petitions.status_code == 200
    body = petitions.json()
    assert body["petitions"] == 7 and body["by_channel"]["dialogue_before"] == 7
    assert body["by_unit"][1]["by_kind"]["recommendation"] >= 0
    reception = client.get("/api/v1/reports/reception", {"unit": "293", **YEAR})
    assert reception.status_code == 200
    assert reception.json()["days_required"] > 0


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"unit": "99999", **YEAR}, "unit", "No administrative unit has the code '99999'"),
        (
            {"unit": "293", "from": "2026-01-01", "to": "2026-12-31"},
            "unit",
            "Huyện Kim Thành (293) was a unit from 01/08/2008 to 30/06/2025, not on 01/01/2026",
        ),
        (
            {"unit": "293", "from": "2022-12-31", "to": "2022-01-01"},
            "to",
            "The period ends on 01/01/2022, before it starts on 31/12/2022",
        ),
        (
            {"unit": "293", "from": "2012-01-01", "to": "2022-01-01"},
            "to",
            "The period 01/01/2012 – 01/01/2022 spans more than 10 years; ask for less",
        ),
        (
            {"unit": "01", "from": "2026-01-01", "to": "2026-12-31", "host_level": "district"},
            "level",
            "local government has two levels",
        ),
    ],
)
def test_bad_input_is_a_4xx_with_the_reason(client, params, field, reason):
    response = client.get("/api/v1/reports/dialogues", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert reason in body["detail"]
    assert body["errors"] == [{"field": field, "message": body["detail"]}]


def test_ten_years_less_a_day_is_allowed(client):
    response = client.get(
        "/api/v1/reports/dialogues", {"unit": "30", "from": "2012-01-01", "to": "2021-12-31"}
    )
    assert response.status_code == 200


def test_an_unknown_level_or_a_missing_parameter_is_a_422(client):
    response = client.get("/api/v1/reports/dialogues", {"unit": "30", **YEAR, "host_level": "x"})
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    response = client.get("/api/v1/reports/petitions", {"unit": "30", "from": "2022-01-01"})
    assert response.status_code == 422


def test_a_bad_token_is_refused_not_ignored(client):
    response = client.get(
        "/api/v1/reports/dialogues",
        {"unit": "30", **YEAR},
        HTTP_AUTHORIZATION="Bearer th_not-a-token",
    )
    assert response.status_code == 401 and response["Content-Type"] == PROBLEM


def test_the_inspection_and_hotspots_are_for_staff_in_their_jurisdiction(client, cast):
    world_build(cast)
    for path, params in (
        ("/api/v1/reports/compliance", {"unit": "293", "year": 2022}),
        ("/api/v1/reports/hotspots", {"unit": "31"}),
    ):
        assert client.get(path, params).status_code == 401
    outsider = StaffClient(client, cast.chi_linh_leader)
    response = outsider.get("/reports/compliance", {"unit": "293", "year": 2022})
    assert response.status_code == 404
    assert response.json()["detail"] == _("%(name)s (%(code)s) is outside your jurisdiction") % {
        "name": "Huyện Kim Thành",
        "code": "293",
    }


def test_the_compliance_report_over_json(client, cast):
    world_build(cast)
    inspector = StaffClient(client, cast.province_inspector)
    body = inspector.get("/reports/compliance", {"unit": "293", "year": 2022}).json()
    rows = {r["unit"]["code"]: r for r in body["dialogues"]}
    # Hải Dương's 03-QC/TU (seeded): district-level 2 a year, commune-level 2 a year.
    assert (rows["293"]["required"], rows["293"]["held"], rows["293"]["shortfall"]) == (2, 1, 1)
    assert (rows["10750"]["required"], rows["10750"]["held"], rows["10750"]["shortfall"]) == (
        2,
        1,
        1,
    )
    assert rows["10762"]["held"] == 0 and rows["10762"]["shortfall"] == 2
    assert body["units_short"] == len(rows)
    slow = {a["agency"]["name"]: a for a in body["agencies"]}
    assert slow["Ủy ban nhân dân huyện Kim Thành"]["overdue"] == 1
    assert [d["text"] for d in slow["Ủy ban nhân dân huyện Kim Thành"]["overdue_directives"]] == [
        "Quá hạn"
    ]
    assert slow["Phòng Tài nguyên và Môi trường huyện Kim Thành"]["done_late"] == 1


def test_hotspots_over_json(client, cast):
    world_build(cast)
    inspector = StaffClient(client, cast.province_inspector)
    # 293 is no longer a unit today: the code names its last unit, where the matters stay.
    response = inspector.get("/reports/hotspots", {"unit": "293"})
    assert response.status_code == 200
    body = response.json()
    ranked = [(h["unit"]["code"], h["score"]) for h in body["hotspots"]]
    assert ranked == [("10753", 6), ("293", 2)]
    lai_vu = body["hotspots"][0]
    assert lai_vu["counts"] == {
        "open": 1,
        "overdue": 1,
        "mass": 0,
        "prolonged": 1,
        "over_level": 0,
        "overdue_directives": 0,
    }
    one = {"n": 1}  # the reasons in the reader's language, in the order of hotspots.py
    assert lai_vu["reasons"] == [
        ngettext("%(n)d prolonged case", "%(n)d prolonged cases", 1) % one,
        ngettext("%(n)d case past its deadline", "%(n)d cases past their deadline", 1) % one,
        ngettext("%(n)d open case", "%(n)d open cases", 1) % one,
    ]
    assert len(lai_vu["cases"]) == 1 and lai_vu["topics"] == ["Đất đai, giải phóng mặt bằng"]
    assert [v["unit"]["code"] for v in body["venues"]] == ["10753", "293"]
    assert body["venues"][0]["why"] == _("No dialogue has been held here")
    assert body["venues"][1]["why"] == _("The last dialogue here was on %(day)s") % {
        "day": "10/06/2022"
    }


def test_a_report_document_over_json(client, cast):
    world_build(cast)
    inspector = StaffClient(client, cast.province_inspector)
    response = inspector.post("/reports/documents", {"unit": "293", "period": "year", "year": 2022})
    assert response.status_code == 201
    job = response.json()
    assert job["status"] == "done" and job["progress"] == 100
    assert (job["from"], job["to"]) == ("2022-01-01", "2022-12-31")
    docx = inspector.client.get(job["docx"], HTTP_AUTHORIZATION=f"Bearer {inspector.token}")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert inspector.get(f"/reports/documents/{job['id']}").json()["id"] == job["id"]
    outsider = StaffClient(client, cast.chi_linh_leader)
    assert outsider.get(f"/reports/documents/{job['id']}").status_code == 404
    bad = inspector.post("/reports/documents", {"unit": "293", "period": "month", "year": 2022})
    assert bad.status_code == 422 and "month" in bad.json()["detail"]


def test_a_retried_report_request_is_made_once(client, cast):
    inspector = StaffClient(client, cast.province_inspector)
    body = {"unit": "293", "period": "q1", "year": 2022}
    first = inspector.post("/reports/documents", body, key="report-q1-2022")
    again = inspector.post("/reports/documents", body, key="report-q1-2022")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]

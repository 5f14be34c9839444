"""The petitions and cases API: intake, reads, worklists, every transition, every refusal."""

import json

import pytest

from tests.petitions.helpers import DAM_CHO, intake, resident
from townhall.api.auth import token_create
from townhall.notifications.models import Notification
from townhall.petitions import services
from townhall.petitions.models import Case, CaseEvent, ConfidentialRead, Petition, Submitter

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
REMOVE = object()


class StaffClient:
    """Calls the API as one staff user, with a token made by the real token function."""

    def __init__(self, client, user):
        self.client = client
        self.user = user
        _, self.token = token_create(user=user, name="tests")

    def _headers(self, key: str | None) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return headers

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, **self._headers(None))

    def post(self, path: str, body=None, *, key: str | None = None, raw: str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            f"/api/v1{path}", data, content_type="application/json", **self._headers(key)
        )


def petition_body(**changes) -> dict:
    body = {
        "kind": "complaint",
        "channel": "mail",
        "unit": "10750",
        "received_at": "2022-10-03T09:00:00",
        "topic": "land",
        "text": DAM_CHO,
        "submitters": [
            {
                "name": "Nguyễn Văn An",
                "phone": "0912345678",
                "id_number": "030080001234",
                "address": "Phú Thái",
            }
        ],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not REMOVE}


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def nothing_written() -> bool:
    return (
        Case.objects.count() == 0
        and Petition.objects.count() == 0
        and Submitter.objects.count() == 0
        and Notification.objects.count() == 0
    )


@pytest.fixture
def staff(client):
    return lambda user: StaffClient(client, user)


@pytest.fixture
def clerk(staff, cast):
    return staff(cast.kim_thanh_clerk)


@pytest.fixture
def leader(staff, cast):
    return staff(cast.kim_thanh_leader)


def create(api: StaffClient, **changes) -> dict:
    response = api.post("/petitions", petition_body(**changes))
    assert response.status_code == 201, response.content.decode()
    return response.json()


# --- topics and intake ----------------------------------------------------------------------
def test_topics_are_public(client):
    response = client.get("/api/v1/topics")
    assert response.status_code == 200
    topics = response.json()
    assert {"code": "land", "name": "Đất đai, giải phóng mặt bằng"} in topics
    assert all(set(t) == {"code", "name"} for t in topics)


def test_creating_a_petition_answers_201_with_tracking_code_and_deadline(clerk, cast):
    response = clerk.post("/petitions", petition_body())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "case_id", "tracking_code", "deadline", "secret"}
    assert body["tracking_code"].startswith("TH-")
    # 10 working days from Monday 03/10/2022
    assert body["deadline"] == "2022-10-17"
    assert len(body["secret"]) == 6
    petition = Petition.objects.get(pk=body["id"])
    assert petition.case_id == body["case_id"]
    assert petition.created_by == cast.kim_thanh_clerk
    assert petition.receiving_agency == cast.kim_thanh_committee  # the clerk's first agency
    # A naive time is Vietnam's: 09:00 in Hà Nội is 02:00 UTC.
    assert petition.received_at.isoformat() == "2022-10-03T02:00:00+00:00"
    assert petition.submitters.get().name == "Nguyễn Văn An"


def test_unknown_json_fields_are_ignored_and_an_offset_is_respected(clerk):
    body = create(clerk, received_at="2022-10-03T02:00:00Z", colour="blue", urgent=True)
    assert Petition.objects.get(pk=body["id"]).received_at.hour == 2


def test_a_petition_attaches_to_an_existing_visible_case(clerk, staff, cast):
    first = create(clerk)
    second = create(clerk, case_id=first["case_id"], submitters=[resident(1).__dict__])
    assert second["case_id"] == first["case_id"]
    assert Case.objects.count() == 1 and Petition.objects.count() == 2
    outsider = staff(cast.chi_linh_leader)
    response = outsider.post("/petitions", petition_body(case_id=first["case_id"]))
    assert_problem(response, 422, "case_id")


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"unit": "99999"}, "unit", "Unknown unit code"),
        ({"kind": "praise"}, "kind", "recommendation"),
        ({"channel": "pigeon"}, "channel", "transfer_in"),
        ({"topic": "weather"}, "topic", "GET /api/v1/topics"),
        (
            {"unit_era": "three_level", "received_at": "2025-08-01T09:00:00"},
            "unit",
            "was not a unit on 01/08/2025",
        ),
        ({"unit": "293", "received_at": "2025-08-01T09:00:00"}, "unit", "not a unit on 01/08/2025"),
        ({"text": REMOVE}, "text", "required"),
        ({"text": "   "}, "text", "The content is required"),
        ({"text": "x" * 10_001}, "text", "the limit is 10000"),
        ({"submitters": [{"name": "A", "id_number": "12345"}]}, "submitters.0.id_number", "12"),
        ({"submitters": [{"name": "A", "phone": "12345"}]}, "submitters.0.phone", "10 digits"),
        ({"submitters": [{"phone": "0912345678"}]}, "submitters.0.name", "required"),
        ({"received_at": "03/10/2022"}, "received_at", "datetime"),
        ({"received_at": "2099-01-01T09:00:00"}, "received_at", "future"),
        ({"people_count": 0}, "people_count", "greater than or equal to 1"),
        ({"received_at": "9999-12-31T23:59:59Z"}, "received_at", "year"),
        ({"text": "Nội dung\x00"}, "text", "NUL"),
        ({"receiving_agency": 10**30}, "receiving_agency", "less than or equal"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(clerk, changes, field, says):
    response = clerk.post("/petitions", petition_body(**changes))
    body = assert_problem(response, 422, field)
    assert says in json.dumps(body, ensure_ascii=False)
    assert nothing_written()


def test_a_receiving_agency_outside_the_jurisdiction_is_refused(clerk, cast):
    response = clerk.post("/petitions", petition_body(receiving_agency=cast.chi_linh_committee.pk))
    body = assert_problem(response, 422, "receiving_agency")
    assert "jurisdiction" in body["detail"]
    assert nothing_written()


def test_malformed_json_is_a_400_problem(clerk):
    response = clerk.post("/petitions", raw='{"kind": "complaint",')
    body = assert_problem(response, 400)
    assert "not valid JSON" in body["detail"]
    assert nothing_written()


def test_without_a_token_the_api_answers_401(client):
    response = client.post(
        "/api/v1/petitions", json.dumps(petition_body()), content_type="application/json"
    )
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_problem(client.get("/api/v1/cases"), 401)
    assert nothing_written()


# --- the lifecycle through the API ----------------------------------------------------------
def test_every_transition_from_intake_to_closed_and_reopened(clerk, leader, staff, cast):
    handler = staff(cast.kim_thanh_handler)
    case_id = create(clerk)["case_id"]
    url = f"/cases/{case_id}"

    case = clerk.post(f"{url}/acknowledge").json()
    assert case["acknowledged_at"] and case["version"] == 2
    case = leader.post(f"{url}/accept", {"version": case["version"]}).json()
    assert case["status"] == "accepted" and case["due"]
    assert case["competent_agency"]["id"] == cast.kim_thanh_committee.pk
    case = leader.post(
        f"{url}/assign",
        {
            "agency": cast.kim_thanh_committee.pk,
            "handler": cast.kim_thanh_handler.pk,
            "version": case["version"],
        },
    ).json()
    assert case["status"] == "assigned"
    assert case["handler"] == {"id": cast.kim_thanh_handler.pk, "name": "handler.kt"}
    assert [c["id"] for c in handler.get("/cases", {"worklist": "mine"}).json()["results"]] == [
        case_id
    ]
    case = handler.post(
        f"{url}/answer",
        {
            "answer": "Đã đo đạc lại ranh giới, thống nhất với các hộ.",
            "decision_reference": "123/QĐ-UBND",
            "is_final": True,
            "publish": True,
        },
    ).json()
    assert case["status"] == "answered" and case["is_final_decision"]
    assert case["submitters"] is None  # identities only through GET /cases/{id}
    case = leader.post(f"{url}/close", {"note": "Công dân đồng ý"}).json()
    assert case["status"] == "closed" and case["closed_at"]
    case = leader.post(f"{url}/reopen", {"note": "Công dân khiếu nại lần hai"}).json()
    assert case["status"] == "accepted" and case["instance"] == 2
    assert [f["code"] for f in case["flags"]] == ["prolonged"]
    case = leader.post(f"{url}/answer", {"answer": "Giữ nguyên quyết định"}).json()
    case = leader.post(f"{url}/close").json()
    assert case["status"] == "closed"

    full = clerk.get(url).json()
    assert [e["action"] for e in full["events"]] == [
        "received",
        "acknowledged",
        "accepted",
        "assigned",
        "answered",
        "closed",
        "reopened",
        "answered",
        "closed",
    ]
    assert full["events"][0] == {
        "at": "2022-10-03T09:00:00+07:00",
        "action": "received",
        "from": "",
        "to": "received",
        "note": "",
        "actor": "clerk.kt",
        "data": {},
    }
    assert full["events"][5]["note"] == "Công dân đồng ý"
    assert full["answer"] == "Giữ nguyên quyết định"
    assert full["petitions"][0]["tracking_code"].startswith("TH-")
    assert full["submitters"][0]["name"] == "Nguyễn Văn An"  # a complaint: not confidential
    assert full["overdue"] is False and full["unit"] == "10750" and full["topic"] == "land"


def test_return_with_guidance_then_close(clerk, leader):
    case_id = create(clerk)["case_id"]
    case = leader.post(
        f"/cases/{case_id}/return", {"guidance": "Gửi đơn tới Tòa án nhân dân huyện"}
    ).json()
    assert case["status"] == "returned" and case["answer"].startswith("Gửi đơn")
    assert leader.post(f"/cases/{case_id}/close").json()["status"] == "closed"
    assert_problem(leader.post(f"/cases/{case_id}/return", {}), 422, "guidance")


def test_transfer_to_the_competent_body_then_accept(clerk, leader, cast):
    case_id = create(clerk)["case_id"]
    case = leader.post(
        f"/cases/{case_id}/transfer",
        {"to_agency": cast.phu_thai_committee.pk, "note": "Thuộc thẩm quyền cấp xã"},
    ).json()
    assert case["status"] == "transferred"
    assert case["competent_agency"]["id"] == cast.phu_thai_committee.pk
    case = leader.post(f"/cases/{case_id}/accept", {"is_complex": True}).json()
    assert case["status"] == "accepted" and case["is_complex"] is True
    outside = leader.post(f"/cases/{case_id}/transfer", {"to_agency": cast.chi_linh_committee.pk})
    assert_problem(outside, 422, "to_agency")


def test_an_extension_beyond_the_cap_is_422_and_changes_nothing(clerk, leader):
    case_id = create(clerk, kind="denunciation")["case_id"]
    case = leader.post(f"/cases/{case_id}/accept").json()
    dues = [case["due"]]
    for n in (1, 2):
        case = leader.post(
            f"/cases/{case_id}/extend",
            {"reason": "Vụ việc phức tạp", "decision_reference": f"0{n}/QĐ-GH"},
        ).json()
        dues.append(case["due"])
    assert dues == sorted(dues) and len(set(dues)) == 3 and case["extensions"] == 2
    events = CaseEvent.objects.filter(case_id=case_id).count()
    response = leader.post(
        f"/cases/{case_id}/extend", {"reason": "Nữa", "decision_reference": "03/QĐ-GH"}
    )
    body = assert_problem(response, 422, "extension")
    assert "at most 2" in body["detail"]
    assert CaseEvent.objects.filter(case_id=case_id).count() == events
    assert Case.objects.get(pk=case_id).extensions == 2
    missing = leader.post(f"/cases/{case_id}/extend", {"reason": "Nữa"})
    assert_problem(missing, 422, "decision_reference")


def test_a_complaint_cannot_be_extended(clerk, leader):
    case_id = create(clerk)["case_id"]
    leader.post(f"/cases/{case_id}/accept")
    response = leader.post(f"/cases/{case_id}/extend", {"reason": "x", "decision_reference": "1"})
    assert_problem(response, 422, "extension")


def test_merging_moves_the_petitions_and_answers_with_the_target(clerk, leader):
    target = create(clerk)["case_id"]
    source = create(clerk, text=DAM_CHO + " Xin cảm ơn.")["case_id"]
    merged = leader.post(f"/cases/{source}/merge", {"target": target})
    assert merged.status_code == 200, merged.content
    assert merged.json()["id"] == target and len(merged.json()["petitions"]) == 2
    assert merged.json()["events"][-1]["action"] == "merged_in"
    gone = leader.get(f"/cases/{source}").json()
    assert gone["status"] == "closed" and gone["merged_into"] == target
    for action, body in (("reopen", {"note": "Lại"}), ("acknowledge", {})):
        refused = leader.post(f"/cases/{source}/{action}", body)
        assert "was merged into case" in assert_problem(refused, 409, "status")["detail"]
    assert Case.objects.get(pk=source).status == "closed"
    assert_problem(leader.post(f"/cases/{target}/merge", {"target": target}), 422, "target")
    assert_problem(leader.post(f"/cases/{target}/merge", {"target": 10**12}), 422, "target")


def test_a_transition_not_allowed_is_409_and_writes_nothing(clerk, leader):
    case_id = create(clerk)["case_id"]
    response = leader.post(f"/cases/{case_id}/answer", {"answer": "Trả lời"})
    body = assert_problem(response, 409, "status")
    assert "Cannot answer a case that is received" in body["detail"]
    case = Case.objects.get(pk=case_id)
    assert case.status == "received" and case.answer == "" and case.events.count() == 1


def test_a_stale_version_is_409_with_the_current_state(clerk, leader):
    case_id = create(clerk)["case_id"]
    read = leader.get(f"/cases/{case_id}").json()
    leader.post(f"/cases/{case_id}/accept", {"version": read["version"]})
    events = CaseEvent.objects.filter(case_id=case_id).count()
    response = leader.post(
        f"/cases/{case_id}/return", {"guidance": "Gửi tòa án", "version": read["version"]}
    )
    body = assert_problem(response, 409, "version")
    assert "changed by someone else" in body["detail"]
    assert body["current"]["status"] == "accepted" and body["current"]["version"] == 2
    assert body["current"]["id"] == case_id and body["current"]["due"]
    assert Case.objects.get(pk=case_id).status == "accepted"
    assert CaseEvent.objects.filter(case_id=case_id).count() == events
    merge = leader.post(f"/cases/{case_id}/merge", {"target": case_id, "version": 1})
    assert_problem(merge, 409, "version")


def test_agencies_and_handlers_must_be_in_the_jurisdiction(clerk, leader, cast):
    case_id = create(clerk)["case_id"]
    leader.post(f"/cases/{case_id}/accept")
    other_agency = leader.post(f"/cases/{case_id}/assign", {"agency": cast.chi_linh_committee.pk})
    assert_problem(other_agency, 422, "agency")
    other_handler = leader.post(
        f"/cases/{case_id}/assign",
        {"agency": cast.kim_thanh_committee.pk, "handler": cast.chi_linh_leader.pk},
    )
    assert_problem(other_handler, 422, "handler")
    not_a_member = leader.post(
        f"/cases/{case_id}/assign",
        {"agency": cast.phu_thai_committee.pk, "handler": cast.kim_thanh_handler.pk},
    )
    assert_problem(not_a_member, 422, "handler")
    assert Case.objects.get(pk=case_id).status == "accepted"


# --- who may see and do what ----------------------------------------------------------------
def test_a_case_in_another_jurisdiction_is_not_found(clerk, staff, cast):
    created = create(clerk)
    chi_linh = staff(cast.chi_linh_leader)
    for path in (f"/cases/{created['case_id']}", f"/petitions/{created['id']}"):
        body = assert_problem(chi_linh.get(path), 404)
        assert "No " in body["detail"]
    assert_problem(chi_linh.post(f"/cases/{created['case_id']}/accept"), 404)
    assert chi_linh.get("/cases").json()["count"] == 0
    assert Case.objects.get().status == "received"


def test_an_inspector_reads_but_may_not_write(clerk, staff, cast):
    created = create(clerk)
    inspector = staff(cast.province_inspector)
    assert inspector.get(f"/cases/{created['case_id']}").status_code == 200
    assert inspector.get(f"/petitions/{created['id']}").status_code == 200
    body = assert_problem(inspector.post(f"/cases/{created['case_id']}/accept"), 403)
    assert "may read" in body["detail"]
    assert_problem(inspector.post("/petitions", petition_body()), 403)
    assert Case.objects.get().status == "received" and Petition.objects.count() == 1


def test_a_denouncers_identity_is_hidden_from_the_clerk_and_shown_to_the_handler(
    clerk, leader, staff, cast
):
    created = clerk.post("/petitions", petition_body(kind="denunciation"))
    assert "Nguyễn" not in created.content.decode()
    case_id = created.json()["case_id"]
    leader.post(f"/cases/{case_id}/accept")
    assigned = leader.post(
        f"/cases/{case_id}/assign",
        {"agency": cast.kim_thanh_committee.pk, "handler": cast.kim_thanh_handler.pk},
    )
    assert "Nguyễn" not in assigned.content.decode()

    seen_by_clerk = clerk.get(f"/cases/{case_id}")
    text = seen_by_clerk.content.decode()
    assert "Nguyễn" not in text and "0912345678" not in text and "030080001234" not in text
    assert seen_by_clerk.json()["submitters"] == [
        {
            "name": "••• (bảo mật)",
            "phone": "",
            "id_number": "",
            "address": "",
            "is_representative": False,
            "hidden": True,
        }
    ]
    assert "Nguyễn" not in clerk.get(f"/petitions/{created.json()['id']}").content.decode()
    assert not ConfidentialRead.objects.exists()

    handler = staff(cast.kim_thanh_handler)
    seen_by_handler = handler.get(f"/cases/{case_id}").json()["submitters"][0]
    assert seen_by_handler["name"] == "Nguyễn Văn An" and seen_by_handler["hidden"] is False
    assert seen_by_handler["phone"] == "0912345678"
    read = ConfidentialRead.objects.get()
    assert read.user == cast.kim_thanh_handler and read.case_id == case_id
    assert read.purpose == "api"


# --- lists ----------------------------------------------------------------------------------
def test_cases_are_listed_with_filters_and_pages(clerk, leader, cast):
    for i in range(3):
        create(clerk, text=f"{DAM_CHO} Lần {i}.")
    denunciation = create(clerk, kind="denunciation", text="Tố cáo cán bộ địa chính xã")
    school = create(
        clerk,
        unit="10762",
        topic="education",
        text="Đề nghị sửa chữa trường mầm non xã Cổ Dũng đã xuống cấp nghiêm trọng.",
    )
    leader.post(f"/cases/{school['case_id']}/accept")
    leader.post(
        f"/cases/{school['case_id']}/assign",
        {"agency": cast.kim_thanh_committee.pk, "due": "2022-11-01"},
    )

    page = leader.get("/cases", {"page_size": 2}).json()
    assert page["count"] == 5 and page["page"] == 1 and page["page_size"] == 2
    assert len(page["results"]) == 2
    last = leader.get("/cases", {"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1
    assert leader.get("/cases", {"page": 9}).json()["results"] == []
    seen = {
        c["id"]
        for p in (1, 2, 3)
        for c in leader.get("/cases", {"page_size": 2, "page": p}).json()["results"]
    }
    assert len(seen) == 5

    def ids(**params):
        return [c["id"] for c in leader.get("/cases", params).json()["results"]]

    assert ids(kind="denunciation") == [denunciation["case_id"]]
    assert ids(status="assigned") == [school["case_id"]]
    assert ids(unit="10762") == [school["case_id"]]
    assert len(ids(unit="293")) == 5
    assert ids(q="truong mam non") == [school["case_id"]]  # without diacritics
    assert ids(q=school["tracking_code"]) == [school["case_id"]]
    assert ids(worklist="agency") == [school["case_id"]]
    assert ids(worklist="overdue") == [school["case_id"]]  # due 01/11/2022
    assert ids(worklist="due_soon") == []
    assert leader.get(f"/cases/{school['case_id']}").json()["overdue"] is True
    assert ids(worklist="mine") == []

    assert_problem(leader.get("/cases", {"page_size": 101}), 422, "query.page_size")
    assert_problem(leader.get("/cases", {"worklist": "everything"}), 422, "query.worklist")
    assert_problem(leader.get("/cases", {"status": "lost"}), 422, "query.status")
    assert_problem(leader.get("/cases", {"unit": "99999"}), 422, "unit")
    assert_problem(leader.get("/cases", {"q": "a\x00b"}), 422, "query.q")


def test_listing_takes_the_same_number_of_queries_for_any_page_size(
    leader, cast, django_assert_max_num_queries
):
    agency = cast.kim_thanh_committee
    leader.get("/cases")  # warm: the token's last_used_at is written once a minute
    for i in range(2):
        services.petition_receive(
            intake=intake(agency, text=f"{DAM_CHO} {i}"), actor=cast.kim_thanh_clerk
        )
    # token, jurisdiction, unit, count, the page's ids, its summaries (schemas.summaries)
    with django_assert_max_num_queries(6):
        small = leader.get("/cases", {"worklist": "all", "unit": "293", "q": "dam cho"})
    for i in range(2, 25):
        case = services.petition_receive(
            intake=intake(agency, text=f"{DAM_CHO} {i}"), actor=cast.kim_thanh_clerk
        ).case
        services.case_accept(case=case, actor=cast.kim_thanh_leader, competent_agency=agency)
        services.case_assign(
            case=case, actor=cast.kim_thanh_leader, agency=agency, handler=cast.kim_thanh_handler
        )
    with django_assert_max_num_queries(6):
        large = leader.get(
            "/cases", {"worklist": "all", "unit": "293", "q": "dam cho", "page_size": 100}
        )
    assert len(small.json()["results"]) == 2 and len(large.json()["results"]) == 25
    assert large.json()["results"][0]["handler"]["id"] == cast.kim_thanh_handler.pk
    # A list reads its cases as values (`summaries`), a case's page as an object
    # (`case_summary`): the same summary either way.
    for row in large.json()["results"][:5]:
        whole = leader.get(f"/cases/{row['id']}").json()
        assert {key: whole[key] for key in row} == row


# --- ids and documents ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/cases/abc", 422),
        ("/cases/99999999999999999999999", 422),
        ("/cases/0", 422),
        ("/cases/123456", 404),
        ("/petitions/x1", 422),
        ("/petitions/123456", 404),
    ],
)
def test_bad_ids_are_problems_never_500(clerk, path, status):
    assert_problem(clerk.get(path), status)


@pytest.mark.parametrize("action", ["accept", "close", "merge", "assign"])
def test_bad_ids_in_transitions_are_problems_never_500(leader, action):
    assert_problem(leader.post(f"/cases/abc/{action}", {"target": 1, "agency": 1}), 422)
    assert_problem(leader.post(f"/cases/424242/{action}", {"target": 1, "agency": 1}), 404)


def test_the_openapi_document_lists_every_new_path(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/topics": "get",
        "/api/v1/petitions": "post",
        "/api/v1/petitions/{petition_id}": "get",
        "/api/v1/cases": "get",
        "/api/v1/cases/{case_id}": "get",
    }
    for action in (
        "accept",
        "acknowledge",
        "return",
        "transfer",
        "assign",
        "answer",
        "extend",
        "close",
        "reopen",
        "merge",
    ):
        expected[f"/api/v1/cases/{{case_id}}/{action}"] = "post"
    for path, method in expected.items():
        assert method in paths.get(path, {}), path
        if method == "post":
            names = [p["name"] for p in paths[path]["post"]["parameters"]]
            assert "Idempotency-Key" in names, path
    assert "BearerAuth" in schema["components"]["securitySchemes"]
    assert "from" in schema["components"]["schemas"]["CaseEventOut"]["properties"]

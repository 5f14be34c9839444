"""The conference API: the same flow as the services, problem+json errors, and access."""

import pytest

from townhall.api.auth import token_create
from townhall.dialogues.models import Conference, Directive, Status

from .helpers import held, world_build

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


class Api:
    def __init__(self, client, user):
        self.client = client
        _, self.token = token_create(user=user, name="tests")

    def _headers(self, extra):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, **self._headers({}))

    def post(self, path, body=None, **headers):
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", **self._headers(headers)
        )


@pytest.fixture
def world(cast):
    return world_build(cast)


def plan_body(world):
    return {
        "title": "Hội nghị đối thoại với nhân dân thị trấn Phú Thái",
        "host_agency": world.party_committee.pk,
        "starts_at": "2022-12-28T08:00:00",
        "chairs": [
            {"user": world.secretary.pk},
            {"user": world.cast.kim_thanh_leader.pk, "role": "co_chair"},
        ],
        "organisers": [world.front.pk],
        "venue": "Hội trường UBND thị trấn Phú Thái",
        "audience_kind": "residents",
        "expected_attendance": 150,
        "topics": ["land"],
        "hotspot_cases": [world.mass_case.pk],
    }


def test_a_conference_walks_through_the_api(client, world):
    api = Api(client, world.secretary_clerk)
    response = api.post("/conferences", plan_body(world))
    assert response.status_code == 201, response.content
    conf = response.json()
    cid = conf["id"]
    assert conf["status"] == "planned" and conf["host_level"] == "district"
    assert conf["starts_at"] == "2022-12-28T08:00:00+07:00"
    assert [c["title"] for c in conf["chairs"]] == [
        "Bí thư Huyện ủy Kim Thành",
        "Chủ tịch UBND huyện Kim Thành",
    ]
    assert conf["hotspot_cases"] == [{"id": world.mass_case.pk, "name": world.mass_case.reference}]

    body = api.post(
        f"/conferences/{cid}/announce",
        {"announced_at": "2022-12-15T08:00:00", "invitation_number": "45-GM/HU"},
    ).json()
    assert body["status"] == "announced" and body["invitation_number"] == "45-GM/HU"
    assert api.post(f"/conferences/{cid}/collect").json()["status"] == "collecting"

    before = api.post(
        f"/conferences/{cid}/opinions",
        {
            "text": "Đề nghị giải quyết dứt điểm ranh giới khu dân cư mới Đầm Chợ.",
            "topic": "land",
            "unit": "10750",
            "received_at": "2022-12-19T09:00:00",
            "collected_by": world.front.pk,
            "submitters": [{"name": "Đại diện các hộ", "is_representative": True}],
            "case_id": world.mass_case.pk,
        },
    )
    assert before.status_code == 201, before.content
    before = before.json()
    assert before["channel"] == "dialogue_before" and before["case_id"] == world.mass_case.pk
    assert before["number"] == 1 and before["collected_by"]["id"] == world.front.pk

    prep = api.post(
        f"/conferences/{cid}/opinions/{before['id']}/preparation",
        {"agency": world.land_office.pk, "prepare_by": "2022-12-26"},
    )
    assert prep.status_code == 200 and prep.json()["prepare_by"] == "2022-12-26"
    prep = api.post(
        f"/conferences/{cid}/opinions/{before['id']}/prepared", {"answer": "Lùi ranh giới 2 m."}
    )
    assert prep.json()["prepared_at"] is not None
    assert api.post(f"/conferences/{cid}/ready").json()["status"] == "ready"
    body = api.post(
        f"/conferences/{cid}/hold", {"held_at": "2022-12-28T08:00:00", "attendance": 180}
    ).json()
    assert body["status"] == "held" and body["attendance"] == 180

    floor = api.post(
        f"/conferences/{cid}/opinions",
        {
            "text": "Đề nghị mở rộng cống thoát nước khu dân cư cũ.",
            "topic": "infrastructure",
            "unit": "10750",
            "received_at": "2022-12-28T10:00:00",
        },
    ).json()
    assert floor["channel"] == "dialogue_floor" and floor["number"] == 2

    answered = api.post(
        f"/conferences/{cid}/opinions/{before['id']}/outcome",
        {"answered_at_conference": True, "answered_by": "Bí thư Huyện ủy", "answer": "Đồng ý."},
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["outcome"] == "answered"
    assert answered.json()["case_status"] == "answered"
    again = api.post(
        f"/conferences/{cid}/opinions/{before['id']}/outcome",
        {"answered_at_conference": True, "answered_by": "Bí thư Huyện ủy", "answer": "Lần 2."},
    )
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    assert "recorded once" in again.json()["detail"]
    missing = api.post(
        f"/conferences/{cid}/opinions/{floor['id']}/outcome",
        {"answered_at_conference": False, "deadline": "2023-01-31"},
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "assignee", "message": "A deferred opinion needs an assignee agency"}
    ]
    deferred = api.post(
        f"/conferences/{cid}/opinions/{floor['id']}/outcome",
        {
            "answered_at_conference": False,
            "assignee": world.cast.phu_thai_committee.pk,
            "deadline": "2023-01-31",
            "expected_result": "Báo cáo bằng văn bản",
        },
    ).json()
    assert deferred["outcome"] == "deferred" and deferred["case_status"] == "assigned"

    summary = api.get(f"/conferences/{cid}/summary", on="2023-02-15").json()
    assert summary["opinions_total"] == 2
    assert summary["answered_at_conference"] == 1
    assert (summary["pending"], summary["overdue"]) == (1, 1)

    bad = api.post(
        f"/conferences/{cid}/conclude",
        {
            "number": "125-TB/HU",
            "signed_on": "2022-12-30",
            "text": "Kết luận.",
            "published_at": "2023-01-03T08:00:00",
            "directives": [
                {
                    "text": "Cắm mốc.",
                    "assignee": world.cast.phu_thai_committee.pk,
                    "deadline": "2022-12-01",
                },
            ],
        },
    )
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    assert bad.json()["errors"][0]["field"] == "directives.0.deadline"
    assert Conference.objects.get(pk=cid).status == Status.HELD
    concluded = api.post(
        f"/conferences/{cid}/conclude",
        {
            "number": "125-TB/HU",
            "signed_on": "2022-12-30",
            "text": "Kết luận.",
            "published_at": "2023-01-03T08:00:00",
            "directives": [
                {
                    "text": "Cắm mốc lại ranh giới.",
                    "assignee": world.cast.phu_thai_committee.pk,
                    "deadline": "2023-01-31",
                    "expected_result": "Mốc giới được cắm",
                },
                {
                    "text": "Cấp giấy chứng nhận.",
                    "assignee": world.land_office.pk,
                    "deadline": "2023-03-31",
                },
            ],
        },
    )
    assert concluded.status_code == 200, concluded.content
    conclusion = concluded.json()["conclusion"]
    assert conclusion["number"] == "125-TB/HU" and conclusion["published_late"] is False
    assert conclusion["signer_title"] == "Bí thư Huyện ủy Kim Thành"
    d1, d2 = (d["id"] for d in conclusion["directives"])

    assert api.post(f"/directives/{d1}/progress", {"note": "Đang đo đạc."}).status_code == 200
    done = api.post(
        f"/directives/{d1}/done", {"result": "Đã cắm mốc.", "done_at": "2023-01-20T10:00:00"}
    ).json()
    assert done["status"] == "done" and done["done_late"] is False
    verified = api.post(f"/directives/{d1}/verify", {"note": "Đã kiểm tra."}).json()
    assert [e["action"] for e in verified["events"]] == ["issued", "progress", "done", "verified"]

    slow = api.get("/slow-agencies", on="2023-04-05").json()
    assert [(s["agency"]["id"], s["overdue"]) for s in slow] == [(world.land_office.pk, 1)]
    summary = api.get(f"/conferences/{cid}/summary", on="2023-04-05").json()
    assert summary == {
        "opinions_total": 2,
        "answered_at_conference": 1,
        "answered_later": 0,
        "pending": 1,
        "overdue": 1,
        "directives_total": 2,
        "directives_done_on_time": 1,
        "directives_done_late": 0,
        "directives_open": 1,
        "directives_overdue": 1,
    }
    refused = api.post(f"/conferences/{cid}/close")
    assert refused.status_code == 409 and "not yet verified: 2" in refused.json()["detail"]
    detail = api.get(f"/conferences/{cid}").json()
    assert [e["action"] for e in detail["events"]][:3] == ["planned", "announced", "collecting"]
    listed = api.get("/conferences", status="concluded").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == cid


def test_holding_a_conference_not_announced_is_a_409_problem(client, world):
    api = Api(client, world.secretary_clerk)
    cid = api.post("/conferences", plan_body(world)).json()["id"]
    response = api.post(f"/conferences/{cid}/hold", {"held_at": "2022-12-28T08:00:00"})
    assert response.status_code == 409 and response["Content-Type"] == PROBLEM
    assert "Cannot hold the conference: the conference is planned" in response.json()["detail"]
    assert Conference.objects.get(pk=cid).status == Status.PLANNED


def test_an_outcome_for_an_opinion_of_another_conference_is_a_422(client, world):
    first, agenda = held(world, opinions=1)
    second, _ = held(world, opinions=0)
    api = Api(client, world.secretary_clerk)
    response = api.post(
        f"/conferences/{second.pk}/opinions/{agenda[0].pk}/outcome",
        {"answered_at_conference": True, "answered_by": "Bí thư", "answer": "x"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "opinion"


def test_an_agency_outside_the_jurisdiction_is_a_422_naming_the_field(client, world):
    body = plan_body(world)
    body["organisers"] = [world.cast.chi_linh_committee.pk]
    response = Api(client, world.secretary_clerk).post("/conferences", body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "organisers.0",
            "message": f"No active agency with id {world.cast.chi_linh_committee.pk} in your "
            "jurisdiction",
        }
    ]
    assert not Conference.objects.exists()


def test_a_chi_linh_leader_does_not_see_a_kim_thanh_conference(client, world):
    conference, _ = held(world, opinions=1)
    api = Api(client, world.cast.chi_linh_leader)
    assert api.get(f"/conferences/{conference.pk}").status_code == 404
    assert api.get(f"/conferences/{conference.pk}/summary").status_code == 404
    assert api.post(f"/conferences/{conference.pk}/minutes", {"attendance": 1}).status_code == 404
    assert api.get("/conferences").json()["count"] == 0


def test_an_inspector_reads_but_may_not_write(client, world):
    conference, agenda = held(world, opinions=1)
    api = Api(client, world.cast.province_inspector)
    assert api.get(f"/conferences/{conference.pk}").status_code == 200
    response = api.post(
        f"/conferences/{conference.pk}/opinions/{agenda[0].pk}/outcome",
        {"answered_at_conference": True, "answered_by": "x", "answer": "y"},
    )
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    assert api.post("/conferences", plan_body(world)).status_code == 403
    assert Directive.objects.count() == 0


def test_it_needs_a_bearer_token(client, world):
    response = client.get("/api/v1/conferences")
    assert response.status_code == 401 and response["Content-Type"] == PROBLEM


def test_a_retried_post_with_the_same_idempotency_key_is_replayed(client, world):
    api = Api(client, world.secretary_clerk)
    first = api.post("/conferences", plan_body(world), HTTP_IDEMPOTENCY_KEY="plan-1")
    second = api.post("/conferences", plan_body(world), HTTP_IDEMPOTENCY_KEY="plan-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert Conference.objects.count() == 1


def test_the_openapi_document_describes_the_conference_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/conferences/{conference_id}/opinions/{opinion_id}/outcome" in paths
    assert "/api/v1/conferences/{conference_id}/summary" in paths
    assert "/api/v1/directives/{directive_id}/done" in paths
    outcome = paths["/api/v1/conferences/{conference_id}/opinions/{opinion_id}/outcome"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(outcome["responses"])


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/conferences/999999", 404),
        ("/conferences/99999999999999999999999", 422),
        ("/conferences/0/summary", 422),
        ("/conferences?status=bogus", 422),
        ("/conferences/1/summary?on=31-12-2022", 422),
        ("/directives/424242", 404),
    ],
)
def test_unknown_or_malformed_ids_are_problems_not_500s(client, world, path, status):
    response = Api(client, world.secretary_clerk).get(path)
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM

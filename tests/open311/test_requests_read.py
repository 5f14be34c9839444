"""GET requests.{fmt} and requests/{id}.{fmt}: filters, the 90-day window, the status mapping,
status notes, and never a submitter's personal data."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from townhall.open311.present import STATUS_MAP, status_notes
from townhall.petitions import services
from townhall.petitions.models import Status

from .conftest import both
from .helpers import PERSONAL, form, receive

pytestmark = pytest.mark.django_db


def test_every_townhall_status_maps_onto_open_or_closed():
    assert STATUS_MAP == {
        "received": "open",
        "accepted": "open",
        "transferred": "open",
        "assigned": "open",
        "answered": "closed",
        "returned": "closed",
        "closed": "closed",
    }
    assert set(STATUS_MAP) == set(Status.values)


def test_a_request_reads_back_by_its_tracking_code_in_both_formats(client, places, standard):
    receipt = receive(places.phu_thai_committee, places.phu_thai)
    code = receipt.petition.tracking_code
    data = both(client, f"requests/{code}", root="service_requests")
    standard.validate("requests.json", data)
    (item,) = data
    assert item["service_request_id"] == code
    assert item["status"] == "open"
    assert item["service_code"] == "infrastructure"
    assert item["agency_responsible"] == "Ủy ban nhân dân xã Phú Thái"
    assert item["address"] == "Xã Phú Thái, Thành phố Hải Phòng"
    assert item["media_url"] is None
    requested = dt.datetime.fromisoformat(item["requested_datetime"])
    assert requested == receipt.petition.received_at.replace(microsecond=0)
    # Lower case works too: people type codes.
    assert client.get(f"/open311/v2/requests/{code.lower()}.json").json()[0]["service_request_id"]


@pytest.mark.parametrize("request_id", ["TH-ZZZZ-ZZZZ", "nope", "x" * 40, "%00"])
def test_an_unknown_request_is_a_404(client, db, request_id):
    data = both(client, f"requests/{request_id}", root="errors", expect=404)
    assert data[0]["code"] == 404


def _walk(case, actor, agency, to):
    if to == "received":
        return case
    if to == "returned":
        return services.case_return(case=case, actor=actor, guidance="Gửi Tòa án nhân dân.")
    if to == "transferred":
        return services.case_transfer(case=case, actor=actor, to_agency=agency)
    case = services.case_accept(case=case, actor=actor)
    if to == "accepted":
        return case
    case = services.case_assign(case=case, actor=actor, agency=agency)
    if to == "assigned":
        return case
    case = services.case_answer(
        case=case, actor=actor, answer="Đã sửa xong mặt đường ngày 20/11.", publish=True
    )
    if to == "answered":
        return case
    return services.case_close(case=case, actor=actor)


@pytest.mark.parametrize("status", list(STATUS_MAP))
def test_each_status_reads_as_open_or_closed_with_a_note(client, places, staff, standard, status):
    receipt = receive(places.phu_thai_committee, places.phu_thai)
    case = _walk(receipt.case, staff, places.hai_phong_committee, status)
    assert case.status == status
    (item,) = both(client, f"requests/{receipt.petition.tracking_code}", root="service_requests")
    standard.validate("request.json", item)
    assert item["status"] == STATUS_MAP[status]
    assert item["status_notes"]
    if status in ("answered", "closed"):
        assert item["status_notes"] == "answered: Đã sửa xong mặt đường ngày 20/11."
    if status in ("accepted", "assigned", "answered", "closed"):
        assert item["expected_datetime"] is not None
        assert dt.datetime.fromisoformat(item["expected_datetime"]).date() == case.due
    if status == "closed":
        assert dt.datetime.fromisoformat(item["updated_datetime"]) == case.closed_at.replace(
            microsecond=0
        )


def test_an_unpublished_answer_stays_private(client, places, staff):
    receipt = receive(places.phu_thai_committee, places.phu_thai)
    case = services.case_accept(case=receipt.case, actor=staff)
    services.case_answer(case=case, actor=staff, answer="Nội dung riêng gửi công dân.")
    (item,) = client.get(f"/open311/v2/requests/{receipt.petition.tracking_code}.json").json()
    assert item["status"] == "closed"
    assert "Nội dung riêng" not in json.dumps(item, ensure_ascii=False)
    assert not item["status_notes"].startswith("answered:")


def test_a_long_published_answer_is_cut_to_200_characters():
    class Case:
        status, publish_answer, answer = Status.ANSWERED, True, "Trả lời " * 100

    note = status_notes(Case)
    assert note.startswith("answered: Trả lời")
    assert len(note) == len("answered: ") + 200


def test_no_personal_data_of_submitters_ever(client, places, api_key, staff):
    # One petition registered by hand, one filed through Open311 with contact details.
    by_hand = receive(places.phu_thai_committee, places.phu_thai)
    response = client.post(
        "/open311/v2/requests.json",
        form(
            api_key,
            first_name="Bích",
            last_name="Trần Thị",
            phone="0987654321",
            email="bich.tran@example.vn",
            device_id="device-7f3a",
            account_id="acct-5521",
            description="Đèn hỏng trước nhà Trần Thị Bích, gọi 0987654321 hay bich.tran@example.vn",
        ),
    )
    assert response.status_code == 200, response.content
    filed = response.json()[0]["service_request_id"]
    for code in (by_hand.petition.tracking_code, filed):
        for fmt in ("json", "xml"):
            body = client.get(f"/open311/v2/requests/{code}.{fmt}").content.decode()
            for value in [*PERSONAL, "device-7f3a", "acct-5521"]:
                assert value not in body, (code, fmt, value)
    listing = client.get("/open311/v2/requests.json").content.decode()
    for value in [*PERSONAL, "device-7f3a", "acct-5521"]:
        assert value not in listing
    (item,) = client.get(f"/open311/v2/requests/{filed}.json").json()
    assert item["description"] == "Đèn hỏng trước nhà [name], gọi [phone] hay [email]"
    # A hand-registered petition's text is never published: only Open311 descriptions are.
    (item,) = client.get(f"/open311/v2/requests/{by_hand.petition.tracking_code}.json").json()
    assert item["description"] is None


def test_complaints_and_denunciations_show_only_the_locality(client, places, api_key):
    codes = []
    for kind in ("complaint", "denunciation"):
        response = client.post(
            "/open311/v2/requests.json",
            form(api_key, **{"attribute[kind]": kind, "description": f"Nội dung {kind} riêng"}),
        )
        assert response.status_code == 200, response.content
        codes.append(response.json()[0]["service_request_id"])
    for code in codes:
        (item,) = both(client, f"requests/{code}", root="service_requests")
        assert item["description"] is None
        assert item["lat"] is None and item["long"] is None and item["address_id"] is None
        assert item["address"] == "Xã Phú Thái, Thành phố Hải Phòng"


def test_the_list_defaults_to_the_last_90_days_newest_first(client, places, standard):
    old = receive(places.phu_thai_committee, places.phu_thai, days_ago=120)
    recent = receive(places.phu_thai_committee, places.phu_thai, days_ago=2)
    newest = receive(places.phu_thai_committee, places.phu_thai, days_ago=1)
    data = both(client, "requests", root="service_requests")
    standard.validate("requests.json", data)
    ids = [r["service_request_id"] for r in data]
    assert ids == [newest.petition.tracking_code, recent.petition.tracking_code]
    assert old.petition.tracking_code not in ids


def test_the_list_filters_by_date_window_status_service_and_jurisdiction(client, places, staff):
    old = receive(places.phu_thai_committee, places.phu_thai, days_ago=120, topic="land")
    open_one = receive(places.phu_thai_committee, places.phu_thai, days_ago=3)
    closed_one = receive(places.phu_thai_committee, places.phu_thai, days_ago=2)
    services.case_return(case=closed_one.case, actor=staff, guidance="Gửi Tòa án.")
    elsewhere_unit = places.hai_phong.children.exclude(pk=places.phu_thai.pk).first()
    elsewhere = receive(places.hai_phong_committee, elsewhere_unit, days_ago=1)

    def ids(**params):
        data = both(client, "requests", root="service_requests", **params)
        return {r["service_request_id"] for r in data}

    start = (timezone.now() - dt.timedelta(days=130)).isoformat()
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    assert ids(start_date=start, end_date=end) == {old.petition.tracking_code}
    assert ids(start_date=start) == {old.petition.tracking_code}  # 90 days from the start
    assert ids(status="closed") == {closed_one.petition.tracking_code}
    assert ids(status="open") == {open_one.petition.tracking_code, elsewhere.petition.tracking_code}
    assert len(ids(status="open,closed")) == 3
    assert ids(service_code="land") == set()  # the land petition is older than 90 days
    assert ids(service_code="land", start_date=start) == {old.petition.tracking_code}
    assert ids(jurisdiction_id="10750") == {
        open_one.petition.tracking_code,
        closed_one.petition.tracking_code,
    }
    assert len(ids(jurisdiction_id="31")) == 3
    # service_request_id overrides every other argument.
    wanted = f"{old.petition.tracking_code}, {elsewhere.petition.tracking_code}"
    assert ids(service_request_id=wanted, status="closed") == {
        old.petition.tracking_code,
        elsewhere.petition.tracking_code,
    }


def test_dates_in_the_w3c_forms_are_understood(client, places):
    receipt = receive(places.phu_thai_committee, places.phu_thai, days_ago=1)
    day = timezone.localdate(receipt.petition.received_at)
    for start, end in [
        (day.isoformat(), day.isoformat()),
        (f"{day.isoformat()}T00:00:00+07:00", f"{day.isoformat()}T23:59:59+07:00"),
        (f"{day.isoformat()}T00:00:00 07:00", f"{day.isoformat()}T23:59:59 07:00"),  # '+' lost
        (f"{day.isoformat()}T00:00", None),
    ]:
        params = {"start_date": start, **({"end_date": end} if end else {})}
        data = client.get("/open311/v2/requests.json", params).json()
        assert [r["service_request_id"] for r in data] == [receipt.petition.tracking_code], params


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # > 90 days
        {"start_date": "2026-01-01", "end_date": "2026-04-01"},  # 91 days with the end day
        {"start_date": "2026-03-01", "end_date": "2026-02-01"},  # backwards
        {"start_date": "yesterday"},
        {"end_date": "2026-02-30"},
        {"start_date": "0001-01-01"},
        {"end_date": "99999-01-01"},
        {"start_date": "2026-01-01\x00"},
        {"status": "pending"},
        {"service_request_id": "TH-1; DROP TABLE"},
        {"service_request_id": ",".join(f"TH-{i:04d}-AAAA" for i in range(101))},
    ],
)
def test_bad_filters_are_a_400_in_the_standards_error_list(client, db, params):
    data = both(client, "requests", root="errors", expect=400, **params)
    assert data[0]["code"] == 400 and data[0]["description"]


def test_a_window_over_90_days_is_refused_by_name(client, db):
    response = client.get(
        "/open311/v2/requests.json", {"start_date": "2026-01-01", "end_date": "2026-12-01"}
    )
    assert response.status_code == 400
    assert "90 days" in response.json()[0]["description"]


def test_unknown_service_or_jurisdiction_in_the_filters_is_a_404(client, db):
    both(client, "requests", root="errors", expect=404, service_code="nope")
    both(client, "requests", root="errors", expect=404, jurisdiction_id="abc")


def test_the_list_costs_the_same_queries_for_one_or_many(
    client, places, api_key, django_assert_max_num_queries
):
    client.post("/open311/v2/requests.json", form(api_key))
    receive(places.phu_thai_committee, places.phu_thai)
    with django_assert_max_num_queries(2):
        assert len(client.get("/open311/v2/requests.json").json()) == 2
    for _ in range(4):
        client.post("/open311/v2/requests.json", form(api_key))
        receive(places.hai_phong_committee, places.phu_thai)
    with django_assert_max_num_queries(2):
        assert len(client.get("/open311/v2/requests.json").json()) == 10

"""POST requests.{fmt}: the api_key, the location, the kind, the description, where the petition
goes, the token, and the rate limits."""

import pytest
from django.test import override_settings

from townhall.open311.keys import key_revoke
from townhall.open311.models import ApiKey, Open311Request
from townhall.petitions.models import Case, Channel, Petition, Submitter
from townhall.units.models import Unit

from .conftest import parse_xml, xml_carries
from .helpers import form

pytestmark = pytest.mark.django_db
URL = "/open311/v2/requests"


def post(client, data, fmt="json", **extra):
    return client.post(f"{URL}.{fmt}", data, **extra)


def test_a_post_files_a_petition_and_answers_with_its_id(client, places, api_key, standard):
    response = post(client, form(api_key, account_id="acct-1", first_name="An", last_name="Lê"))
    assert response.status_code == 200, response.content
    data = response.json()
    standard.validate_swagger("RequestResponse", data)
    (item,) = data
    assert set(item) == {"service_request_id", "token", "service_notice", "account_id"}
    assert item["account_id"] == "acct-1"
    petition = Petition.objects.get(tracking_code=item["service_request_id"])
    assert petition.channel == Channel.PORTAL
    assert petition.kind == "reflection" and petition.topic.code == "infrastructure"
    assert petition.unit == places.phu_thai
    assert petition.receiving_agency == places.phu_thai_committee
    assert petition.case.status == "received"
    extra = Open311Request.objects.get(petition=petition)
    assert extra.api_key == api_key and extra.token == item["token"]
    assert (extra.lat, extra.long) == (20.9581, 106.5012)
    assert extra.address_string == "Ngã ba chợ Phú Thái"
    assert extra.account_id == "acct-1"
    (person,) = Submitter.objects.filter(petition=petition)
    assert person.name == "Lê An"
    assert "Ủy ban nhân dân xã Phú Thái" in item["service_notice"]
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_the_xml_answer_carries_the_same_fields(client, places, api_key):
    response = post(client, form(api_key), fmt="xml")
    assert response.status_code == 200, response.content
    root = parse_xml(response.content)
    assert root.tag == "service_requests"
    (request,) = root
    assert request.tag == "request"
    code = request.findtext("service_request_id")
    assert Petition.objects.filter(tracking_code=code).exists()
    token = request.findtext("token")
    assert Open311Request.objects.get(token=token).petition.tracking_code == code


def test_a_token_resolves_to_the_request_id_in_both_formats(client, places, api_key, standard):
    item = post(client, form(api_key)).json()[0]
    data = client.get(f"/open311/v2/tokens/{item['token']}.json").json()
    standard.validate_swagger("TokenResponse", data)
    assert data == [{"service_request_id": item["service_request_id"], "token": item["token"]}]
    root = parse_xml(client.get(f"/open311/v2/tokens/{item['token']}.xml").content)
    assert root.tag == "service_requests"
    xml_carries(root, data)
    assert client.get("/open311/v2/tokens/not-a-token.json").status_code == 404
    assert client.get("/open311/v2/tokens/a%2Fb.xml").status_code == 404


def test_lat_long_alone_or_address_id_alone_is_a_location(client, places, api_key):
    assert post(client, form(api_key, address_string=None)).status_code == 200
    only_id = form(api_key, lat=None, long=None, address_string=None, address_id="PT-0042")
    assert post(client, only_id).status_code == 200
    assert Open311Request.objects.filter(address_id="PT-0042").exists()


def test_the_api_key_may_come_in_the_query_string_as_the_swagger_has_it(client, places, api_key):
    data = form(api_key)
    key = data.pop("api_key")
    assert client.post(f"{URL}.json?api_key={key}", data).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_api_key_is_a_403(client, places, api_key, fmt):
    response = post(client, form(api_key, api_key=None), fmt=fmt)
    assert response.status_code == 403
    if fmt == "json":
        assert response.json()[0]["code"] == 403
    else:
        root = parse_xml(response.content)
        assert root.tag == "errors" and root.findtext("error/code") == "403"
    assert not Petition.objects.exists()


def test_a_revoked_or_unknown_key_is_a_403(client, places, api_key):
    assert post(client, form(api_key, api_key="o311_guessed")).status_code == 403
    assert post(client, form(api_key, api_key="x" * 5000)).status_code == 403
    key_revoke(api_key=api_key)
    response = post(client, form(api_key))
    assert response.status_code == 403
    assert "revoked" in response.json()[0]["description"]
    assert not Petition.objects.exists()


def test_an_unknown_service_is_a_404(client, places, api_key):
    response = post(client, form(api_key, service_code="potholes"))
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"lat": None, "long": None, "address_string": None}, "location"),
        ({"address_string": "  ", "lat": None, "long": None}, "location"),
        ({"description": "x" * 4001}, "4000"),
        ({"description": None}, "description"),
        ({"attribute[kind]": None}, "attribute[kind]"),
        ({"attribute[kind]": "mixed"}, "attribute[kind]"),
        ({"service_code": None}, "service_code"),
        ({"jurisdiction_id": None}, "jurisdiction_id"),
        ({"lat": "20.9", "long": None}, "lat and long"),
        ({"lat": "north", "long": "106"}, "lat"),
        ({"lat": "nan", "long": "106"}, "lat"),
        ({"lat": "91", "long": "106"}, "lat"),
        ({"lat": "20", "long": "inf"}, "long"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"description": "Đèn hỏng\x00"}, "NUL"),
        ({"address_string": "x" * 501}, "address_string"),
        ({"first_name": "A" * 101}, "first_name"),
    ],
)
def test_bad_input_is_a_400_naming_the_problem(client, places, api_key, changes, words):
    for fmt in ("json", "xml"):
        response = post(client, form(api_key, **changes), fmt=fmt)
        assert response.status_code == 400, response.content
        if fmt == "json":
            (error,) = response.json()
            assert error["code"] == 400 and words in error["description"]
        else:
            root = parse_xml(response.content)
            assert root.tag == "errors"
            assert words in root.findtext("error/description")
    assert not Petition.objects.exists()


def test_a_description_of_exactly_4000_characters_is_accepted(client, places, api_key):
    assert post(client, form(api_key, description="đ" * 4000)).status_code == 200


def test_an_unknown_jurisdiction_is_a_404(client, places, api_key):
    for code in ("99999", "293", "abc"):  # 293: a district of the old era, not valid today
        assert post(client, form(api_key, jurisdiction_id=code)).status_code == 404


def test_a_jurisdiction_without_any_agency_is_a_400_not_a_500(client, places, api_key):
    assert Unit.objects.filter(era="two_level", code="00004").exists()  # Phường Ba Đình, Hà Nội
    response = post(client, form(api_key, jurisdiction_id="00004"))
    assert response.status_code == 400
    assert "agency" in response.json()[0]["description"]


def test_a_json_body_instead_of_a_form_is_refused_not_crashed(client, places, api_key):
    response = client.post(f"{URL}.json", form(api_key), content_type="application/json")
    assert response.status_code == 403  # the api_key is a form field: none was read
    response = client.post(
        f"{URL}.json", b"--x\r\nbroken", content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code in (400, 403)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_is_a_413_in_the_standards_error_format(client, places, api_key):
    """Refused before the body is read (core/middleware.py), as the standard's error list."""
    response = post(client, form(api_key, description="x" * 3000))
    assert response.status_code == 413
    assert response.json()[0]["code"] == 413


@override_settings(OPEN311_BAD_KEYS_PER_MINUTE=3)
def test_bad_keys_from_one_address_are_slowed_down(client, places, api_key):
    for _ in range(3):
        assert post(client, form(api_key, api_key="o311_wrong")).status_code == 403
    response = post(client, form(api_key))  # even a good key, from that address, for a minute
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()[0]["code"] == 429
    other = post(client, form(api_key), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


@override_settings(OPEN311_POSTS_PER_MINUTE=2)
def test_posts_from_one_address_are_limited(client, places, api_key):
    assert post(client, form(api_key)).status_code == 200
    assert post(client, form(api_key)).status_code == 200
    response = post(client, form(api_key), fmt="xml")
    assert response.status_code == 429
    assert response["Retry-After"]
    assert parse_xml(response.content).findtext("error/code") == "429"
    assert Case.objects.count() == 2


def test_the_key_row_keeps_only_a_hash(api_key):
    row = ApiKey.objects.get(pk=api_key.pk)
    assert api_key.plain not in (row.key_hash, row.prefix)
    assert api_key.plain.startswith(row.prefix)
    assert len(row.key_hash) == 64

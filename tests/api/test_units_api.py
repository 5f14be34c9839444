import pytest

pytestmark = pytest.mark.django_db


def test_provinces_are_listed_when_no_parent_is_given(client):
    response = client.get("/api/v1/units", {"as_of": "2022-06-15"})
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 63
    hai_duong = next(u for u in body if u["code"] == "30")
    assert hai_duong == {
        "code": "30",
        "name": "Tỉnh Hải Dương",
        "kind": "tinh",
        "level": "province",
        "parent": None,
        "valid_from": "2008-08-01",
        "valid_to": "2025-06-30",
    }
    assert len(client.get("/api/v1/units", {"as_of": "2026-01-01"}).json()) == 34


def test_children_of_a_unit_as_of_a_date(client):
    body = client.get("/api/v1/units", {"parent": "30", "as_of": "2022-06-15"}).json()
    assert len(body) == 12
    assert {u["code"] for u in body} >= {"290", "293"}
    assert all(u["parent"] == "30" for u in body)
    communes = client.get("/api/v1/units", {"parent": "31", "as_of": "2026-01-01"}).json()
    assert any(u["name"] == "Xã Phú Thái" for u in communes)


def test_one_unit_by_code_depends_on_the_date(client):
    old = client.get("/api/v1/units/10750", {"as_of": "2022-06-15"}).json()
    assert old["name"] == "Thị trấn Phú Thái"
    assert old["kind"] == "thi_tran"
    assert old["parent"] == "293"
    new = client.get("/api/v1/units/10750", {"as_of": "2026-01-01"}).json()
    assert new["name"] == "Xã Phú Thái"
    assert new["parent"] == "31"


def test_a_code_that_does_not_exist_on_that_date_is_404_with_a_message(client):
    response = client.get("/api/v1/units/30", {"as_of": "2026-01-01"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "No administrative unit with code 30 on 01/01/2026"
    assert client.get("/api/v1/units", {"parent": "30", "as_of": "2026-01-01"}).status_code == 404


def test_a_malformed_date_is_422_naming_the_field(client):
    response = client.get("/api/v1/units/30", {"as_of": "15/06/2022"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["field"].endswith("as_of")


def test_the_openapi_document_lists_the_units_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/units" in schema["paths"]
    assert "/api/v1/units/{code}" in schema["paths"]

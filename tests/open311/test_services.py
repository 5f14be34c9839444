"""Discovery, the service list and the service definitions, in both formats, against the
standard's schemas."""

import pytest
from django.urls import reverse

from townhall.petitions.models import Topic

from .conftest import both, parse_xml

pytestmark = pytest.mark.django_db


def test_it_is_mounted_at_open311_v2():
    assert reverse("open311:discovery", kwargs={"fmt": "json"}) == "/open311/v2/discovery.json"
    assert reverse("open311:request", kwargs={"fmt": "xml", "request_id": "TH-2345-6789"}) == (
        "/open311/v2/requests/TH-2345-6789.xml"
    )


def test_discovery_names_the_georeport_v2_endpoint_and_both_formats(client):
    data = both(client, "discovery", root="discovery")
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert data["changeset"] and data["contact"] and data["key_service"]


def test_services_are_the_active_topics(client, standard):
    Topic.objects.filter(code="other").update(is_active=False)
    data = both(client, "services", root="services")
    standard.validate("services.json", data)
    for item in data:
        standard.validate("service.json", item)
    codes = [s["service_code"] for s in data]
    active = list(Topic.objects.filter(is_active=True).values_list("code", flat=True))
    assert codes == active and "other" not in codes
    land = data[codes.index("land")]
    assert land["service_name"] == Topic.objects.get(code="land").name
    assert land["type"] == "realtime"
    assert land["metadata"] is True
    assert "land" in land["keywords"] and land["group"]


def test_a_service_definition_asks_for_the_kind_of_petition(client, standard):
    data = both(client, "services/land", root="service_definition")
    standard.validate("service-definition.json", data)
    assert data["service_code"] == "land"
    kind = next(a for a in data["attributes"] if a["code"] == "kind")
    assert kind["required"] is True and kind["variable"] is True
    assert kind["datatype"] == "singlevaluelist"
    assert [v["key"] for v in kind["values"]] == [
        "recommendation",
        "reflection",
        "complaint",
        "denunciation",
    ]
    assert all(v["name"] for v in kind["values"])


def test_the_xml_definition_nests_attributes_and_values_as_the_standard_does(client):
    root = parse_xml(client.get("/open311/v2/services/land.xml").content)
    assert root.tag == "service_definition"
    values = root.findall("./attributes/attribute/values/value")
    assert [v.findtext("key") for v in values][:4] == [
        "recommendation",
        "reflection",
        "complaint",
        "denunciation",
    ]


@pytest.mark.parametrize("code", ["no-such-service", "other", "x" * 300, "a b", "%00"])
def test_an_unknown_or_retired_service_is_a_404_in_the_standards_error_list(client, code):
    Topic.objects.filter(code="other").update(is_active=False)
    data = both(client, f"services/{code}", root="errors", expect=404)
    assert data == [{"code": 404, "description": data[0]["description"]}]
    assert "service_code" in data[0]["description"]


def test_an_unknown_jurisdiction_is_a_404(client):
    data = both(client, "services", root="errors", expect=404, jurisdiction_id="99999")
    assert "jurisdiction_id" in data[0]["description"]
    # A unit of the old era is not valid today.
    both(client, "services", root="errors", expect=404, jurisdiction_id="293")
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "10750"}).status_code == 200


def test_unknown_paths_and_formats_answer_with_the_error_list(client):
    for path, kind in [("services.csv", "application/json"), ("nothing.xml", "text/xml")]:
        response = client.get(f"/open311/v2/{path}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith(kind)
    assert client.get("/open311/v2/services.csv").json()[0]["code"] == 404


def test_a_method_the_endpoint_does_not_take_is_refused_with_the_error_list(client):
    response = client.post("/open311/v2/services.json")
    assert response.status_code == 405
    assert response.json()[0]["code"] == 405
    assert "GET" in response["Allow"]
    response = client.delete("/open311/v2/requests.xml")
    assert response.status_code == 405
    assert parse_xml(response.content).tag == "errors"

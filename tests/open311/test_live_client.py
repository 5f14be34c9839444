"""An Open311 client written only from the GeoReport v2 standard, over HTTP, against a running
server: discover the endpoint, list the services, read a definition, POST a request, read it
back in both formats (and resolve its token), and meet the standard's errors.

The client below knows nothing of Townhall: only urllib, the discovery document, and the
standard's paths and parameters.
"""

import importlib
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET  # noqa: S405 - the server under test is ours

import pytest
from django.core.management import call_command

from townhall.units.models import Agency, AgencyKind, Era, Unit

from .conftest import xml_carries

GEOREPORT_V2 = "http://wiki.open311.org/GeoReport_v2"


class GeoReportError(Exception):
    def __init__(self, status: int, errors):
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors


class GeoReportClient:
    """The smallest GeoReport v2 client: discovery → endpoint → services → requests."""

    def __init__(self, discovery_url: str, api_key: str = ""):
        self.api_key = api_key
        discovery = self._call(discovery_url)
        endpoint = next(
            e
            for e in discovery["endpoints"]
            if e["specification"] == GEOREPORT_V2 and "application/json" in e["formats"]
        )
        self.base = endpoint["url"].rstrip("/")
        self.formats = endpoint["formats"]

    def _call(self, url: str, *, data: dict | None = None, raw: bool = False):
        body = urllib.parse.urlencode(data).encode("utf-8") if data is not None else None
        request = urllib.request.Request(url, data=body)
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            payload = error.read()
            errors = ET.fromstring(payload) if url.endswith(".xml") else json.loads(payload)  # noqa: S314
            raise GeoReportError(error.code, errors) from None
        if raw:
            return payload, content_type
        return json.loads(payload)

    def _url(self, path: str, fmt: str = "json", **query) -> str:
        url = f"{self.base}/{path}.{fmt}"
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def services(self, jurisdiction_id: str = ""):
        query = {"jurisdiction_id": jurisdiction_id} if jurisdiction_id else {}
        return self._call(self._url("services", **query))

    def service_definition(self, service_code: str):
        return self._call(self._url(f"services/{service_code}"))

    def post_request(self, **fields):
        return self._call(self._url("requests"), data={"api_key": self.api_key, **fields})

    def get_request(self, service_request_id: str):
        return self._call(self._url(f"requests/{service_request_id}"))

    def get_request_xml(self, service_request_id: str):
        payload, content_type = self._call(
            self._url(f"requests/{service_request_id}", "xml"), raw=True
        )
        return ET.fromstring(payload), content_type  # noqa: S314

    def get_requests(self, **filters):
        return self._call(self._url("requests", **filters))

    def request_id_from_token(self, token: str):
        return self._call(self._url(f"tokens/{token}"))


@pytest.fixture
def running_townhall(live_server):
    """The units (the flush of transactional tests removes them), one People's Committee and a
    key issued the way an administrator does it."""
    call_command("units_load", verbosity=0)
    # The topics and rules the data migrations seed: an earlier transactional test's flush
    # removed them (each seed function is idempotent).
    from django.apps import apps as django_apps

    seed = importlib.import_module("townhall.petitions.migrations.0002_seed_topics_and_rules")
    seed.seed(django_apps, None)
    Agency.objects.create(
        unit=Unit.objects.get(era=Era.TWO_LEVEL, code="10750"),
        kind=AgencyKind.PEOPLES_COMMITTEE,
        name="Ủy ban nhân dân xã Phú Thái",
    )
    from io import StringIO

    out = StringIO()
    call_command("open311_key", "create", "Standard client", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    return live_server.url, key


@pytest.mark.django_db(transaction=True)
def test_a_standard_client_discovers_posts_and_reads_back(running_townhall, standard):
    url, key = running_townhall
    client = GeoReportClient(f"{url}/open311/v2/discovery.json", api_key=key)
    assert client.base == f"{url}/open311/v2"
    assert "text/xml" in client.formats

    services = client.services(jurisdiction_id="10750")
    standard.validate("services.json", services)
    service = next(s for s in services if s["metadata"])
    definition = client.service_definition(service["service_code"])
    standard.validate("service-definition.json", definition)
    answers = {}
    for attribute in definition["attributes"]:
        if attribute["variable"] and attribute["required"]:
            answers[f"attribute[{attribute['code']}]"] = attribute["values"][0]["key"]

    created = client.post_request(
        jurisdiction_id="10750",
        service_code=service["service_code"],
        lat="20.9581",
        long="106.5012",
        address_string="Ngã ba chợ Phú Thái",
        description="Cống thoát nước trước chợ bị tắc, nước tràn lên mặt đường.",
        email="nguoidan@example.vn",
        **answers,
    )
    standard.validate_swagger("RequestResponse", created)
    (receipt,) = created
    request_id = receipt["service_request_id"]
    assert receipt["service_notice"]

    as_json = client.get_request(request_id)
    standard.validate("requests.json", as_json)
    (item,) = as_json
    assert item["service_request_id"] == request_id
    assert item["service_code"] == service["service_code"]
    assert item["status"] == "open"
    assert (item["lat"], item["long"]) == (20.9581, 106.5012)
    assert item["address"] == "Ngã ba chợ Phú Thái"
    assert "nguoidan@example.vn" not in json.dumps(as_json)

    root, content_type = client.get_request_xml(request_id)
    assert content_type.startswith("text/xml")
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == request_id
    xml_carries(root, as_json)

    listed = client.get_requests(service_request_id=request_id)
    assert listed == as_json
    assert request_id in {r["service_request_id"] for r in client.get_requests(status="open")}
    assert client.request_id_from_token(receipt["token"]) == [
        {"service_request_id": request_id, "token": receipt["token"]}
    ]

    # The standard's errors, as a client meets them.
    with pytest.raises(GeoReportError) as refused:
        GeoReportClient(f"{url}/open311/v2/discovery.json", api_key="").post_request(
            jurisdiction_id="10750", service_code=service["service_code"], lat="20", long="106"
        )
    assert refused.value.status == 403 and refused.value.errors[0]["code"] == 403
    with pytest.raises(GeoReportError) as unknown:
        client.get_request("TH-ZZZZ-ZZZZ")
    assert unknown.value.status == 404
    with pytest.raises(GeoReportError) as no_place:
        client.post_request(
            jurisdiction_id="10750",
            service_code=service["service_code"],
            description="Không có địa điểm",
            **answers,
        )
    assert no_place.value.status == 400

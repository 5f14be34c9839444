"""Open311 fixtures: the standard's JSON schemas (from ../shared/open311/), units valid today,
their agencies, a client's API key, and helpers that check both formats of every response."""

import datetime as dt
import json
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own responses in tests
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from townhall.units.models import Agency, AgencyKind, Era, Unit

# The repository's parent holds shared/ (a clone in CI has a copy of shared/ beside it).
SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "open311"
SCHEMA_FILES = (
    "request.json",
    "requests.json",
    "service.json",
    "services.json",
    "service-definition.json",
    "swagger.json",
)


def _load_schemas() -> dict[str, dict]:
    missing = [name for name in SCHEMA_FILES if not (SCHEMAS / name).is_file()]
    if missing:
        # Fail, never skip: without the schemas these tests would prove nothing.
        raise RuntimeError(
            f"The Open311 JSON schemas are missing from {SCHEMAS} ({', '.join(missing)}); "
            "shared/open311/ must sit beside the repository"
        )
    return {name: json.loads((SCHEMAS / name).read_text("utf-8")) for name in SCHEMA_FILES}


FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_w3c_datetime(value) -> bool:
    if not isinstance(value, str) or "T" not in value:
        raise ValueError(f"{value!r} is not a date-time")
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return True


class Standard:
    """Validators for each shared schema by file name, and the swagger's definitions."""

    def __init__(self):
        self.schemas = _load_schemas()
        registry = Registry().with_resources(
            (name, Resource.from_contents(schema, default_specification=DRAFT202012))
            for name, schema in self.schemas.items()
        )
        self.registry = registry

    def validate(self, name: str, data) -> None:
        validator = jsonschema.Draft202012Validator(
            self.schemas[name], registry=self.registry, format_checker=FORMATS
        )
        validator.validate(data)

    def validate_swagger(self, definition: str, data: list[dict]) -> None:
        """Swagger 2.0 cannot say "null": a null there is validated as an absent property."""
        schema = {"type": "array", "items": self.schemas["swagger.json"]["definitions"][definition]}
        present = [{k: v for k, v in item.items() if v is not None} for item in data]
        jsonschema.Draft4Validator(schema, format_checker=FORMATS).validate(present)


# Built at import: a missing schemas folder stops the collection of every test here.
STANDARD = Standard()
# What a successful GET answers, by its XML root, validated by `both` on every call.
SCHEMA_OF_ROOT = {
    "services": "services.json",
    "service_definition": "service-definition.json",
    "service_requests": "requests.json",
}


@pytest.fixture(scope="session")
def standard() -> Standard:
    return STANDARD


def parse_xml(body: bytes) -> ET.Element:
    return ET.fromstring(body)  # noqa: S314 - our own response, in a test


def xml_carries(element: ET.Element, data) -> None:
    """Assert the XML element holds exactly `data` (as the JSON response has it)."""
    if isinstance(data, dict):
        children = [child.tag for child in element]
        assert children == list(data), f"<{element.tag}> has {children}, JSON has {list(data)}"
        for child in element:
            xml_carries(child, data[child.tag])
    elif isinstance(data, list):
        assert len(element) == len(data), f"<{element.tag}>: {len(element)} vs {len(data)}"
        for child, item in zip(element, data, strict=True):
            xml_carries(child, item)
    else:
        text = element.text
        if data is None:
            assert text in (None, ""), f"<{element.tag}> {text!r} should be empty"
        elif isinstance(data, bool):
            assert text == ("true" if data else "false"), f"<{element.tag}> {text!r}"
        elif isinstance(data, int | float):
            assert float(text) == pytest.approx(data), f"<{element.tag}> {text!r} vs {data!r}"
        else:
            assert text == data, f"<{element.tag}> {text!r} vs {data!r}"


def both(client, path: str, *, root: str, expect: int = 200, **params):
    """GET `path` in JSON and in XML; check the JSON against the standard's schema, and that the
    XML is well-formed, rooted at `root` and holds the same data. Returns the JSON data."""
    json_response = client.get(f"/open311/v2/{path}.json", params)
    xml_response = client.get(f"/open311/v2/{path}.xml", params)
    assert json_response.status_code == expect, json_response.content
    assert xml_response.status_code == expect, xml_response.content
    assert json_response["Content-Type"].startswith("application/json")
    assert xml_response["Content-Type"].startswith("text/xml")
    data = json_response.json()
    if expect == 200 and root in SCHEMA_OF_ROOT:
        STANDARD.validate(SCHEMA_OF_ROOT[root], data)
    element = parse_xml(xml_response.content)
    assert element.tag == root
    xml_carries(element, data)
    return data


def today_unit(code: str) -> Unit:
    return Unit.objects.get(era=Era.TWO_LEVEL, code=code)


@pytest.fixture
def places(db):
    """Today's Xã Phú Thái (10750) in Thành phố Hải Phòng (31), each with its People's
    Committee."""
    phu_thai, hai_phong = today_unit("10750"), today_unit("31")
    return SimpleNamespace(
        phu_thai=phu_thai,
        hai_phong=hai_phong,
        phu_thai_committee=Agency.objects.create(
            unit=phu_thai, kind=AgencyKind.PEOPLES_COMMITTEE, name="Ủy ban nhân dân xã Phú Thái"
        ),
        hai_phong_committee=Agency.objects.create(
            unit=hai_phong,
            kind=AgencyKind.PEOPLES_COMMITTEE,
            name="Ủy ban nhân dân thành phố Hải Phòng",
        ),
    )


@pytest.fixture
def api_key(db):
    from townhall.open311.keys import key_create

    row, key = key_create(name="Ứng dụng phản ánh hiện trường")
    row.plain = key
    return row


@pytest.fixture
def staff(db):
    from townhall.accounts.models import Role, User

    return User.objects.create_user(username="leader.pt", password="x" * 12, role=Role.LEADER)

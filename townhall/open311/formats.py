"""The two GeoReport v2 formats: JSON, and XML with the standard's element names.

The same Python data (lists of dicts of str/int/float/bool/None, nested dicts and lists) is
written either way, so both formats always carry the same data. In XML, None is an empty
element, booleans are `true`/`false`, and a list is an element holding one child per item
(`<attributes><attribute>…</attribute></attributes>`).
"""

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - we only write XML here, never parse it  # nosec B405

from django.http import HttpResponse

JSON = "json"
XML = "xml"
CONTENT_TYPES = {
    JSON: "application/json; charset=utf-8",
    XML: "text/xml; charset=utf-8",
}
# The child element of each list, in XML.
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "services": "service",
    "service_requests": "request",
}
# Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR; and the
# non-characters U+FFFE/U+FFFF): dropped, so that a stray byte in a petition cannot make the
# document ill-formed.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        item_tag = LIST_ITEMS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> str:
    element = ET.Element(root)
    _fill(element, data)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


def respond(fmt: str, data, *, root: str, status: int = 200, headers=None) -> HttpResponse:
    """`data` as JSON, or as XML under the element `root`."""
    body = to_xml(root, data) if fmt == XML else to_json(data)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, JSON))
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def errors(fmt: str, status: int, description: str, *, headers=None) -> HttpResponse:
    """The standard's error list: `[{"code": 400, "description": "…"}]` / `<errors>…</errors>`."""
    return respond(
        fmt,
        [{"code": status, "description": description}],
        root="errors",
        status=status,
        headers=headers,
    )

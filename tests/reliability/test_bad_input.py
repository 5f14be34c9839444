"""The bad-input catalogue (issue #8): every form and JSON endpoint against what clients send.

Malformed JSON, wrong types, oversized bodies (413 before the body is read), invalid UTF-8,
a wrong charset, dates out of range, unknown codes: each answer is a 4xx with a message a person
can act on (problem+json `detail` in the API, an error beside the field in a form) and nothing
changes in the main tables. HTML/script and SQL-looking text is stored as typed and shown
escaped. Adding an endpoint is one line in API_POSTS or FORMS.
"""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.petitions.helpers import DAM_CHO, intake
from tests.reception.helpers import record_session
from townhall.api.auth import token_create
from townhall.core.middleware import max_body_bytes
from townhall.dialogues.models import Conference
from townhall.petitions import services as petitions
from townhall.petitions.models import Case, CaseEvent, Petition, Submitter
from townhall.reception.models import ReceptionSchedule, ReceptionSession, RegisterEntry
from townhall.reports.models import ReportJob

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
MAIN_TABLES = (
    Case,
    Petition,
    Submitter,
    CaseEvent,
    Conference,
    ReceptionSchedule,
    ReceptionSession,
    RegisterEntry,
    ReportJob,
)
SCRIPT = '<script>alert("x")</script><b onmouseover="alert(1)">đậm</b>'
SQL = "'; DROP TABLE petitions_case; -- \" OR 1=1 /*"


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MAIN_TABLES}


class World:
    def __init__(self, cast):
        self.cast = cast
        self.clerk = cast.kim_thanh_clerk
        _, self.token = token_create(user=self.clerk, name="bad input")
        receipt = petitions.petition_receive(
            intake=intake(cast.kim_thanh_committee), actor=self.clerk
        )
        self.case = receipt.case
        self.session = record_session(
            cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2022, 10, 13)
        )
        self.web = Client()
        self.web.force_login(self.clerk)

    def api(self, path: str, body, *, content_type="application/json", **extra):
        return Client().generic(
            "POST",
            f"/api/v1{path.format(case=self.case.pk, session=self.session.pk)}",
            body,
            content_type=content_type,
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
            **extra,
        )


@pytest.fixture
def world(cast):
    return World(cast)


def petition_body(**changes) -> dict:
    body = {
        "kind": "complaint",
        "channel": "mail",
        "unit": "10750",
        "received_at": "2022-10-03T09:00:00",
        "topic": "land",
        "text": DAM_CHO,
        "submitters": [{"name": "Nguyễn Văn An", "phone": "0912345678"}],
    }
    return {**body, **changes}


def assert_problem(response, status: int | None = None) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if status is not None:
        assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM, response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code and body["detail"].strip()
    return body


# --- the JSON API -----------------------------------------------------------------------------
API_POSTS = [  # every JSON POST that creates or changes something
    "/petitions",
    "/conferences",
    "/reception/schedules",
    "/reception/sessions",
    "/reception/sessions/{session}/entries",
    "/reports/documents",
    "/cases/{case}/accept",
    "/cases/{case}/answer",
    "/cases/{case}/return",
]
NO_REQUIRED_FIELDS = {"/cases/{case}/accept"}  # `{}`, or no body at all, is a valid request
MALFORMED = [
    ("truncated", b'{"kind": "complaint", "text": '),
    ("not json", b"kind=complaint&text=hello"),
    ("trailing comma", b'{"kind": "complaint",}'),
    ("single quotes", b"{'kind': 'complaint'}"),
    ("invalid utf-8", b'{"kind": "complaint", "text": "\xff\xfe\xc3\x28"}'),
]
WRONG_TYPES = [
    ("an array", []),
    ("a string", "complaint"),
    ("a number", 42),
    ("null", None),
    ("nested objects", {"kind": {"a": 1}, "text": ["x"], "unit": {"code": 1}, "topic": [1]}),
]


@pytest.mark.parametrize("path", API_POSTS)
@pytest.mark.parametrize("name,raw", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_json_is_a_problem_and_changes_nothing(world, path, name, raw):
    before = counts()
    body = assert_problem(world.api(path, raw))
    assert body["status"] in (400, 422)
    assert counts() == before


@pytest.mark.parametrize("path", [p for p in API_POSTS if p not in NO_REQUIRED_FIELDS])
@pytest.mark.parametrize("name,value", WRONG_TYPES, ids=[w[0] for w in WRONG_TYPES])
def test_wrong_types_are_a_422_naming_the_field(world, path, name, value):
    before = counts()
    body = assert_problem(world.api(path, json.dumps(value)), 422)
    assert body.get("errors"), body
    assert counts() == before


@pytest.mark.parametrize("path", API_POSTS)
def test_a_body_over_the_limit_is_413_before_it_is_read(world, path):
    before = counts()
    limit = max_body_bytes("/api/v1" + path)
    response = world.api(path, b'{"text": "' + b"x" * limit + b'"}')
    body = assert_problem(response, 413)
    assert "MB" in body["detail"]  # the size and the limit, in the reader's language
    assert counts() == before


@pytest.mark.parametrize("path", API_POSTS)
def test_a_wrong_charset_is_refused(world, path):
    """Latin-1 bytes declared as such: the API speaks UTF-8 JSON only."""
    before = counts()
    raw = json.dumps(petition_body(text="Đề nghị sửa đường é"), ensure_ascii=False)
    response = world.api(
        path, raw.encode("latin-1", "replace"), content_type="application/json; charset=latin-1"
    )
    assert_problem(response)
    assert counts() == before


PETITION_REFUSALS = [
    ("year 0001", {"received_at": "0001-01-01T09:00:00"}, "received_at"),
    ("year 9999", {"received_at": "9999-12-31T09:00:00"}, "received_at"),
    ("30 February", {"received_at": "2026-02-30T09:00:00"}, "received_at"),
    ("in the future", {"received_at": "2099-01-01T09:00:00"}, "received_at"),
    ("unknown unit", {"unit": "99999"}, "unit"),
    ("unknown topic", {"topic": "no-such-topic"}, "topic"),
    ("unknown kind", {"kind": "praise"}, "kind"),
    ("unknown channel", {"channel": "pigeon"}, "channel"),
    ("negative people", {"people_count": -3}, "people_count"),
    ("huge people", {"people_count": 10**30}, "people_count"),
    ("empty text", {"text": "   "}, "text"),
    ("lone surrogate", {"text": DAM_CHO + "\ud800"}, "text"),
    ("bad phone", {"submitters": [{"name": "An", "phone": "not a phone"}]}, "submitters"),
]


@pytest.mark.parametrize(
    "name,changes,field", PETITION_REFUSALS, ids=[r[0] for r in PETITION_REFUSALS]
)
def test_out_of_range_dates_and_unknown_codes_are_refused_by_the_api(world, name, changes, field):
    before = counts()
    body = assert_problem(world.api("/petitions", json.dumps(petition_body(**changes))))
    fields = [e.get("field", "") for e in body.get("errors", [])]
    assert any(f.startswith(field) for f in fields), body
    assert counts() == before


@pytest.mark.parametrize("text", [SCRIPT, SQL], ids=["html", "sql"])
def test_html_and_sql_are_stored_as_typed_and_shown_escaped(world, text):
    before = counts()
    typed = f"{DAM_CHO} {text}"
    response = world.api(
        "/petitions",
        json.dumps(petition_body(text=typed, submitters=[{"name": f"An {text}"}])),
    )
    assert response.status_code == 201, response.content[:500]
    after = counts()
    assert after["Case"] == before["Case"] + 1 and after["Petition"] == before["Petition"] + 1
    petition = Petition.objects.get(tracking_code=response.json()["tracking_code"])
    assert petition.text == typed
    assert petition.submitters.get().name == f"An {text}"
    page = world.web.get(reverse("petitions:detail", args=[petition.case_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<script>alert" not in html and "<b onmouseover" not in html
    if text == SCRIPT:
        assert "&lt;script&gt;alert(" in html
    # The staff list and the API give it back too, escaped or as JSON data.
    listing = world.web.get(reverse("petitions:list")).content.decode()
    assert "<script>alert" not in listing
    again = Client().get(
        f"/api/v1/petitions/{petition.pk}", HTTP_AUTHORIZATION=f"Bearer {world.token}"
    )
    assert again.json()["text"] == typed


# --- the forms --------------------------------------------------------------------------------
def _session_url(world):
    return reverse("reception:entry_create", args=[world.session.pk])


FORMS = {  # name → (url, the form in the context, a date field, a number field)
    "intake": (lambda w: reverse("petitions:intake"), "form", "received_date", "people_count"),
    "conference": (lambda w: reverse("dialogues:new"), "form", "starts_at", "expected_attendance"),
    "schedule": (lambda w: reverse("reception:schedules"), "form", "valid_from", "weekday"),
    "session": (lambda w: reverse("reception:sessions"), "form", "date", None),
    "entry": (_session_url, "form", None, "people_count"),
    "portal send": (lambda w: reverse("portal:send"), "form", None, None),
    "portal track": (lambda w: reverse("portal:track"), "form", None, None),
}
# Not a date at all, or a year no one means (0001, 9999: core.dates.plausible_year, as the API).
BAD_DATES = ["30/02/2026", "2026-02-30", "31/13/2022", "hôm qua", "01/01/0001", "31/12/9999"]


def _post(world, name, data, **extra):
    url = FORMS[name][0](world)
    client = Client() if name.startswith("portal") else world.web
    return client.post(url, data, **extra)


def _errors(response, name) -> dict:
    assert response.status_code in (400, 404, 422), (name, response.status_code)
    form = response.context[FORMS[name][1]]
    assert form.errors, name
    return form.errors


@pytest.mark.parametrize("name", FORMS)
def test_an_empty_form_names_its_missing_fields(world, name):
    before = counts()
    errors = _errors(_post(world, name, {}), name)
    assert all(messages for messages in errors.values())
    assert counts() == before


@pytest.mark.parametrize("name", [n for n in FORMS if FORMS[n][2]])
@pytest.mark.parametrize("value", BAD_DATES)
def test_a_date_out_of_range_is_shown_beside_its_field(world, name, value):
    before = counts()
    field = FORMS[name][2]
    errors = _errors(_post(world, name, {field: value}), name)
    assert field in errors, (value, errors)
    if value.endswith(("0001", "9999")) and name != "conference":  # date-only fields
        assert "1900" in " ".join(errors[field]), errors[field]
    assert counts() == before


@pytest.mark.parametrize("value", ["0001-01-01T09:00", "9999-12-31T09:00"])
def test_a_date_and_time_in_an_implausible_year_is_refused(world, value):
    before = counts()
    errors = _errors(_post(world, "conference", {"starts_at": value}), "conference")
    assert "1900" in " ".join(errors["starts_at"]), errors
    assert counts() == before


@pytest.mark.parametrize("name", [n for n in FORMS if FORMS[n][3]])
@pytest.mark.parametrize("value", ["many", "1e400", "-1", "99999999999999999999999", "1; DROP"])
def test_a_wrong_number_is_shown_beside_its_field(world, name, value):
    before = counts()
    field = FORMS[name][3]
    errors = _errors(_post(world, name, {field: value}), name)
    assert field in errors, (value, errors)
    assert counts() == before


@pytest.mark.parametrize("name", FORMS)
def test_invalid_utf8_in_a_form_is_refused_without_a_500(world, name):
    before = counts()
    response = _post(
        world,
        name,
        b"text=%FF%FE%C3%28&content=%FF&code=%FF%FF&kind=%C3",
        content_type="application/x-www-form-urlencoded",
    )
    _errors(response, name)
    assert counts() == before


@pytest.mark.parametrize("name", FORMS)
def test_a_form_over_the_limit_is_413_in_html(world, name):
    before = counts()
    url = FORMS[name][0](world)
    limit = max_body_bytes(url)
    response = Client().generic(
        "POST",
        url,
        b"x" * 10,
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(limit + 1),
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_keeps_its_own_error_format_for_413(fmt):
    url = f"/open311/v2/requests.{fmt}"
    response = Client().generic(
        "POST",
        url,
        b"api_key=x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(max_body_bytes(url) + 1),
    )
    assert response.status_code == 413
    if fmt == "json":
        assert response.json()[0]["code"] == 413 and response.json()[0]["description"]
    else:
        assert b"<code>413</code>" in response.content


def test_a_large_upload_under_the_upload_limit_reaches_the_form(world):
    """The intake form takes attachments: its limit is the upload limit, not the form limit."""
    url = reverse("petitions:intake")
    assert max_body_bytes(url) > max_body_bytes("/api/v1/petitions")
    response = world.web.generic(
        "POST",
        url,
        b"kind=complaint",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(max_body_bytes("/api/v1/petitions") + 1),
    )
    assert response.status_code != 413


@pytest.mark.parametrize("text", [SCRIPT, SQL], ids=["html", "sql"])
def test_script_in_a_reception_entry_is_stored_as_typed_and_shown_escaped(world, text):
    before = counts()
    data = {
        "content": f"{DAM_CHO} {text}",
        "kind": "complaint",
        "topic": "land",
        "action": "accepted",
        "notes": text,
        "citizens-TOTAL_FORMS": "1",
        "citizens-INITIAL_FORMS": "0",
        "citizens-0-name": f"An {text}",
        "citizens-0-address": text,
    }
    response = world.web.post(_session_url(world), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    entry = RegisterEntry.objects.get(session=world.session)
    assert entry.content == f"{DAM_CHO} {text}" and entry.notes == text
    assert counts()["RegisterEntry"] == before["RegisterEntry"] + 1
    html = world.web.get(reverse("reception:session", args=[world.session.pk])).content.decode()
    assert "<script>alert" not in html and "<b onmouseover" not in html

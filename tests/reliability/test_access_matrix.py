"""The access-control matrix (issue #8): every URL and every API operation × the cast.

One world in two jurisdictions — Kim Thành (A, with a denunciation D) and Chí Linh (B) — built
once. Each row of WEB and API says which objects fill the path and which rule decides the
expected status for each member of the cast (anonymous, a citizen with the right tracking code,
a citizen holding another's code, Kim Thành's clerk, leader and assigned handler, a handler of
Chí Linh, the provincial inspector, the administrator). An object outside a user's
jurisdiction is 404 (existence does not leak); a read-only role writing on a visible object is
403; an anonymous visitor of a staff page goes to the login page; the API answers 401 without a
bearer token. Writes that the policy allows run inside a savepoint that is rolled back.

The denouncer of D (a unique name, phone and ID number) must not appear in any body — HTML,
JSON, or inside a DOCX/XLSX — for anyone but D's handling leader and assigned handler.

Coverage: every pattern of `townhall.urls` and every operation of `/api/v1/openapi.json` has a
row (the Django admin's patterns are generated: nobody in the cast has `is_staff`).
"""

import datetime as dt
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.cast import Cast, make_user
from tests.petitions.helpers import at, intake, resident
from tests.reports.helpers import answer, plan_and_hold
from townhall.accounts.models import Role
from townhall.api.auth import token_create
from townhall.dialogues import services as dialogue_services
from townhall.petitions import services as petitions
from townhall.reception import services as reception
from townhall.reception.models import Action
from townhall.reports import jobs
from townhall.units.models import Era, Unit

DENOUNCER = "Quexo Zivanh Matdanh"
DENOUNCER_PHONE = "0966112358"
DENOUNCER_ID = "030199112358"
SECRETS = [
    DENOUNCER,
    DENOUNCER.upper(),
    DENOUNCER_PHONE,
    DENOUNCER_PHONE[1:],
    "0966 112 358",
    "0966.112.358",
    DENOUNCER_ID,
]
SLOW: list = []
LOGIN = "login"  # a redirect to the staff login page
ADMIN_LOGIN = "admin-login"
LOOKUP = "lookup"  # the portal's redirect to the tracking form
ALLOWED = "allowed"  # the policy lets it through: not 401/403/404, never 5xx

STAFF = ("clerk", "leader", "handler", "handler_cl", "inspector", "admin")
VISITORS = ("anonymous", "citizen", "citizen_other")
CAST = VISITORS + STAFF
ENTITLED = {"leader", "handler"}  # D's handling leader and assigned handler
SEES = {  # jurisdictions each member of the staff sees
    "clerk": {"A"},
    "leader": {"A"},
    "handler": {"A"},
    "handler_cl": {"B"},
    "inspector": {"A", "B"},  # the province's Ban Dân vận
    "admin": {"A", "B"},
}
JURISDICTION = {"A": "A", "D": "A", "B": "B"}


# --- the rules --------------------------------------------------------------------------------
def public(status=200):
    return lambda who, target: status


def staff_read(who, target):
    return LOGIN if who in VISITORS else 200


def staff_write(who, target):
    if who in VISITORS:
        return LOGIN
    return 403 if who == "inspector" else ALLOWED


def staff_any_post(who, target):
    """A POST that only reads (a search panel, a report request): every member of the staff."""
    return LOGIN if who in VISITORS else ALLOWED


def object_read(who, target):
    if who in VISITORS:
        return LOGIN
    return 200 if JURISDICTION[target] in SEES[who] else 404


def object_write(who, target):
    if who in VISITORS:
        return LOGIN
    if JURISDICTION[target] not in SEES[who]:
        return 404
    return 403 if who == "inspector" else ALLOWED


def query_scoped(refused):
    """A staff page whose query names a unit or agency: outside the jurisdiction it is refused."""

    def rule(who, target):
        if who in VISITORS:
            return LOGIN
        return 200 if JURISDICTION[target] in SEES[who] else refused

    return rule


def confidential_files(who, target):
    """A denunciation's files: only the entitled; the id asked for does not exist (404)."""
    if who in VISITORS:
        return LOGIN
    if JURISDICTION[target] not in SEES[who]:
        return 404
    return 404 if who in ENTITLED or target != "D" else 403


def audit(who, target):
    if who in VISITORS:
        return LOGIN
    return 200 if who in ("inspector", "admin") else 403


def two_factor_page(who, target):
    """The TOTP step: only for a session that has logged in (test logins count as passed)."""
    return LOGIN if who in VISITORS else 302


def login_page(who, target):
    return 200 if who in VISITORS else 302


def citizen_read(who, target):
    return 200 if who == "citizen" else LOOKUP


def citizen_write(who, target):
    return ALLOWED if who == "citizen" else LOOKUP


def admin_site(who, target):
    return ADMIN_LOGIN


def api_public(who, target):
    return 200


def api_read(who, target):
    return 401 if who in VISITORS else 200


def api_write(who, target):
    if who in VISITORS:
        return 401
    return 403 if who == "inspector" else ALLOWED


def api_object_read(who, target):
    if who in VISITORS:
        return 401
    return 200 if JURISDICTION[target] in SEES[who] else 404


def api_object_write(who, target):
    if who in VISITORS:
        return 401
    if JURISDICTION[target] not in SEES[who]:
        return 404
    return 403 if who == "inspector" else ALLOWED


def api_query_scoped(who, target):
    if who in VISITORS:
        return 401
    return 200 if JURISDICTION[target] in SEES[who] else 404


# --- the tables -------------------------------------------------------------------------------
@dataclass
class Row:
    name: str  # URL name, or "METHOD /api/v1/path" for the API
    method: str
    rule: object
    kwargs: dict = field(default_factory=dict)  # values may be callables (world, target) → value
    query: object = None  # a dict, or a callable (world, target) → dict
    targets: tuple = ("A",)
    data: object = None


AB = ("A", "B")
ABD = ("A", "B", "D")


def obj(kind):
    return lambda w, t: w.objects[t][kind]


def period(w, t):
    return {"unit": w.objects[t]["unit"].code, "start": "2022-01-01", "end": "2022-12-31"}


WEB = [
    Row("home", "GET", staff_read),
    Row("healthz", "GET", public()),
    Row("set_language", "POST", public(302), data={"language": "vi", "next": "/portal/"}),
    Row("login", "GET", login_page),
    Row("logout", "POST", public(302)),
    Row("two_factor", "GET", two_factor_page),
    Row("petitions:list", "GET", staff_read, query={"q": "Quexo"}),
    Row("petitions:intake", "GET", staff_write),
    Row("petitions:intake", "POST", staff_write),
    Row("petitions:submitter_row", "GET", staff_read, query={"n": "1"}),
    Row("petitions:unit_options", "GET", staff_read),
    Row("petitions:similar", "POST", staff_any_post, data={"text": "chồng lấn ranh giới"}),
    Row("petitions:detail", "GET", object_read, {"pk": obj("case")}, targets=ABD),
    Row(
        "petitions:attachment",
        "GET",
        confidential_files,
        {"pk": obj("case"), "attachment_id": 999999},
        targets=ABD,
    ),
    Row(
        "petitions:action",
        "POST",
        object_write,
        {"pk": obj("case"), "action": "acknowledge"},
        targets=ABD,
    ),
    Row("dialogues:list", "GET", staff_read),
    Row("dialogues:new", "GET", staff_write),
    Row("dialogues:new", "POST", staff_write),
    Row("dialogues:slow_agencies", "GET", staff_read),
    Row("dialogues:detail", "GET", object_read, {"pk": obj("conference")}, targets=AB),
    Row("dialogues:day", "GET", object_read, {"pk": obj("conference")}, targets=AB),
    Row("dialogues:conclude", "GET", object_write, {"pk": obj("conference")}, targets=AB),
    Row("dialogues:conclude", "POST", object_write, {"pk": obj("conference")}, targets=AB),
    Row("dialogues:opinion_add", "POST", object_write, {"pk": obj("conference")}, targets=AB),
    *[
        Row(
            f"dialogues:{name}",
            "POST",
            object_write,
            {"pk": obj("conference"), "opinion_id": obj("opinion")},
            targets=AB,
        )
        for name in ("opinion_outcome", "opinion_preparation", "opinion_prepared")
    ],
    *[
        Row(
            "dialogues:document",
            "GET",
            object_read,
            {"pk": obj("conference"), "kind": kind},
            targets=AB,
        )
        for kind in ("invitation", "minutes", "conclusion")
    ],
    Row(
        "dialogues:transition",
        "POST",
        object_write,
        {"pk": obj("conference"), "action": "close"},
        targets=AB,
    ),
    Row(
        "dialogues:directive",
        "POST",
        object_write,
        {"pk": obj("directive"), "action": "progress"},
        targets=AB,
        data={"note": "Đang triển khai."},
    ),
    Row("reception:schedules", "GET", staff_read),
    Row("reception:schedules", "POST", staff_write),
    Row("reception:schedule_publish", "POST", object_write, {"pk": obj("schedule")}, targets=AB),
    Row("reception:sessions", "GET", staff_read),
    Row("reception:sessions", "POST", staff_write),
    Row("reception:session", "GET", object_read, {"pk": obj("session")}, targets=AB),
    Row("reception:entry_create", "POST", object_write, {"pk": obj("session")}, targets=AB),
    Row("reception:similar", "GET", staff_read, query={"content": "chồng lấn ranh giới khu"}),
    Row(
        "reception:compliance",
        "GET",
        query_scoped(422),
        query=lambda w, t: {"unit": w.objects[t]["unit"].code, "period": "year", "year": 2022},
        targets=AB,
    ),
    Row(
        "reception:export",
        "GET",
        query_scoped(422),
        query=lambda w, t: {
            "agency": w.objects[t]["agency"].pk,
            "start": "01/01/2022",
            "end": "31/12/2022",
        },
        targets=AB,
    ),
    Row("reports:dashboard", "GET", query_scoped(200), query=period, targets=AB),
    Row(
        "reports:records",
        "GET",
        query_scoped(400),
        query=lambda w, t: {**period(w, t), "kind": "petitions", "metric": "cases"},
        targets=AB,
    ),
    Row("reports:compliance", "GET", staff_read),
    Row("reports:hotspots", "GET", staff_read),
    Row("reports:documents", "GET", staff_read),
    Row("reports:documents", "POST", staff_any_post),
    Row("reports:document", "GET", object_read, {"pk": obj("job")}, targets=AB),
    *[
        Row("reports:download", "GET", object_read, {"pk": obj("job"), "fmt": fmt}, targets=AB)
        for fmt in ("docx", "xlsx")
    ],
    Row("audit:search", "GET", audit),
    Row("portal:home", "GET", public()),
    Row("portal:send", "GET", public()),
    Row("portal:send", "POST", public(ALLOWED)),
    Row("portal:units", "GET", public(), query={"parent": "30"}),
    Row("portal:track", "GET", public()),
    Row("portal:track", "POST", public(404), data=lambda w, t: {"code": w.code_a, "key": "000000"}),
    Row("portal:forget", "POST", public(302)),
    Row("portal:case", "GET", citizen_read, {"code": lambda w, t: w.code_a}),
    Row("portal:rate", "POST", citizen_write, {"code": lambda w, t: w.code_a}),
    Row("portal:answers", "GET", public()),
    *[
        Row(f"portal:{name}", "GET", public())
        for name in ("calendar", "conclusions", "reception", "statistics")
    ],
    Row("open311:discovery", "GET", public(), {"fmt": "json"}),
    Row("open311:services", "GET", public(), {"fmt": "xml"}),
    Row("open311:service", "GET", public(), {"code": "land", "fmt": "json"}),
    Row("open311:requests", "GET", public(), {"fmt": "json"}),
    Row("open311:requests", "POST", public(403), {"fmt": "json"}),
    Row("open311:request", "GET", public(), {"request_id": lambda w, t: w.code_d, "fmt": "json"}),
    Row("open311:token", "GET", public(404), {"token": "nope", "fmt": "json"}),
    Row("open311:unknown", "GET", public(404), {"path": "requests"}),
]

API_PARAMS = {
    "case_id": "case",
    "petition_id": "petition",
    "conference_id": "conference",
    "opinion_id": "opinion",
    "directive_id": "directive",
    "schedule_id": "schedule",
    "session_id": "session",
    "entry_id": "entry",
    "agency_id": "agency",
    "job_id": "job",
}
API_PUBLIC = {
    "GET /api/v1/units",
    "GET /api/v1/units/{code}",
    "GET /api/v1/reception/rules",
    "GET /api/v1/reception/schedules/published",
    "GET /api/v1/topics",
}
API_PUBLIC_STATISTICS = {  # counts for any unit; `by_agency` only for the unit's own staff
    "GET /api/v1/reports/dialogues",
    "GET /api/v1/reports/petitions",
    "GET /api/v1/reports/reception",
}
API_STAFF_POST = {  # writes that only read (a report request): every member of the staff
    "POST /api/v1/reports/documents",
}


def _unit_query(w, t):
    return {"unit": w.objects[t]["unit"].code, "from": "2022-01-01", "to": "2022-12-31"}


API_QUERY = {  # operations whose query names a unit or an agency
    "GET /api/v1/reception/register.xlsx": lambda w, t: {
        "agency": w.objects[t]["agency"].pk,
        "from": "2022-01-01",
        "to": "2022-12-31",
    },
    "GET /api/v1/reception/compliance": _unit_query,
    "GET /api/v1/reception/agencies/{agency_id}/schedule-check": lambda w, t: {
        "from": "2022-01-01",
        "to": "2022-12-31",
    },
    **dict.fromkeys(API_PUBLIC_STATISTICS, _unit_query),
    "GET /api/v1/reports/compliance": lambda w, t: {
        "unit": w.objects[t]["unit"].code,
        "year": 2022,
    },
    "GET /api/v1/reports/hotspots": lambda w, t: {"unit": w.objects[t]["unit"].code},
}
API_FIXED = {"code": "31", "fmt": "docx"}  # 31: Hải Phòng, in today's era


def api_rows(schema: dict) -> list[Row]:
    rows = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            secured = bool(operation.get("security"))
            kinds = sorted(params & API_PARAMS.keys())
            targets = ("A",)
            if name in API_PUBLIC:
                rule = api_public
            elif name in API_PUBLIC_STATISTICS:
                rule, targets = api_public, AB
            elif name in API_QUERY:
                rule, targets = api_query_scoped, AB
            elif kinds:
                targets = ABD if {"case_id", "petition_id"} & params and method == "get" else AB
                rule = api_object_read if method == "get" else api_object_write
            elif method == "get":
                rule = api_read
            else:
                rule = api_read if name in API_STAFF_POST else api_write
                if name in API_STAFF_POST:
                    rule = staff_api_post
            kwargs = {p: obj(API_PARAMS[p]) for p in kinds}
            kwargs.update({p: API_FIXED[p] for p in params - API_PARAMS.keys()})
            body = request_body(schema, operation) if method == "post" else None
            row = Row(
                name,
                method.upper(),
                rule,
                kwargs,
                query=API_QUERY.get(name),
                targets=targets,
                data=body,
            )
            row.secured = secured
            rows.append(row)
    return rows


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return _resolve(schema, node["allOf"][0])
    if "anyOf" in node:
        return _resolve(schema, next(n for n in node["anyOf"] if n.get("type") != "null"))
    return node


def sample(schema: dict, node: dict):
    """The smallest value the schema accepts: so that the request reaches the policy (ninja
    validates the body before the view runs, and `{}` would be a 422 for everyone)."""
    node = _resolve(schema, node)
    if "enum" in node:
        return node["enum"][0]
    if "default" in node:
        return node["default"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {name: sample(schema, node["properties"][name]) for name in node.get("required", [])}
    if kind == "array":
        return [sample(schema, node["items"])] * node.get("minItems", 0)
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return "2022-12-30"
    if node.get("format") == "date-time":
        return "2022-12-30T09:00:00+07:00"
    return "x" * max(1, node.get("minLength", 1))


def request_body(schema: dict, operation: dict) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return "{}"
    return json.dumps(sample(schema, content["application/json"]["schema"]))


def staff_api_post(who, target):
    return 401 if who in VISITORS else ALLOWED


# --- the world --------------------------------------------------------------------------------
def _unit(code):
    return Unit.objects.get(era=Era.THREE_LEVEL, code=code)


def _conference(host, chair, locality, title, directive_agency):
    conference, agenda = plan_and_hold(
        host=host,
        chair=chair,
        day=dt.date(2022, 6, 10),
        opinions=2,
        locality=locality,
        title=title,
    )
    answer(conference, agenda[0], chair)
    answer(conference, agenda[1], chair)
    conclusion = dialogue_services.conference_conclude(
        conference=conference,
        actor=chair,
        number="12-TB/HU",
        signed_on=dt.date(2022, 6, 13),
        text="Kết luận của hội nghị.",
        directives=[
            dialogue_services.DirectiveData("Cắm mốc", directive_agency, dt.date(2030, 1, 1))
        ],
        published_at=at(2022, 6, 14, 16),
    )
    conference.refresh_from_db()
    return conference, agenda[0], conclusion.directives.get()


def _session(agency, head, actor, *, citizens, kind="complaint", case=None):
    session = reception.session_record(
        agency=agency, date=dt.date(2022, 10, 13), received_by=head, actor=actor
    )
    from townhall.petitions.models import Topic

    recorded = reception.entry_record(
        session=session,
        visit=reception.Visit(
            content="Phản ánh việc lấn chiếm đất công ở khu dân cư, đề nghị kiểm tra xử lý.",
            kind=kind,
            topic=Topic.objects.get(code="land"),
            action=Action.ACCEPTED,
            citizens=citizens,
        ),
        actor=actor,
        case=case,
    )
    return session, recorded.entry


def _schedule(agency, head, actor):
    return reception.schedule_create(
        agency=agency,
        head=head,
        weekday=3,
        venue="Trụ sở tiếp công dân",
        valid_from=dt.date(2022, 1, 1),
        actor=actor,
    )


class World:
    def __init__(self):
        cast = Cast.build()
        self.cast = cast
        kt, cl = cast.kim_thanh_committee, cast.chi_linh_committee
        for agency, head in ((kt, cast.kim_thanh_leader), (cl, cast.chi_linh_leader)):
            agency.head = head
            agency.save(update_fields=["head"])
            head.title = head.title or f"Chủ tịch {agency.name}"
            head.save(update_fields=["title"])
        handler_cl = make_user("handler.cl", Role.HANDLER, cl)
        self.users = {
            "clerk": cast.kim_thanh_clerk,
            "leader": cast.kim_thanh_leader,
            "handler": cast.kim_thanh_handler,
            "handler_cl": handler_cl,
            "inspector": cast.province_inspector,
            "admin": cast.administrator,
        }
        ward = Unit.objects.filter(era=Era.THREE_LEVEL, parent__code="290").order_by("code")[0]
        # A (Kim Thành): a complaint the citizen tracks, and a denunciation with its denouncer.
        a = petitions.petition_receive(
            intake=intake(kt, when=at(2022, 10, 3)), actor=cast.kim_thanh_clerk
        )
        d = petitions.petition_receive(
            intake=intake(
                kt,
                kind="denunciation",
                text="Tố cáo cán bộ địa chính thị trấn nhận tiền để hợp thức hóa đất lấn chiếm.",
                when=at(2022, 10, 4),
                submitters=[
                    petitions.SubmitterData(
                        name=DENOUNCER,
                        phone=DENOUNCER_PHONE,
                        id_number=DENOUNCER_ID,
                        address="Phú Thái",
                    )
                ],
            ),
            actor=cast.kim_thanh_clerk,
        )
        case_d = petitions.case_accept(case=d.case, actor=cast.kim_thanh_leader)
        case_d = petitions.case_assign(
            case=case_d, actor=cast.kim_thanh_leader, agency=kt, handler=cast.kim_thanh_handler
        )
        assert case_d.handling_leader_id == cast.kim_thanh_leader.pk
        b = petitions.petition_receive(
            intake=intake(cl, unit_code=ward.code, submitters=[resident(7)]),
            actor=handler_cl,
        )
        conf_a, opinion_a, directive_a = _conference(
            kt, cast.kim_thanh_leader, "10750", "Hội nghị Kim Thành", kt
        )
        conf_b, opinion_b, directive_b = _conference(
            cl, cast.chi_linh_leader, ward.code, "Hội nghị Chí Linh", cl
        )
        denouncer = petitions.SubmitterData(
            name=DENOUNCER, phone=DENOUNCER_PHONE, id_number=DENOUNCER_ID, address="Phú Thái"
        )
        session_a, entry_a = _session(
            kt,
            cast.kim_thanh_leader,
            cast.kim_thanh_clerk,
            citizens=[denouncer],
            kind="denunciation",
            case=case_d,
        )
        session_b, entry_b = _session(
            cl, cast.chi_linh_leader, cast.chi_linh_leader, citizens=[resident(8)]
        )
        job_a = jobs.job_request(
            user=cast.kim_thanh_leader, unit=_unit("293"), period="year", year=2022, month=None
        )
        job_b = jobs.job_request(
            user=cast.chi_linh_leader, unit=_unit("290"), period="year", year=2022, month=None
        )
        assert job_a.status == job_b.status == "done"
        common_a = {
            "unit": _unit("293"),
            "agency": kt,
            "conference": conf_a,
            "opinion": opinion_a,
            "directive": directive_a,
            "schedule": _schedule(kt, cast.kim_thanh_leader, cast.kim_thanh_clerk),
            "session": session_a,
            "entry": entry_a,
            "job": job_a,
        }
        self.objects = {
            "A": {**common_a, "case": a.case.pk, "petition": a.petition.pk},
            "D": {**common_a, "case": case_d.pk, "petition": d.petition.pk},
            "B": {
                "unit": _unit("290"),
                "agency": cl,
                "case": b.case.pk,
                "petition": b.petition.pk,
                "conference": conf_b,
                "opinion": opinion_b,
                "directive": directive_b,
                "schedule": _schedule(cl, cast.chi_linh_leader, cast.chi_linh_leader),
                "session": session_b,
                "entry": entry_b,
                "job": job_b,
            },
        }
        self.code_a, self.secret_a = a.petition.tracking_code, a.secret
        self.code_b, self.secret_b = b.petition.tracking_code, b.secret
        self.code_d = d.petition.tracking_code
        self.tokens = {
            who: token_create(user=user, name="matrix")[1] for who, user in self.users.items()
        }


def _value(value, world, target):
    value = value(world, target) if callable(value) else value
    return getattr(value, "pk", value)


# --- reading bodies ---------------------------------------------------------------------------
def body_text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content[:2] == b"PK":  # DOCX and XLSX: the text is in the XML parts
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith((".xml", ".rels"))
            )
    text = content.decode("utf-8", "replace")
    # JSON may escape non-ASCII: the planted values are ASCII, so the raw text is enough.
    return text


def leaks(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text)
    return [s for s in SECRETS if s in flat]


# --- the test ---------------------------------------------------------------------------------
@pytest.mark.long
class AccessMatrix(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = World()

    def setUp(self):
        w = self.world
        self.clients = {who: Client() for who in CAST}
        for who, user in w.users.items():
            self.clients[who].force_login(user)
        for who, (code, secret) in {
            "citizen": (w.code_a, w.secret_a),
            "citizen_other": (w.code_b, w.secret_b),
        }.items():
            response = self.clients[who].post(
                reverse("portal:track"), {"code": code, "key": secret}
            )
            assert response.status_code == 302, (who, response.status_code)

    def _request(self, client, method, url, *, data=None, query=None, headers=None, write=False):
        headers = headers or {}
        if method == "GET":
            return client.get(url, query or {}, **headers)
        if not write:
            return client.post(url, data or {}, **headers)
        cookies = client.cookies
        client.cookies = type(cookies)(cookies)  # a logout must not stick either
        with transaction.atomic():
            response = client.post(url, data or {}, **headers)
            transaction.set_rollback(True)
        client.cookies = cookies
        return response

    def check(self, who, row_name, target, expected, response, failures):
        status = response.status_code
        location = response.get("Location", "")
        if expected == LOGIN:
            ok = status == 302 and location.startswith("/accounts/login/")
        elif expected == ADMIN_LOGIN:
            ok = status == 302 and "/admin/login/" in location
        elif expected == LOOKUP:
            ok = status == 302 and location.startswith(reverse("portal:track"))
        elif expected == ALLOWED:
            ok = status < 500 and status not in (401, 403, 404)
        else:
            ok = status == expected
        if not ok:
            failures.append(f"{row_name} [{target}] as {who}: expected {expected}, got {status}")
        if status < 400 and who not in ENTITLED:
            found = leaks(body_text(response))
            if found:
                failures.append(f"{row_name} [{target}] as {who}: denouncer shown ({found})")

    def test_every_url_and_api_operation_for_the_whole_cast(self):
        w = self.world
        failures, cells = [], 0
        rows = WEB + admin_rows()
        for row in rows:
            started = time.perf_counter()
            for target in row.targets:
                kwargs = {k: str(_value(v, w, target)) for k, v in row.kwargs.items()}
                url = reverse(row.name, kwargs=kwargs)
                query = row.query(w, target) if callable(row.query) else row.query
                data = row.data(w, target) if callable(row.data) else row.data
                for who in CAST:
                    expected = row.rule(who, target)
                    response = self._request(
                        self.clients[who],
                        row.method,
                        url,
                        data=data,
                        query=query,
                        write=row.method == "POST",
                    )
                    self.check(
                        who, f"{row.method} {row.name}", target, expected, response, failures
                    )
                    cells += 1
            SLOW.append((time.perf_counter() - started, f"{row.method} {row.name}"))
        schema = Client().get("/api/v1/openapi.json").json()
        for row in api_rows(schema):
            started = time.perf_counter()
            path = row.name.split(" ", 1)[1]
            for target in row.targets:
                url = path.format(**{k: _value(v, w, target) for k, v in row.kwargs.items()})
                query = row.query(w, target) if row.query else None
                for who in CAST:
                    expected = row.rule(who, target)
                    headers = {}
                    if who in w.tokens:
                        headers["HTTP_AUTHORIZATION"] = f"Bearer {w.tokens[who]}"
                    client = Client()
                    if row.method == "GET":
                        response = client.get(url, query or {}, **headers)
                    else:
                        with transaction.atomic():
                            response = client.post(
                                url, row.data, content_type="application/json", **headers
                            )
                            transaction.set_rollback(True)
                    self.check(who, row.name, target, expected, response, failures)
                    problem = response["Content-Type"] == "application/problem+json"
                    if response.status_code >= 400 and not problem:
                        failures.append(f"{row.name} [{target}] as {who}: not problem+json")
                    cells += 1
            SLOW.append((time.perf_counter() - started, row.name))
        print(f"cells = {cells}; slowest rows: {sorted(SLOW, reverse=True)[:8]}")
        assert not failures, f"{len(failures)} of {cells} cells differ:\n" + "\n".join(failures)
        assert cells > 1000

    def test_the_planted_denouncer_reaches_the_entitled_only(self):
        """The positive control: the negative checks above search for something real."""
        w = self.world
        url = reverse("petitions:detail", args=[w.objects["D"]["case"]])
        for who in ("leader", "handler"):
            assert DENOUNCER in self.clients[who].get(url).content.decode()
        for who in ("clerk", "inspector", "admin"):
            page = self.clients[who].get(url)
            assert page.status_code == 200 and DENOUNCER not in page.content.decode()

    def test_every_url_pattern_and_api_operation_has_a_row(self):
        covered = {row.name for row in WEB}
        missing = [name for name in url_names() if name not in covered]
        assert not missing, f"URL patterns without a row in WEB: {missing}"
        schema = Client().get("/api/v1/openapi.json").json()
        operations = {f"{m.upper()} {p}" for p, ops in schema["paths"].items() for m in ops}
        known = API_PUBLIC | API_PUBLIC_STATISTICS | API_STAFF_POST | API_QUERY.keys()
        # Every operation is classified: public, query-scoped, or by its path parameters.
        for name in operations:
            path = name.split(" ", 1)[1]
            params = set(re.findall(r"{(\w+)}", path))
            assert name in known or params <= API_PARAMS.keys() | API_FIXED.keys(), name
            assert name in known or name.startswith(("GET", "POST")), name
        assert len(operations) == len(api_rows(schema))


# --- walking the resolver ---------------------------------------------------------------------
def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            if entry.namespace == "api-v1":
                continue  # the API is covered by its OpenAPI operations
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else f"{namespace}<{entry.pattern}>"


def url_names() -> list[str]:
    return [name for name in _walk(get_resolver().url_patterns) if not name.startswith("admin:")]


ADMIN_KWARGS = {"object_id": "1", "content_type_id": "1", "app_label": "accounts", "url": "x"}


def admin_rows() -> list[Row]:
    rows = []
    for name in sorted(set(_walk(get_resolver().url_patterns))):
        if not name.startswith("admin:") or name in ("admin:login", "admin:logout"):
            continue
        resolver = get_resolver()
        for kwargs in _admin_kwargs(resolver, name):
            rows.append(Row(name, "GET", admin_site, kwargs))
            break
    return rows


def _admin_kwargs(resolver, name):
    for candidate in (
        {},
        ADMIN_KWARGS,
        {"app_label": "accounts"},
        {"url": "x"},
        {"object_id": "1"},
        {"content_type_id": "1", "object_id": "1"},
    ):
        try:
            reverse(name, kwargs=candidate)
        except Exception:  # noqa: BLE001, S112 - try the next set of parameters
            continue
        yield candidate

"""Open311 GeoReport v2 endpoints: plain function views, JSON or XML by the URL's extension.

Every failure is the standard's error list with its HTTP code (400 bad input, 403 a missing or
revoked api_key, 404 an unknown service, jurisdiction or request, 429 too many attempts), never
a 500 for anything a client can send.
"""

import functools
import re

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import catalogue, formats, keys, present, ratelimit, services
from .errors import Open311Error, not_found
from .models import Open311Request

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00+07:00"  # when this endpoint's description last changed
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def endpoint(*methods: str):
    """Allow `methods` (HEAD with GET), and turn an `Open311Error` into the error list."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, *args, **kwargs) -> HttpResponse:
            if request.method not in allowed:
                return formats.errors(
                    fmt,
                    405,
                    f"{request.method} is not allowed here; use {' or '.join(sorted(methods))}",
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            try:
                return view(request, fmt, *args, **kwargs)
            except Open311Error as exc:
                return formats.errors(fmt, exc.status, exc.description, headers=exc.headers)

        return wrapper

    return decorate


def _query(request: HttpRequest, name: str, *, limit: int = 2000) -> str:
    return services.param(request.GET, name, limit=limit)


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    here = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    base = here.rsplit("/", 1)[0]
    contact = getattr(settings, "OPEN311_CONTACT", settings.DEFAULT_FROM_EMAIL)
    data = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": (
            f"API keys for filing requests are issued by the Townhall administrator ({contact})."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": [formats.CONTENT_TYPES[formats.JSON].split(";")[0], "text/xml"],
            }
        ],
    }
    return formats.respond(fmt, data, root="discovery")


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    services.unit_for_jurisdiction(_query(request, "jurisdiction_id", limit=20), required=False)
    data = [catalogue.service(topic) for topic in catalogue.active_topics()]
    return formats.respond(fmt, data, root="services")


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    services.unit_for_jurisdiction(_query(request, "jurisdiction_id", limit=20), required=False)
    topic = services.topic_for(code)
    return formats.respond(fmt, catalogue.definition(topic), root="service_definition")


# csrf_exempt on this endpoint only: POST requests.{fmt} is an API for other programs,
# authenticated by the `api_key` parameter, never by a session cookie, so a forged cross-site
# request carries no credential of the victim's. Every other view here is GET-only.
@csrf_exempt
@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _file(request, fmt)
    return _search(request, fmt)


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    found = present.petitions()
    ids = present.tracking_codes(_query(request, "service_request_id"))
    if ids:  # "This overrides all other arguments."
        found = found.filter(tracking_code__in=ids)
    else:
        start, end = present.window(_query(request, "start_date"), _query(request, "end_date"))
        found = found.filter(received_at__gte=start, received_at__lte=end)
        status = _query(request, "status", limit=40)
        if status:
            found = found.filter(case__status__in=present.statuses(status))
        code = _query(request, "service_code", limit=100)
        if code:
            found = found.filter(topic=services.topic_for(code, active_only=False))
        unit = services.unit_for_jurisdiction(
            _query(request, "jurisdiction_id", limit=20), required=False
        )
        if unit is not None:
            found = found.filter(unit__path__startswith=unit.path)
    rows = found.order_by("-received_at", "-pk")[: present.MAX_RESULTS]
    return formats.respond(fmt, [present.request(p) for p in rows], root="service_requests")


def _form(request: HttpRequest) -> dict[str, str]:
    """The POST's form fields, and the query string's for what the form lacks (the swagger
    puts the parameters in the query)."""
    try:
        form = request.POST
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError) as exc:
        raise Open311Error(400, f"The request body could not be read: {exc}") from None
    merged = {name: request.GET.get(name) for name in request.GET}
    merged.update({name: form.get(name) for name in form})
    return merged


def _file(request: HttpRequest, fmt: str) -> HttpResponse:
    limited = ratelimit.check_post(request)
    if limited:
        raise Open311Error(
            429,
            f"Too many requests from this address; try again in {limited.retry_after} seconds",
            headers={"Retry-After": str(limited.retry_after)},
        )
    params = _form(request)
    check = keys.key_check(str(params.get("api_key") or ""))
    if check.api_key is None:
        ratelimit.record_bad_key(request)
        raise Open311Error(403, check.problem)
    submission = services.submission_from(params)
    filed = services.request_file(submission=submission, api_key=check.api_key)
    data = [
        {
            "service_request_id": filed.petition.tracking_code,
            "token": filed.request.token,
            "service_notice": filed.service_notice,
            "account_id": submission.account_id or None,
        }
    ]
    return formats.respond(fmt, data, root="service_requests")


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    code = request_id.strip().upper()
    petition = None
    if present.TRACKING_CODE.match(code):
        petition = present.petitions().filter(tracking_code=code).first()
    if petition is None:
        raise not_found(f"No service request {request_id[:20]!r}")
    return formats.respond(fmt, [present.request(petition)], root="service_requests")


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    found = None
    if TOKEN.match(token):
        found = Open311Request.objects.select_related("petition").filter(token=token).first()
    if found is None:
        raise not_found(f"No request was issued token {token[:40]!r}")
    data = [{"service_request_id": found.petition.tracking_code, "token": found.token}]
    return formats.respond(fmt, data, root="service_requests")


def unknown(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = formats.XML if path.lower().endswith(".xml") else formats.JSON
    return formats.errors(
        fmt,
        404,
        "Not an Open311 GeoReport v2 resource; see discovery.json (formats: .json or .xml)",
    )

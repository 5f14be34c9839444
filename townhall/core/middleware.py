"""Refuse a request body larger than the path allows, before Django reads it (413).

Django itself only notices an oversized form after it starts reading the body, and answers 400
(`RequestDataTooBig`). This middleware looks at `Content-Length` first and answers
413 Content Too Large with a message a person can act on, in the format of the part of the site
that was called:

- `/api/…`: `application/problem+json` (RFC 9457), like every other API error;
- `/open311/…`: the GeoReport v2 error list, JSON or XML by the URL's extension;
- anything else: a short HTML page.

Limits (bytes): `REQUEST_MAX_BYTES` (default `DATA_UPLOAD_MAX_MEMORY_SIZE`) everywhere, and
`UPLOAD_REQUEST_MAX_BYTES` (default 50 MB) on the forms that take attachments (staff intake and
the portal's send form; each file is limited to 10 MB by the petitions service).
"""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

PROBLEM_CONTENT_TYPE = "application/problem+json"
UPLOAD_PATHS = ("/cases/new/", "/portal/send/")
DEFAULT_UPLOAD_MAX_BYTES = 50 * 1024 * 1024


def max_body_bytes(path: str) -> int:
    """The largest request body accepted on `path`."""
    if path in UPLOAD_PATHS:
        return int(getattr(settings, "UPLOAD_REQUEST_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))
    default = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_UPLOAD_MAX_BYTES
    return int(getattr(settings, "REQUEST_MAX_BYTES", default))


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(1, n // 1024)} KB"


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


def too_large(request: HttpRequest, length: int, limit: int) -> HttpResponse:
    detail = _("The request is too large (%(size)s); the limit here is %(limit)s.") % {
        "size": _size(length),
        "limit": _size(limit),
    }
    path = request.path
    if path.startswith("/api/"):
        body = {
            "type": "about:blank",
            "title": "Content Too Large",
            "status": 413,
            "detail": detail,
            "limit": limit,
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), status=413, content_type=PROBLEM_CONTENT_TYPE
        )
    elif path.startswith("/open311/"):
        from townhall.open311 import formats  # the standard's error list, JSON or XML

        fmt = formats.XML if path.lower().endswith(".xml") else formats.JSON
        response = formats.errors(fmt, 413, detail)
    else:
        title = escape(_("Content too large"))
        response = HttpResponse(
            f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
            f"</head><body><h1>{title}</h1><p>{escape(detail)}</p>"
            f"<p>{escape(_('Send smaller files, or fewer at a time.'))}</p></body></html>",
            status=413,
            content_type="text/html; charset=utf-8",
        )
    return response


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _content_length(request)
        if length:
            limit = max_body_bytes(request.path)
            if length > limit:
                return too_large(request, length, limit)
        return self.get_response(request)

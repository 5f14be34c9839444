"""One error format for the whole API: RFC 9457 problem details (application/problem+json)."""

import json
import logging
import math
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from townhall.petitions.errors import PetitionError, StaleVersion

PROBLEM_CONTENT_TYPE = "application/problem+json"
DEFAULT_UNAUTHENTICATED = "A valid bearer token is required (Authorization: Bearer TOKEN)"

logger = logging.getLogger("townhall.api")


class Problem(Exception):
    """An API-level refusal: a status, a message a person can act on, and the field at fault."""

    def __init__(self, status: int, detail: str, *, field: str = "", **extra):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.extra = extra


def problem(status: int, detail: str, *, errors: list | None = None, **extra) -> HttpResponse:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def document_problems(schema: dict) -> dict:
    """Document every error answer (4xx, 5xx) as `application/problem+json`, the media type
    `problem()` sends: ninja documents each response under its default `application/json`."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content") or {}
                if str(status)[:1] in "45" and "application/json" in content:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
    return schema


def _field_errors(exc: ValidationError) -> list[dict]:
    errors = []
    for item in exc.errors:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "payload")]
        errors.append({"field": ".".join(location), "message": item.get("msg", "invalid")})
    return errors


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = _field_errors(exc)
        fields = ", ".join(e["field"] or "request" for e in errors)
        return problem(422, f"Invalid value for: {fields}", errors=errors)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, str(exc) or "Not found")

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        # ninja's own AuthenticationError says just "Unauthorized"; ours say what went wrong.
        detail = exc.message if exc.message != "Unauthorized" else DEFAULT_UNAUTHENTICATED
        response = problem(401, detail)
        response["WWW-Authenticate"] = 'Bearer realm="townhall"'
        return response

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(403, str(exc) or "Forbidden")

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = (
                "The request body is not valid JSON: send one JSON object "
                "(Content-Type: application/json)"
            )
        return problem(exc.status_code, detail)

    @api.exception_handler(Throttled)
    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, math.ceil(exc.wait)) if exc.wait is not None else 60
        response = problem(
            429,
            f"Too many requests from your address without a token; try again in {wait} seconds",
        )
        response["Retry-After"] = str(wait)
        return response

    @api.exception_handler(Problem)
    def on_problem(request: HttpRequest, exc: Problem) -> HttpResponse:
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
        return problem(exc.status, exc.detail, errors=errors, **exc.extra)

    @api.exception_handler(PetitionError)
    def on_petition_error(request: HttpRequest, exc: PetitionError) -> HttpResponse:
        return problem(
            exc.status, exc.message, errors=[{"field": exc.field, "message": exc.message}]
        )

    @api.exception_handler(StaleVersion)
    def on_stale_version(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
        return problem(
            409,
            exc.message,
            errors=[{"field": exc.field, "message": exc.message}],
            current=exc.current,
        )

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        return problem(
            500, "Something went wrong on our side; it has been logged. Try again later."
        )

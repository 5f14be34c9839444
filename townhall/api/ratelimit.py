"""The public API's rate limit: requests without a token, per client address.

The public aggregate statistics (`/api/v1/reports/dialogues|petitions|reception` with no
Authorization header) are open to anyone; one address may make `API_PUBLIC_RATE_LIMIT`
requests a minute (default 60, environment variable of the same name). The next one is a 429
problem with `Retry-After` (seconds until the oldest counted request leaves the window). Staff
with a bearer token are not counted in the public bucket.

The counting is the portal's (townhall/portal/ratelimit.py): a sliding log per address in the
database, checked and counted under a row lock, IPv6 counted by /64, X-Forwarded-For read only
behind a trusted proxy.
"""

import copy
import threading

from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from townhall.accounts.models import User
from townhall.portal import ratelimit as limiter

DEFAULT_PER_MINUTE = 60
WINDOW = 60  # seconds


PUBLIC = limiter.Limit("api_public", DEFAULT_PER_MINUTE, WINDOW, setting="API_PUBLIC_RATE_LIMIT")


class PublicRate(BaseThrottle):
    """A django-ninja throttle: counts the requests answered without a staff user.

    It runs after authentication, so `request.auth` is the staff user for a valid bearer token
    (never counted) and the public marker otherwise.
    """

    def __init__(self, limit: limiter.Limit = PUBLIC):
        self.limit = limit
        self._local = threading.local()  # the wait of this thread's refused request

    def allow_request(self, request: HttpRequest) -> bool:
        if isinstance(getattr(request, "auth", None), User):
            return True
        wait = limiter.hit(self.limit, limiter.client_key(request))
        self._local.wait = wait
        return wait is None

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)


public_rate = PublicRate()


def is_public(operation) -> bool:
    """Whether an operation is open without a token (its auth may answer the public marker)."""
    return any(getattr(callback, "PUBLIC", None) for callback in operation.auth_callbacks)


TOO_MANY_REQUESTS = {
    "description": "Too Many Requests: the address made too many requests without a token",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before the next request",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    },
}


def document_limits(api, schema: dict) -> dict:
    """Add the 429 answer to every operation that counts requests in the public bucket."""
    limited = set()
    for bound_router in api._get_bound_routers():
        for path_view in bound_router.path_operations.values():
            for operation in path_view.operations:
                if is_public(operation) and any(
                    isinstance(t, PublicRate) for t in operation.throttle_objects or ()
                ):
                    limited.add(operation.operation_id or api.get_openapi_operation_id(operation))
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("operationId") in limited:
                operation.setdefault("responses", {})[429] = copy.deepcopy(TOO_MANY_REQUESTS)
    return schema

"""Open311's limits per client address: POSTs a minute, and bad api_keys a minute.

Counted by the portal's limiter (`townhall/portal/ratelimit.py`: a sliding log per address in
the database, checked and counted under a row lock). The limits can be tuned in settings:
`OPEN311_POSTS_PER_MINUTE` and `OPEN311_BAD_KEYS_PER_MINUTE`.
"""

from dataclasses import dataclass

from django.http import HttpRequest

from townhall.portal import ratelimit as limiter

WINDOW_SECONDS = 60


POSTS = limiter.Limit("open311_post", 60, WINDOW_SECONDS, setting="OPEN311_POSTS_PER_MINUTE")
BAD_KEYS = limiter.Limit(
    "open311_bad_key", 30, WINDOW_SECONDS, setting="OPEN311_BAD_KEYS_PER_MINUTE"
)


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a client can write any X-Forwarded-For it likes. Behind a proxy, the
    # proxy must set REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips with a trusted proxy).
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


@dataclass(frozen=True)
class Limited:
    retry_after: int  # seconds until one more request is allowed


def check_post(request: HttpRequest) -> Limited | None:
    """Count this POST; a `Limited` when the address is over either limit (then not counted)."""
    address = client_address(request)
    wait = limiter.retry_after(BAD_KEYS, address) or limiter.hit(POSTS, address)
    return Limited(wait) if wait else None


def record_bad_key(request: HttpRequest) -> None:
    limiter.record(BAD_KEYS, client_address(request))

"""Fixed-window counters in Django's cache: POSTs per client address, bad api_keys per address.

The cache is whatever `CACHES["default"]` is; with several app servers it must be a shared one
(database or Redis), or each server counts on its own. The limits can be tuned in settings:
`OPEN311_POSTS_PER_MINUTE` and `OPEN311_BAD_KEYS_PER_MINUTE`.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 60
DEFAULT_POSTS_PER_MINUTE = 60
DEFAULT_BAD_KEYS_PER_MINUTE = 30


def posts_per_minute() -> int:
    return int(getattr(settings, "OPEN311_POSTS_PER_MINUTE", DEFAULT_POSTS_PER_MINUTE))


def bad_keys_per_minute() -> int:
    return int(getattr(settings, "OPEN311_BAD_KEYS_PER_MINUTE", DEFAULT_BAD_KEYS_PER_MINUTE))


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a client can write any X-Forwarded-For it likes. Behind a proxy, the
    # proxy must set REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips with a trusted proxy).
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


@dataclass(frozen=True)
class Limited:
    retry_after: int  # seconds until the window ends


def _key(bucket: str, address: str) -> tuple[str, int]:
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    return f"open311:{bucket}:{address}:{window}", retry_after


def _count(bucket: str, address: str) -> int:
    key, _ = _key(bucket, address)
    return int(cache.get(key, 0) or 0)


def _hit(bucket: str, address: str) -> int:
    key, _ = _key(bucket, address)
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def check_post(request: HttpRequest) -> Limited | None:
    """Count this POST; a `Limited` when the address is over either limit."""
    address = client_address(request)
    _, retry_after = _key("post", address)
    if _count("badkey", address) >= bad_keys_per_minute():
        return Limited(retry_after)
    if _hit("post", address) > posts_per_minute():
        return Limited(retry_after)
    return None


def record_bad_key(request: HttpRequest) -> None:
    _hit("badkey", client_address(request))

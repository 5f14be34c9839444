"""Per-address rate limits for the public portal, kept in Django's cache (no third party).

A sliding log: each key holds the times of its recent hits, so "5 in 10 minutes" means exactly
that and the Retry-After is the moment the oldest hit leaves the window. With the default
LocMemCache each process counts on its own; a deployment with several workers should point
`CACHES["default"]` at a shared cache (Django's DatabaseCache needs nothing new).

Limits can be changed without code in `settings.PORTAL_RATE_LIMITS`, e.g.
`{"send": (5, 600)}` (count, seconds): citizens behind one carrier-grade NAT share an address.
"""

import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window: int  # seconds

    def configured(self) -> "Limit":
        override = getattr(settings, "PORTAL_RATE_LIMITS", {}).get(self.name)
        return Limit(self.name, *override) if override else self


# Petitions received from one address (the 6th in 10 minutes is refused).
SEND = Limit("send", 5, 600)
# Every POST of the send form, received or not: a flood of junk is refused long before it
# costs a petition; generous, so that a citizen correcting mistakes is never stopped.
SEND_ATTEMPT = Limit("send_attempt", 30, 600)
# Tracking look-ups: guessing a code and its 6-digit secret is held to 20 tries per 10 minutes.
TRACK = Limit("track", 20, 600)


def client_key(request: HttpRequest) -> str:
    """The client's address; an IPv6 client is counted by its /64 (one household or phone).

    Behind a trusted proxy (`BEHIND_PROXY`, which sets `SECURE_PROXY_SSL_HEADER`), the last
    X-Forwarded-For entry is the address our proxy saw; earlier entries are the client's word.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[-1].strip()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _cache_key(limit: Limit, key: str) -> str:
    return f"portal:rate:{limit.name}:{key}"


def _recent(limit: Limit, key: str, now: float) -> list[float]:
    return [t for t in cache.get(_cache_key(limit, key), []) if t > now - limit.window]


def retry_after(limit: Limit, key: str) -> int | None:
    """Seconds until one more hit is allowed, or None if it is allowed now."""
    limit = limit.configured()
    now = time.time()
    hits = _recent(limit, key, now)
    if len(hits) < limit.count:
        return None
    oldest_that_matters = sorted(hits)[-limit.count]
    return max(1, math.ceil(oldest_that_matters + limit.window - now))


def record(limit: Limit, key: str) -> None:
    limit = limit.configured()
    now = time.time()
    hits = _recent(limit, key, now)
    hits.append(now)
    cache.set(_cache_key(limit, key), hits[-limit.count :], timeout=limit.window)


def hit(limit: Limit, key: str) -> int | None:
    """Count one hit if allowed; otherwise the seconds to wait (and nothing is counted)."""
    wait = retry_after(limit, key)
    if wait is None:
        record(limit, key)
    return wait

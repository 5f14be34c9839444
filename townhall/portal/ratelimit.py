"""Rate limits per client address (or per user), counted in the database.

A sliding log: each client's bucket holds the times of its recent hits, so "5 in 10 minutes"
means exactly that and the Retry-After is the moment the oldest hit leaves the window. The
check and the count are one step under a lock on the bucket's row (`RateBucket`), so every
worker and every app server shares the count and concurrent requests cannot slip past it (a
cache's read-then-write could let them: Django's file and database caches have no atomic
update). Used by the portal, the login and two-factor forms, the API's public statistics and
Open311.

Limits can be changed without code in `settings.PORTAL_RATE_LIMITS`, e.g.
`{"send": (5, 600)}` (count, seconds): citizens behind one carrier-grade NAT share an address.
"""

import datetime as dt
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from .models import RateBucket


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window: int  # seconds
    setting: str = ""  # a setting that gives the count (e.g. API_PUBLIC_RATE_LIMIT), if any

    def configured(self) -> "Limit":
        """The limit in force: a `PORTAL_RATE_LIMITS` override, else the count of `setting`."""
        override = getattr(settings, "PORTAL_RATE_LIMITS", {}).get(self.name)
        if override:
            return Limit(self.name, *override)
        if self.setting:
            count = int(getattr(settings, self.setting, self.count))
            return Limit(self.name, max(1, count), self.window)
        return self


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


def _wait(hits: list[float], limit: Limit, now: float) -> int | None:
    """Seconds until one more hit is allowed given the recent `hits`, or None."""
    if len(hits) < limit.count:
        return None
    oldest_that_matters = sorted(hits)[-limit.count]
    return max(1, math.ceil(oldest_that_matters + limit.window - now))


def _recent(hits: list[float], limit: Limit, now: float) -> list[float]:
    return [t for t in hits if t > now - limit.window]


def retry_after(limit: Limit, key: str) -> int | None:
    """Seconds until one more hit is allowed, or None if it is allowed now (counts nothing)."""
    limit = limit.configured()
    now = time.time()
    hits = RateBucket.objects.filter(name=limit.name, key=key).values_list("hits", flat=True)
    return _wait(_recent(hits.first() or [], limit, now), limit, now)


def _locked(limit: Limit, key: str) -> RateBucket:
    """The client's bucket, locked until the transaction ends; created on its first hit.

    Two first hits at once: on PostgreSQL the second INSERT waits for the first to commit, fails
    on the unique constraint and then locks the committed row; SQLite runs one writer at a time
    (IMMEDIATE transactions). A new bucket also clears the expired ones (index on expires_at).
    """
    buckets = RateBucket.objects.select_for_update()
    bucket = buckets.filter(name=limit.name, key=key).first()
    if bucket is not None:
        return bucket
    moment = dt.datetime.fromtimestamp(time.time(), dt.UTC)
    RateBucket.objects.filter(expires_at__lt=moment).delete()
    try:
        with transaction.atomic():
            return RateBucket.objects.create(name=limit.name, key=key, expires_at=moment)
    except IntegrityError:
        return buckets.get(name=limit.name, key=key)


def _count(limit: Limit, key: str, *, unless_limited: bool) -> int | None:
    """Check and count one hit as one step: the wait (None when the hit was allowed), counting
    the hit anyway unless `unless_limited`."""
    limit = limit.configured()
    key = key[:100]
    with transaction.atomic():
        bucket = _locked(limit, key)
        now = time.time()  # after the lock: hits counted while this one waited are older
        hits = _recent(bucket.hits, limit, now)
        wait = _wait(hits, limit, now)
        if wait is not None and unless_limited:
            return wait
        bucket.hits = [*hits, now][-limit.count :]
        bucket.expires_at = dt.datetime.fromtimestamp(now + limit.window, dt.UTC)
        bucket.save(update_fields=["hits", "expires_at"])
    return wait


def record(limit: Limit, key: str) -> None:
    """Count one hit (a wrong code, a petition received), whatever the count already is."""
    _count(limit, key, unless_limited=False)


def hit(limit: Limit, key: str) -> int | None:
    """Count one hit if allowed; otherwise the seconds to wait (and nothing is counted)."""
    return _count(limit, key, unless_limited=True)

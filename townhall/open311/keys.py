"""API keys for Open311 clients.

A key is `o311_` followed by 43 url-safe random characters (256 bits). Only its SHA-256 is
stored, with the first characters kept as a prefix so an administrator can tell keys apart; the
key itself is shown once, when it is created.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.utils import timezone

from .models import ApiKey

KEY_PREFIX = "o311_"
PREFIX_LENGTH = 12  # "o311_" and 7 random characters
MAX_KEY_LENGTH = 200
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # at most one write per key per minute


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_create(*, name: str, created_by=None) -> tuple[ApiKey, str]:
    """A new key: the stored row and the key itself (which is stored nowhere)."""
    name = (name or "").strip()[:100]
    if not name:
        raise ValueError("An API key needs a name (which app or partner it is for)")
    user = created_by if created_by is not None and created_by.is_authenticated else None
    row = ApiKey(name=name, created_by=user)
    key = key_fill(row)
    row.save()
    return row, key


def key_fill(row: ApiKey) -> str:
    """Give an unsaved `row` a fresh key's prefix and hash; the key itself is returned."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row.prefix, row.key_hash = key[:PREFIX_LENGTH], key_hash(key)
    return key


def key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


@dataclass(frozen=True)
class KeyCheck:
    api_key: ApiKey | None
    problem: str  # "" when the key is good


def key_check(key: str | None) -> KeyCheck:
    """Resolve a key a client sent: the row, or why it is refused (missing, unknown, revoked)."""
    key = (key or "").strip()
    if not key:
        return KeyCheck(None, "api_key is required to submit a request")
    if len(key) > MAX_KEY_LENGTH or not key.startswith(KEY_PREFIX):
        return KeyCheck(None, "api_key is not valid")
    row = ApiKey.objects.filter(key_hash=key_hash(key)).first()
    if row is None:
        return KeyCheck(None, "api_key is not valid")
    if row.revoked_at is not None:
        return KeyCheck(
            None,
            f"api_key {row.prefix}… was revoked on "
            f"{timezone.localtime(row.revoked_at):%Y-%m-%d}; ask the administrator for a new one",
        )
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return KeyCheck(row, "")

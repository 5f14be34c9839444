"""Bearer tokens for staff: `Authorization: Bearer TOKEN`.

A token is `th_` followed by 43 url-safe random characters (256 bits). Only its SHA-256 is
stored, with the first characters kept as a prefix so a person can tell tokens apart; the token
itself is shown once, by `townhall token create USERNAME`. A revoked token, an unknown token or
a token whose user is inactive gets a 401 problem.
"""

import datetime as dt
import hashlib
import secrets

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from townhall.accounts import policy
from townhall.accounts.models import User
from townhall.core.statements import Statement, objects

from .models import ApiToken

TOKEN_PREFIX = "th_"  # noqa: S105 - a marker, not a secret  # nosec B105
PREFIX_LENGTH = 10  # "th_" and 7 random characters, shown in the admin
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # at most one write per token per minute


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`: the stored row and the token (which is not stored anywhere)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=token[:PREFIX_LENGTH], key_hash=token_hash(token)
    )
    return row, token


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


_TOKEN_FIELDS = ("id", "prefix", "last_used_at", "revoked_at")
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)
_MEMBERSHIP_VALUES = policy.membership_values("user__memberships__agency__")
_TOKEN = Statement(
    lambda key_hash: ApiToken.objects.filter(key_hash=key_hash).values_list(
        *_TOKEN_FIELDS, *(f"user__{name}" for name in _USER_FIELDS), *_MEMBERSHIP_VALUES
    )
)
"""A token, its user and the user's agencies (one row per agency, outer joins), read on every
API request: compiled once (core/statements.py). The agencies come with the token because
nearly every request asks the access policy for them next: one read instead of two (ADR 0024;
a worklist page at a million cases: 0.24 ms of the app's CPU, 0.11 ms of PostgreSQL's)."""


def token_with_user(key_hash: str) -> ApiToken | None:
    """The token of this hash with its user loaded (the fields `authenticate` reads) and the
    user's agencies kept for the access policy (`policy.remember_memberships`)."""
    rows = _TOKEN.rows(key_hash)
    if not rows:
        return None
    token, token.user = objects(rows[0], (ApiToken, _TOKEN_FIELDS), (User, _USER_FIELDS))
    policy.remember_memberships(token.user, [row[-len(_MEMBERSHIP_VALUES) :] for row in rows])
    return token


class BearerAuth(HttpBearer):
    """Resolves the staff user behind a bearer token (also set as `request.user`)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        row = token_with_user(token_hash(token))
        if row is None:
            return None
        if row.revoked_at is not None:
            raise AuthenticationError(
                message=f"This token ({row.prefix}…) was revoked on "
                f"{timezone.localtime(row.revoked_at):%d/%m/%Y %H:%M}; ask for a new one"
            )
        if not row.user.is_active:
            raise AuthenticationError(
                message="The account this token belongs to is inactive; ask an administrator"
            )
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


bearer = BearerAuth()

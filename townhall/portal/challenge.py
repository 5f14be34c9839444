"""A small sum to answer before sending, signed so the server keeps no state until it is used.

The token carries the two numbers and a nonce, signed with Django's TimestampSigner (it expires
after `MAX_AGE`); a token is spent when its petition is received, so one solved sum cannot be
replayed to send many petitions. It stops scripts that post blindly, not a determined person:
the rate limits (ratelimit.py) bound what remains. No third-party service, no image: a screen
reader reads the question like any other label.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import SpentChallenge

SALT = "townhall.portal.challenge"
MAX_AGE = 2 * 3600  # seconds: time enough to write a long petition


class ChallengeError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "wrong", "expired", "used" or "invalid"


@dataclass(frozen=True)
class Challenge:
    token: str
    a: int
    b: int


def new() -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    payload = {"a": a, "b": b, "n": secrets.token_urlsafe(12)}
    return Challenge(signing.TimestampSigner(salt=SALT).sign_object(payload), a, b)


def _payload(token: str) -> dict:
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token or "", max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ChallengeError("expired") from None
    except signing.BadSignature:
        raise ChallengeError("invalid") from None
    if not isinstance(payload, dict) or not {"a", "b", "n"} <= payload.keys():
        raise ChallengeError("invalid")
    return payload


def _spent(payload: dict) -> bool:
    return SpentChallenge.objects.filter(nonce=payload["n"]).exists()


def read(token: str) -> Challenge | None:
    """The challenge behind a token still usable, to ask the same question again."""
    try:
        payload = _payload(token)
    except ChallengeError:
        return None
    if _spent(payload):
        return None
    return Challenge(token, payload["a"], payload["b"])


def check(token: str, answer: int | None) -> None:
    """Raise ChallengeError unless `answer` solves the unspent, unexpired `token`."""
    payload = _payload(token)
    if _spent(payload):
        raise ChallengeError("used")
    if answer != payload["a"] + payload["b"]:
        raise ChallengeError("wrong")


def spend(token: str) -> bool:
    """Mark the token used; False if it already was (two requests raced with one token: the
    unique nonce lets one INSERT win). Spent tokens past their expiry are cleared meanwhile."""
    nonce = _payload(token)["n"]
    now = timezone.now()
    SpentChallenge.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(
                nonce=nonce, expires_at=now + dt.timedelta(seconds=MAX_AGE)
            )
    except IntegrityError:
        return False
    return True


def release(token: str) -> None:
    """Make a spent token usable again: its petition was not received after all."""
    SpentChallenge.objects.filter(nonce=_payload(token)["n"]).delete()

"""Tracking codes a citizen can read over the phone: no 0/O, 1/I/L confusion."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.utils.crypto import salted_hmac

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _random(n: int, alphabet: str = _ALPHABET) -> str:
    """`n` characters of `alphabet`, each uniform and independent: the digits of one number
    drawn below len(alphabet)**n (one read of the system's randomness, not one per character)."""
    number = secrets.randbelow(len(alphabet) ** n)
    digits = []
    for _ in range(n):
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(digits)


def new_tracking_code() -> str:
    return f"TH-{_random(4)}-{_random(4)}"


def new_case_reference(year: int) -> str:
    return f"VV-{year}-{_random(8)}"  # 31^8 ≈ 8.5e11: no collisions at a million a year


def new_secret() -> str:
    return _random(6, "0123456789")


# The tracking secret is stored as a keyed hash (docs/decisions/0006-tracking-secret-hmac.md):
# HMAC-SHA256 over a per-petition salt and the secret, keyed by SECRET_KEY; a hash made under a
# key now in SECRET_KEY_FALLBACKS still verifies. Argon2 hashes from before this scheme verify too.
_HASH_SCHEME = "hmac_sha256"
_HASH_INFO = "townhall.petitions.tracking-secret"


def _secret_digest(salt: str, secret: str, key: str) -> str:
    digest = salted_hmac(_HASH_INFO, f"{salt}:{secret}", secret=key, algorithm="sha256")
    return digest.hexdigest()


def hash_secret(secret: str) -> str:
    salt = secrets.token_hex(8)
    return f"{_HASH_SCHEME}${salt}${_secret_digest(salt, secret, settings.SECRET_KEY)}"


def secret_matches(secret: str, stored: str) -> bool:
    """Constant-time check of a citizen's secret against the stored hash."""
    scheme, _, rest = (stored or "").partition("$")
    if scheme != _HASH_SCHEME:
        return bool(stored) and check_password(secret, stored)
    salt, _, digest = rest.partition("$")
    found = False
    for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        found |= hmac.compare_digest(_secret_digest(salt, secret, key), digest)
    return found


UNKNOWN_SECRET_HASH = f"{_HASH_SCHEME}$0000000000000000${hashlib.sha256(b'none').hexdigest()}"

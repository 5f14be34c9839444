"""Field encryption for citizens' personal data, with key rotation and a blind index.

A denouncer's name, address and personal data are confidential (Law on Denunciations 2018,
Art. 9 and 56), so they are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256), never as
plaintext. Keys come from `settings.FIELD_ENCRYPTION_KEYS`, newest first: the first key encrypts,
every key decrypts. To rotate: put a new key first, run `rotate()` over every stored token, then
drop the old key.

Fernet tokens are random, so equal values never have equal tokens and a database lookup by value
is impossible. For fields looked up by equality (ID numbers, phone numbers) store a
`blind_index()` next to the token. The blind index is keyed by the FIRST key: when the first key
changes, every stored blind index must be recomputed from the plaintext (`rotate()` does not
touch it, and lookups under the new key miss rows indexed under the old one).

Nothing here logs or puts a value, a token or a key in an error message.
"""

import base64
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_BLIND_INDEX_INFO = b"townhall blind index v1"


class DecryptionError(ValueError):
    """A token that no configured key can open: corrupted, or encrypted under a dropped key."""


def _keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or ())
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: field encryption needs a key")
    return keys


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    """Built once per distinct key list: a changed setting (rotation, tests) builds a new one."""
    fernets = []
    for position, key in enumerate(keys):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # Name the position, never the key itself.
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS[{position}] is not a Fernet key "
                "(32 url-safe base64-encoded bytes; make one with Fernet.generate_key())"
            ) from None
    return MultiFernet(fernets)


@lru_cache(maxsize=8)
def _blind_index_key(first_key: str) -> bytes:
    """A separate 32-byte HMAC key derived from the first Fernet key, so the index never reuses
    the encryption or signing key material directly."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_BLIND_INDEX_INFO)
    return hkdf.derive(base64.urlsafe_b64decode(first_key))


def encrypt(value: str) -> str:
    """A Fernet token for `value` under the first key; different on every call."""
    return _multifernet(_keys()).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The plaintext of `token`, trying every configured key; DecryptionError if none opens it."""
    try:
        return _multifernet(_keys()).decrypt(token).decode("utf-8")
    except (InvalidToken, ValueError, TypeError):
        raise DecryptionError(
            "cannot decrypt a field value: the token is damaged or its key is no longer in "
            "FIELD_ENCRYPTION_KEYS"
        ) from None


def rotate(token: str) -> str:
    """The same plaintext re-encrypted under the first key (the blind index is not affected)."""
    try:
        return _multifernet(_keys()).rotate(token).decode("ascii")
    except (InvalidToken, ValueError, TypeError):
        raise DecryptionError(
            "cannot rotate a field value: the token is damaged or its key is no longer in "
            "FIELD_ENCRYPTION_KEYS"
        ) from None


def _index_form(value: str) -> str:
    # "0912 345 678" and "0912345678" are the same phone; "ABC" and "abc" the same ID.
    return "".join(unicodedata.normalize("NFC", value).split()).lower()


def blind_index(value: str) -> str:
    """HMAC-SHA256 (hex) of `value` without whitespace and lowercased, for equality lookups of
    encrypted values. Recompute every stored index when the first key changes.
    """
    keys = _keys()
    _multifernet(keys)  # validates the keys before one is used as key material
    key = _blind_index_key(keys[0])
    return hmac.new(key, _index_form(value).encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A TextField stored as a Fernet token and read back as plaintext.

    None and "" are stored as they are (nothing to hide, and "is empty" stays queryable).
    Lookups by value do not work (tokens are random): store a `blind_index()` for those.
    """

    description = "Text encrypted at rest with Fernet (FIELD_ENCRYPTION_KEYS)"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value):
        # Inputs here (forms, fixtures) are plaintext. Never decrypt them: a form that decrypted
        # a pasted token would show anyone holding a stolen token its plaintext.
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


def person_blind_indexes(*, name: str, id_number: str, phone: str, address: str) -> tuple[str, str]:
    """`(person_key, phone_key)`: who a person is (ID number, else name+phone+address) and
    their phone, as blind indexes — the one formula for intake and for key rotation."""
    person_key = blind_index(id_number or f"{name}|{phone}|{address}")
    phone_key = blind_index(phone) if phone else ""
    return person_key, phone_key

"""Intake rules: each failure names the field and the rule."""

import re

from .errors import PetitionError

MAX_TEXT = 10_000
MAX_SUBMITTERS = 500
_ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")  # CMND (9 digits) or CCCD (12 digits)
_PHONE = re.compile(r"^(0|\+84)\d{9}$")


def clean_text(text: str | None) -> str:
    from townhall.core.text import normalize

    value = normalize(text or "")
    if not value:
        raise PetitionError("The content is required", field="text")
    if len(value) > MAX_TEXT:
        raise PetitionError(
            f"The content has {len(value)} characters; the limit is {MAX_TEXT}", field="text"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON): no database stores it
        message = "The content holds characters that are not text"
        raise PetitionError(message, field="text") from None
    return value


def clean_id_number(value: str | None, *, field: str) -> str:
    value = re.sub(r"\s", "", value or "")
    if value and not _ID_NUMBER.match(value):
        raise PetitionError("An ID number has 9 digits (CMND) or 12 digits (CCCD)", field=field)
    return value


def clean_phone(value: str | None, *, field: str) -> str:
    value = re.sub(r"[\s.\-]", "", value or "")
    if value and not _PHONE.match(value):
        raise PetitionError(
            "A phone number has 10 digits starting with 0 (or +84 and 9 digits)", field=field
        )
    return value

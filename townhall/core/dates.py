"""Dates as Vietnamese officials write them: dd/mm/yyyy, in Asia/Ho_Chi_Minh."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()


def parse_iso_date(value: str) -> dt.date:
    """Parse YYYY-MM-DD strictly; raises ValueError with a message a person can act on."""
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"'{value}' is not a date in the form YYYY-MM-DD") from None


def format_vn(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")

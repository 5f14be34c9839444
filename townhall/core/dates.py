"""Dates as Vietnamese officials write them: dd/mm/yyyy, in Asia/Ho_Chi_Minh."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Dates outside these years are typing mistakes (0001, 9999), and 9999 overflows when a
# deadline is added or the time zone applied. The API and the forms refuse them alike.
FIRST_YEAR, LAST_YEAR = 1900, 9998


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


def year_is_plausible(value: dt.date | dt.datetime) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def plausible_year(value: dt.date | dt.datetime | None) -> None:
    """A form validator: the year between FIRST_YEAR and LAST_YEAR."""
    if value is not None and not year_is_plausible(value):
        raise ValidationError(
            _("The year must be between %(first)d and %(last)d"),
            code="implausible_year",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )

"""The portal's forms. They parse what was typed; the rules about petitions stay in the
petitions services, whose `PetitionError` the views put back beside the field it names."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from townhall.core import fields
from townhall.petitions.forms import MultipleFileField
from townhall.petitions.models import Kind, Topic
from townhall.reports import statistics
from townhall.reports.documents import period_bounds
from townhall.reports.models import PeriodKind

from . import challenge as challenges
from . import selectors

MAX_ATTACHMENTS = 5
MAX_ATTACHMENTS_BYTES = 20 * 1024 * 1024

# The portal services' fixed messages, so that `gettext(error.message)` can translate them.
SERVICE_MESSAGES = [
    gettext_noop("No authority for this place receives petitions online yet"),
    gettext_noop("There is no answer to rate yet"),
    gettext_noop("Give 1 to 5 stars"),
    gettext_noop("This answer was already rated"),
]

# What each kind means, in plain words (the portal's own labels for Kind).
KINDS = [
    (
        Kind.RECOMMENDATION,
        _("Opinion or recommendation"),
        _("You suggest or ask for something about policy, the law or local affairs."),
    ),
    (
        Kind.REFLECTION,
        _("Reflection"),
        _("You tell the authorities about something that is happening, so they can act."),
    ),
    (
        Kind.COMPLAINT,
        _("Complaint"),
        _(
            "You ask for a decision or an act of an authority or official that harms your "
            "rights to be reviewed."
        ),
    ),
    (
        Kind.DENUNCIATION,
        _("Denunciation"),
        _("You report a violation of the law by an agency, an organisation or a person."),
    ),
]

CHALLENGE_MESSAGES = {
    "wrong": _("That is not the right answer. Please try the new sum."),
    "expired": _("The form was open too long. Please answer the new sum."),
    "used": _(
        "This form was already sent. Please check your tracking code, or answer the new sum."
    ),
    "invalid": _("Please answer the sum."),
    "empty": _("Please answer the sum."),
}


class SendForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you sending?"),
        choices=[(k, label) for k, label, _help in KINDS],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you are sending.")},
    )
    province = forms.CharField(label=_("Province or city"), max_length=10)
    district = forms.CharField(label=_("District"), max_length=10, required=False)
    commune = forms.CharField(
        label=_("Commune, ward or special zone"),
        max_length=10,
        error_messages={"required": _("Choose the commune, ward or special zone.")},
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.none(),
        to_field_name="code",
        empty_label=_("— choose a topic —"),
        error_messages={"required": _("Choose a topic.")},
    )
    text = forms.CharField(
        label=_("Your opinion, in your own words"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, where and when, and what you ask for."),
    )
    attachments = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
        help_text=_("Up to 5 files: PDF, JPEG or PNG, 10 MB each."),
    )
    name = forms.CharField(
        label=_("Full name"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("10 digits starting with 0. You can track your petition with it."),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    id_number = forms.CharField(
        label=_("ID number (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Citizen ID card: 12 digits (or an old 9-digit ID)."),
    )
    challenge_answer = forms.IntegerField(
        label=_("Answer to the sum"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": _("Write the answer in digits.")},
    )
    challenge = forms.CharField(widget=forms.HiddenInput, required=False)
    # The honeypot: hidden from people (and from screen readers), filled in by naive bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, day: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.day = day
        self.fields["topic"].queryset = Topic.objects.filter(is_active=True)

    def place(self) -> selectors.Place:
        """The place as selected so far (also for an invalid or unbound form)."""
        source = self.data if self.is_bound else self.initial
        return selectors.place_from(
            self.day,
            province=source.get("province", ""),
            district=source.get("district", ""),
            commune=source.get("commune", ""),
        )

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("At most %(count)d files."), params={"count": MAX_ATTACHMENTS}
            )
        if sum(f.size for f in files) > MAX_ATTACHMENTS_BYTES:
            raise forms.ValidationError(_("The files together may not pass 20 MB."))
        return files

    def clean(self):
        data = super().clean()
        if data.get("website"):
            return data  # the view refuses the whole request
        place = self.place()
        if "province" in data and place.province is None:
            self.add_error("province", _("Choose a province or city from the list."))
        elif place.needs_district and place.district is None and "district" in data:
            self.add_error("district", _("Choose a district from the list."))
        elif "commune" in data and place.commune is None:
            self.add_error("commune", _("Choose the commune, ward or special zone from the list."))
        data["unit"] = place.commune
        self.challenge_failure = self._check_challenge(data)
        if self.challenge_failure and self.challenge_failure != "invalid_answer":
            self.add_error("challenge_answer", CHALLENGE_MESSAGES[self.challenge_failure])
        return data

    def _check_challenge(self, data) -> str:
        if "challenge_answer" not in data:
            return "invalid_answer"  # not digits: same question again
        try:
            challenges.check(data.get("challenge", ""), data["challenge_answer"])
        except challenges.ChallengeError as error:
            if error.reason == "wrong" and data["challenge_answer"] is None:
                return "empty"
            return error.reason
        return ""

    def next_challenge(self) -> challenges.Challenge:
        """The sum to show again: the same one unless it failed or was spent."""
        failure = getattr(self, "challenge_failure", "")
        if self.is_bound and failure in ("", "empty", "invalid_answer"):
            same = challenges.read(self.data.get("challenge", ""))
            if same is not None:
                return same
        return challenges.new()


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "TH-XXXX-XXXX",
            }
        ),
        error_messages={"required": _("Write the tracking code.")},
    )
    key = forms.CharField(
        label=_("Secret code or phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_(
            "The 6-digit secret code you received with the tracking code, or the phone "
            "number you gave when sending."
        ),
        error_messages={"required": _("Write the secret code or the phone number.")},
    )


STARS = [
    (5, _("5 stars: very satisfied")),
    (4, _("4 stars: satisfied")),
    (3, _("3 stars: neither satisfied nor dissatisfied")),
    (2, _("2 stars: dissatisfied")),
    (1, _("1 star: very dissatisfied")),
]


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from 1 to 5 stars.")},
    )
    settled = forms.TypedChoiceField(
        label=_("Is your matter settled?"),
        choices=[("yes", _("Yes, it is settled")), ("no", _("No, it is not settled"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the matter is settled.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswersFilter(forms.Form):
    province = forms.CharField(label=_("Province or city"), required=False, max_length=10)
    district = forms.CharField(label=_("District"), required=False, max_length=10)
    commune = forms.CharField(
        label=_("Commune, ward or special zone"), required=False, max_length=10
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All topics"),
    )


# --- the public pages' filters --------------------------------------------------------------
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BAD_DATE = _("Enter a date as dd/mm/yyyy.")


def _date_field(label) -> forms.DateField:
    return fields.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=DATE_INPUT,
        error_messages={"invalid": BAD_DATE},
    )


class PlaceFilter(forms.Form):
    """Province → (district →) commune, all optional. A code that names no unit on the day is
    an error (400); a real unit that does not lie under the one chosen above it is dropped."""

    province = forms.CharField(label=_("Province or city"), required=False, max_length=10)
    district = forms.CharField(label=_("District"), required=False, max_length=10)
    commune = forms.CharField(
        label=_("Commune, ward or special zone"), required=False, max_length=10
    )

    def __init__(self, *args, day: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.day = day

    def place_day(self) -> dt.date:
        """The day whose units the selects list and the codes are resolved on."""
        return self.day

    def check_codes(self) -> None:
        day = self.place_day()
        for name in ("province", "district", "commune"):
            code = self.cleaned_data.get(name)
            if code and selectors.unit_on(code, day) is None:
                self.add_error(
                    name,
                    _("No administrative unit has the code %(code)s on %(day)s.")
                    % {"code": code, "day": day.strftime("%d/%m/%Y")},
                )

    def clean(self):
        data = super().clean()
        self.check_codes()
        return data

    def place(self) -> selectors.Place:
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return selectors.place_from(
            self.place_day(),
            data.get("province", ""),
            data.get("district", ""),
            data.get("commune", ""),
        )


class PeriodFilter(PlaceFilter):
    start = _date_field(_("From"))
    end = _date_field(_("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error(
                "end",
                _("The period ends on %(end)s, before it starts on %(start)s.")
                % {"end": end.strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")},
            )
        return data


WHEN_CHOICES = [
    ("", _("All")),
    ("upcoming", _("Upcoming")),
    ("past", _("Past")),
]


class CalendarFilter(PeriodFilter):
    when = forms.ChoiceField(
        label=_("Show"), choices=WHEN_CHOICES, required=False, widget=forms.RadioSelect
    )


class StatisticsFilter(PlaceFilter):
    """A unit, and a reporting period (the reports' periods) or two dates."""

    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        required=False,
        error_messages={"invalid": _("Enter a year such as 2022.")},
    )
    period = forms.ChoiceField(
        label=_("Period"),
        # The whole year first: what a browser sends when nothing else is chosen.
        choices=sorted(PeriodKind.choices, key=lambda c: c[0] != PeriodKind.YEAR),
        required=False,
    )
    month = forms.TypedChoiceField(
        label=_("Month"),
        choices=[("", _("—"))] + [(str(m), str(m)) for m in range(1, 13)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For a monthly period"),
    )
    start = _date_field(_("From"))
    end = _date_field(_("To"))

    field_order = ["province", "district", "commune", "year", "period", "month", "start", "end"]

    def bounds(self) -> tuple[dt.date, dt.date]:
        """The period asked for: two dates if both are given, else the reporting period (by
        default this year so far, as a whole year)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        if data.get("start") and data.get("end"):
            return data["start"], data["end"]
        year = data.get("year") or self.day.year
        period = data.get("period") or PeriodKind.YEAR
        month = data.get("month")
        if period == PeriodKind.MONTH and not month:
            month = self.day.month if year == self.day.year else 12
        return period_bounds(period, year, month)

    def place_day(self) -> dt.date:
        try:
            return self.bounds()[0]
        except ValueError:
            return self.day

    def clean(self):
        data = forms.Form.clean(self)
        start, end = data.get("start"), data.get("end")
        if bool(start) != bool(end) and "start" not in self.errors and "end" not in self.errors:
            self.add_error("end" if start else "start", _("Give both dates, or neither."))
        if start and end:
            try:
                statistics.check_period(start, end)
            except statistics.StatisticsError as error:
                self.add_error("end", error.message)
                return data
        self.check_codes()
        return data

"""Staff forms for reception: they only parse what was typed; the rules live in `services.py`.

A service's `PetitionError` goes back beside the field it names (`put_error`).
"""

import datetime as dt

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from townhall.accounts import policy
from townhall.core import fields
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Kind, Topic
from townhall.units.models import Agency

from . import selectors
from .models import Action, SessionKind, UnscheduledReason, Weekday, WeekOfMonth
from .rules import PeriodKind

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
CITIZEN_ROWS = 5  # a group sends at most 5 representatives


def date_field(label, *, required: bool = True) -> forms.DateField:
    """A date typed as officials write it, dd/mm/yyyy (ISO also accepted)."""
    return fields.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )


def _agencies(user):
    return selectors.agencies_for_reception(user).order_by("unit__path", "kind", "name")


def _colleagues(user):
    return policy.users_visible_to(user).filter(is_active=True).order_by("username")


def transfer_targets(user):
    """Agencies a matter can be transferred to: those in the jurisdiction and those above it."""
    above = {
        path[: i + 1]
        for path in policy.jurisdiction_paths(user)
        for i, char in enumerate(path)
        if char == "/"
    }
    agencies = Agency.objects.filter(is_active=True)
    return agencies.filter(
        Q(unit__path__in=above) | policy.jurisdiction_filter(user, "unit")
    ).order_by("unit__path", "kind", "name")


class ScheduleForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    head = forms.ModelChoiceField(queryset=None, label=_("Head who receives"))
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, label=_("Weekday"))
    week_of_month = forms.TypedChoiceField(
        choices=[("", _("every week")), *WeekOfMonth.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Week of the month"),
    )
    valid_from = date_field(_("Valid from"))
    valid_to = date_field(_("Valid to"), required=False)
    venue = forms.CharField(max_length=200, label=_("Venue"))
    is_published = forms.BooleanField(required=False, label=_("Publish on the portal"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies(user)
        self.fields["head"].queryset = _colleagues(user)


class SessionForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    date = date_field(_("Date"))
    received_by = forms.ModelChoiceField(queryset=None, label=_("Received by (the head)"))
    kind = forms.ChoiceField(choices=SessionKind.choices, label=_("Kind"))
    reason = forms.ChoiceField(
        choices=[("", "—"), *UnscheduledReason.choices],
        required=False,
        label=_("Reason (unscheduled sessions)"),
    )
    is_delegated = forms.BooleanField(required=False, label=_("Delegated to a deputy"))
    delegate = forms.ModelChoiceField(queryset=None, required=False, label=_("Delegate"))
    venue = forms.CharField(max_length=200, required=False, label=_("Venue"))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies(user)
        self.fields["received_by"].queryset = _colleagues(user)
        self.fields["delegate"].queryset = _colleagues(user)


class CitizenForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, label=_("Full name"))
    id_number = forms.CharField(max_length=20, required=False, label=_("ID number"))
    phone = forms.CharField(max_length=20, required=False, label=_("Phone"))
    address = forms.CharField(max_length=500, required=False, label=_("Address"))


CitizenFormSet = forms.formset_factory(
    CitizenForm, extra=CITIZEN_ROWS, max_num=CITIZEN_ROWS, absolute_max=CITIZEN_ROWS
)


class EntryForm(forms.Form):
    # Not required here: an empty content is the service's to refuse, with its own message.
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("Content")
    )
    kind = forms.ChoiceField(choices=Kind.choices, label=_("Kind"))
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.filter(is_active=True), label=_("Topic"), to_field_name="code"
    )
    unit = forms.CharField(
        max_length=10,
        required=False,
        label=_("Locality (unit code)"),
        help_text=_("The commune or district the matter concerns; blank: the session's own."),
    )
    is_group = forms.BooleanField(required=False, label=_("Group visit"))
    people_count = forms.IntegerField(
        min_value=1, max_value=1_000_000, required=False, label=_("Number of people (group visit)")
    )
    handled_by = forms.CharField(max_length=200, required=False, label=_("Already handled by"))
    action = forms.ChoiceField(choices=Action.choices, label=_("Action taken"))
    transferred_to = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, label=_("Transferred to")
    )
    guidance = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Guidance given")
    )
    follow_up = forms.CharField(max_length=2000, required=False, label=_("Follow-up"))
    notes = forms.CharField(max_length=2000, required=False, label=_("Notes"))
    attach_to = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transferred_to"].queryset = transfer_targets(user)
        # Similar open cases are offered as the clerk types (htmx, no script of our own).
        self.fields["content"].widget.attrs.update(
            {
                "hx-get": reverse("reception:similar"),
                "hx-trigger": "keyup changed delay:600ms",
                "hx-target": "#similar",
            }
        )


class PeriodForm(forms.Form):
    """A month, a quarter or a year, for compliance."""

    unit = forms.CharField(max_length=10, label=_("Unit code"))
    period = forms.ChoiceField(
        choices=[
            (PeriodKind.MONTH, _("Month")),
            (PeriodKind.QUARTER, _("Quarter")),
            (PeriodKind.YEAR, _("Year")),
        ],
        label=_("Period"),
    )
    year = forms.IntegerField(min_value=2014, max_value=2100, label=_("Year"))
    number = forms.IntegerField(
        min_value=1, max_value=12, required=False, label=_("Month or quarter")
    )

    def clean(self):
        data = super().clean()
        kind, number = data.get("period"), data.get("number") or 1
        if kind == PeriodKind.QUARTER and number > 4:
            self.add_error("number", _("A quarter is 1 to 4"))
        data["number"] = number
        return data


class ExportForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    start = date_field(_("From"))
    end = date_field(_("To"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or end - start > dt.timedelta(days=366)):
            self.add_error("end", _("The period ends after it starts, within a year"))
        return data


def put_error(form: forms.Form, error: PetitionError, citizens=None) -> None:
    """Show a service's error beside the field it names (a citizen's row for `citizens.N.x`)."""
    head, _dot, rest = error.field.partition(".")
    if head == "citizens" and citizens is not None and rest:
        index, _dot, sub = rest.partition(".")
        if index.isdigit() and int(index) < len(citizens.forms) and sub in CitizenForm.base_fields:
            citizens.forms[int(index)].add_error(sub, error.message)
            return
    form.add_error(error.field if error.field in form.fields else None, error.message)

"""Staff forms for intake and the case actions.

Forms only parse what was typed (types, choices, dates written dd/mm/yyyy); every rule about
petitions and cases lives in `services.py`, whose `PetitionError` the views put back beside
the field named by `error.field` (see `put_error`).
"""

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from townhall.accounts import policy
from townhall.core import fields
from townhall.core import text as vntext
from townhall.units.models import Unit

from . import selectors
from .models import Channel, Kind, Status, Topic

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
MAX_SUBMITTER_ROWS = 50
MAX_ATTACHMENTS = 20
UNIT_OPTIONS_LIMIT = 600  # a province has a few hundred communes; administrators type a code

# The services' fixed messages, so that `gettext(error.message)` finds a translation for them.
# Messages built with values (names, dates, counts) stay in English until the services raise
# translatable messages themselves.
SERVICE_MESSAGES = [
    gettext_noop("The receipt time is in the future"),
    gettext_noop("Each submitter needs a name"),
    gettext_noop("The number of people is at least 1"),
    gettext_noop("The content is required"),
    gettext_noop("An ID number has 9 digits (CMND) or 12 digits (CCCD)"),
    gettext_noop("A phone number has 10 digits starting with 0 (or +84 and 9 digits)"),
    gettext_noop("Say where the citizen should take the matter"),
    gettext_noop("The case is already with that agency"),
    gettext_noop("The deadline is before the petition was received"),
    gettext_noop("The answer is required"),
    gettext_noop("An extension needs a reason"),
    gettext_noop("An extension needs the written decision's reference"),
    gettext_noop("The case has no deadline to extend"),
    gettext_noop("This kind of case cannot be extended under the rule in force"),
    gettext_noop("The case was already acknowledged"),
    gettext_noop("Say why the matter is pursued again"),
    gettext_noop("A case cannot be merged into itself"),
    gettext_noop("One of the cases was already merged"),
]


def vn_date_field(label, *, required: bool = True) -> forms.DateField:
    """A date typed as officials write it, dd/mm/yyyy (ISO also accepted)."""
    return fields.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={
                "placeholder": _("dd/mm/yyyy"),
                "inputmode": "numeric",
                "pattern": r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}",
                "autocomplete": "off",
            },
        ),
        error_messages={"invalid": _("Write the date as dd/mm/yyyy.")},
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("At most %(count)d files per petition."), params={"count": MAX_ATTACHMENTS}
            )
        return files


# --- localities -----------------------------------------------------------------------------
_LEADING_CODE = re.compile(r"^\s*(\d{1,10})\b")


def units_on(user, day: dt.date):
    """The units of the user's jurisdiction valid on `day`, for the locality picker."""
    return (
        policy.units_in_jurisdiction(user)
        .valid_on(day)
        .select_related("parent")
        .order_by("path")[:UNIT_OPTIONS_LIMIT]
    )


def find_unit(user, typed: str, day: dt.date) -> Unit | None:
    """A unit of the jurisdiction valid on `day`, from its code ("10750", "10750 · Phú Thái")
    or its exact name typed with or without diacritics."""
    typed = (typed or "").strip()
    if not typed:
        return None
    units = policy.units_in_jurisdiction(user).valid_on(day)
    match = _LEADING_CODE.match(typed)
    if match:
        return units.filter(code=match.group(1)).first()
    wanted = vntext.fold(typed)
    candidates = units.order_by("path")[:UNIT_OPTIONS_LIMIT]
    named = [u for u in candidates if vntext.fold(u.name) == wanted]
    if not named:  # "Phú Thái" for "Thị trấn Phú Thái", if only one unit ends so
        named = [u for u in candidates if vntext.fold(u.name).endswith(f" {wanted}")]
    return named[0] if len(named) == 1 else None


# --- intake ---------------------------------------------------------------------------------
class IntakeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    received_date = vn_date_field(_("Received on"))
    received_time = forms.TimeField(
        label=_("at"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    unit = forms.CharField(
        label=_("Locality"),
        max_length=120,
        help_text=_("The commune or ward: its code or its name."),
        widget=forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}),
    )
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none())
    receiving_agency = forms.ModelChoiceField(
        label=_("Receiving agency"), queryset=None, empty_label=None
    )
    title = forms.CharField(
        label=_("Short title"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the beginning of the text is used."),
    )
    text = forms.CharField(
        label=_("Content of the petition"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    people_count = forms.IntegerField(
        label=_("Number of people"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_("For a group: how many people it speaks for."),
    )
    attachments = MultipleFileField(
        label=_("Attachments (PDF, JPEG, PNG)"),
        required=False,
    )
    attach_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["topic"].queryset = Topic.objects.filter(is_active=True)
        self.fields["receiving_agency"].queryset = user.agencies.filter(is_active=True)
        if not self.is_bound:
            now = timezone.localtime()
            self.initial.setdefault("received_date", now.date())
            self.initial.setdefault("received_time", now.time().replace(second=0, microsecond=0))

    def day(self) -> dt.date:
        """The receipt date as typed (or today), for picking units valid on it."""
        field = self["received_date"]
        raw = field.value()
        if isinstance(raw, dt.date):
            return raw
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(str(raw).strip(), fmt).date()  # noqa: DTZ007
            except ValueError:
                continue
        return timezone.localdate()

    def clean(self):
        data = super().clean()
        day, at = data.get("received_date"), data.get("received_time")
        if day and at:
            data["received_at"] = timezone.make_aware(dt.datetime.combine(day, at))
        if day and data.get("unit"):
            unit = find_unit(self.user, data["unit"], day)
            if unit is None:
                self.add_error(
                    "unit",
                    _(
                        "No locality %(typed)s in your jurisdiction on %(day)s: pick one "
                        "from the list."
                    )
                    % {"typed": data["unit"], "day": day.strftime("%d/%m/%Y")},
                )
            else:
                data["unit_obj"] = unit
        return data


class SubmitterForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=120, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    is_representative = forms.BooleanField(label=_("Representative"), required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(f) for f in ("name", "id_number", "phone", "address", "email"))


SubmitterFormSet = forms.formset_factory(
    SubmitterForm, extra=1, max_num=MAX_SUBMITTER_ROWS, validate_max=True, absolute_max=60
)


# --- worklists ------------------------------------------------------------------------------
class WorklistFilter(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *Kind.choices], required=False
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.all(),
        empty_label=_("Any topic"),
        required=False,
        to_field_name="code",
    )


# --- case actions ---------------------------------------------------------------------------
class ActionForm(forms.Form):
    """Every action carries the version the user saw (optimistic concurrency)."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, case=None, **kwargs):
        # Several action forms share a page: keep their element ids apart.
        kwargs.setdefault("auto_id", f"id_{type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)
        self.user, self.case = user, case
        if case is not None and not self.is_bound:
            self.initial["version"] = case.version


def agency_field(label, *, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=label, queryset=None, required=required)


class AcknowledgeForm(ActionForm):
    pass


class AcceptForm(ActionForm):
    competent_agency = agency_field(_("Competent agency"), required=False)
    is_complex = forms.BooleanField(label=_("Complex case"), required=False)
    is_remote = forms.BooleanField(label=_("Remote area"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["competent_agency"]
        field.queryset = policy.agencies_visible_to(self.user).filter(is_active=True)
        field.empty_label = _("The receiving agency")


class ReturnForm(ActionForm):
    guidance = forms.CharField(
        label=_("Guidance: where the citizen should take the matter"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class TransferForm(ActionForm):
    to_agency = agency_field(_("Transfer to"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = policy.agencies_visible_to(self.user).filter(
            is_active=True
        )


class HandlerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class AssignForm(ActionForm):
    agency = agency_field(_("Agency"))
    handler = HandlerChoiceField(
        label=_("Handler"), queryset=None, required=False, empty_label=_("Not named yet")
    )
    due = vn_date_field(_("Deadline (optional, not after the legal one)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = policy.agencies_visible_to(self.user).filter(
            is_active=True
        )
        self.fields["handler"].queryset = (
            policy.users_visible_to(self.user).filter(is_active=True).order_by("username")
        )
        if self.case is not None and not self.is_bound and self.case.assigned_agency_id:
            self.initial.setdefault("agency", self.case.assigned_agency_id)


class AnswerForm(ActionForm):
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )
    decision_reference = forms.CharField(
        label=_("Decision or document reference"), required=False, max_length=80
    )
    is_final = forms.BooleanField(label=_("Final decision"), required=False)
    publish = forms.BooleanField(label=_("Publish the answer on the portal"), required=False)


class ExtendForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    decision_reference = forms.CharField(label=_("Extension decision reference"), max_length=80)


class CloseForm(ActionForm):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(ActionForm):
    note = forms.CharField(
        label=_("Why is the matter pursued again?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class MergeForm(ActionForm):
    target = forms.CharField(
        label=_("Merge into the case with reference"),
        max_length=24,
        widget=forms.TextInput(attrs={"placeholder": "VV-2022-XXXXXX", "autocomplete": "off"}),
    )

    def clean_target(self):
        reference = self.cleaned_data["target"].strip().upper()
        visible = selectors.cases_visible_to(self.user).filter(reference=reference)
        pk = visible.values_list("pk", flat=True).first()
        if pk is None:
            raise forms.ValidationError(
                _("No case %(reference)s in your jurisdiction."), params={"reference": reference}
            )
        return selectors.case_get_for_user(self.user, pk, write=True)

"""Staff forms. They only parse and offer choices from the user's jurisdiction; every rule is
checked by the service, whose errors come back beside the field (`add_service_error`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.accounts import policy
from townhall.core import fields
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Kind, Topic

from .models import AudienceKind


def add_service_error(form: forms.Form, error: PetitionError) -> None:
    """Show a service's refusal beside its field (or above the form when no field matches)."""
    field = error.field.split(".")[-1] if error.field else None
    if error.field.startswith("directives."):
        field = None  # a formset row: shown above the form with the row number in the message
    form.add_error(field if field in form.fields else None, error.message)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        return value.strftime("%Y-%m-%dT%H:%M") if hasattr(value, "strftime") else value


class DateInput(forms.DateInput):
    input_type = "date"


def _agencies(user):
    return policy.agencies_visible_to(user).filter(is_active=True).order_by("unit__path", "name")


class JurisdictionForm(forms.Form):
    """A form whose agency and people choices come from the user's jurisdiction."""

    agency_fields: tuple[str, ...] = ()
    user_fields: tuple[str, ...] = ()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.agency_fields:
            self.fields[name].queryset = _agencies(user)
        for name in self.user_fields:
            self.fields[name].queryset = policy.users_visible_to(user).order_by("username")


class ConferencePlanForm(JurisdictionForm):
    agency_fields = ("host_agency", "organisers")
    user_fields = ("chair", "co_chairs")

    title = forms.CharField(label=_("Title"), max_length=250)
    host_agency = forms.ModelChoiceField(label=_("Host agency"), queryset=None)
    starts_at = fields.DateTimeField(label=_("Starts at"), widget=DateTimeInput)
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=None)
    co_chairs = forms.ModelMultipleChoiceField(label=_("Co-chairs"), queryset=None, required=False)
    organisers = forms.ModelMultipleChoiceField(
        label=_("Organisers"), queryset=None, required=False
    )
    venue = forms.CharField(label=_("Venue"), max_length=250, required=False)
    is_online = forms.BooleanField(label=_("Online"), required=False)
    audience_kind = forms.ChoiceField(label=_("Audience"), choices=AudienceKind.choices)
    audience_description = forms.CharField(
        label=_("Audience description"), max_length=250, required=False
    )
    expected_attendance = forms.IntegerField(
        label=_("Expected number"), min_value=1, max_value=1_000_000, required=False
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.filter(is_active=True), required=False
    )


class AnnounceForm(forms.Form):
    announced_at = fields.DateTimeField(
        label=_("Announced at"), widget=DateTimeInput, required=False, help_text=_("Empty: now")
    )
    invitation_number = forms.CharField(label=_("Invitation number"), max_length=40, required=False)


class HoldForm(forms.Form):
    held_at = fields.DateTimeField(
        label=_("Held at"), widget=DateTimeInput, required=False, help_text=_("Empty: now")
    )
    attendance = forms.IntegerField(label=_("Attendance"), min_value=0, required=False)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea, required=False)


class MinutesForm(forms.Form):
    attendance = forms.IntegerField(label=_("Attendance"), min_value=0, required=False)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class OpinionForm(JurisdictionForm):
    agency_fields = ("collected_by",)

    text = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.filter(is_active=True))
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.RECOMMENDATION)
    name = forms.CharField(label=_("Raised by"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    people_count = forms.IntegerField(
        label=_("Number of people"), min_value=1, max_value=1_000_000, required=False
    )
    received_at = fields.DateTimeField(
        label=_("Received at"), widget=DateTimeInput, required=False, help_text=_("Empty: now")
    )
    collected_by = forms.ModelChoiceField(label=_("Collected by"), queryset=None, required=False)


class OutcomeForm(JurisdictionForm):
    agency_fields = ("assignee",)

    answered_at_conference = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("1", _("Answered at the conference")), ("0", _("Deferred to an agency"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    answered_by = forms.CharField(label=_("Answered by"), max_length=200, required=False)
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)
    deadline = fields.DateField(label=_("Deadline"), widget=DateInput, required=False)
    expected_result = forms.CharField(label=_("Expected result"), required=False)


class PreparationForm(JurisdictionForm):
    agency_fields = ("agency",)

    agency = forms.ModelChoiceField(label=_("Agency preparing the answer"), queryset=None)
    prepare_by = fields.DateField(label=_("Prepare by"), widget=DateInput)


class PreparedForm(forms.Form):
    answer = forms.CharField(label=_("Prepared answer"), widget=forms.Textarea(attrs={"rows": 3}))


class ConcludeForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=40)
    signed_on = fields.DateField(label=_("Date"), widget=DateInput)
    text = forms.CharField(label=_("Conclusion"), widget=forms.Textarea)
    published_at = fields.DateTimeField(
        label=_("Published at"), widget=DateTimeInput, required=False, help_text=_("Empty: now")
    )


class DirectiveForm(JurisdictionForm):
    agency_fields = ("assignee",)

    text = forms.CharField(label=_("Directive"), widget=forms.Textarea(attrs={"rows": 2}))
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)
    deadline = fields.DateField(label=_("Deadline"), widget=DateInput, required=False)
    expected_result = forms.CharField(label=_("Expected result"), required=False)


DirectiveFormSet = forms.formset_factory(DirectiveForm, extra=3)


class DoneForm(forms.Form):
    result = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 2}))
    done_at = fields.DateTimeField(
        label=_("Done at"), widget=DateTimeInput, required=False, help_text=_("Empty: now")
    )

"""Form fields shared by every form: dates whose year is plausible (`dates.plausible_year`)."""

from django import forms

from .dates import plausible_year


class DateField(forms.DateField):
    default_validators = [plausible_year]


class DateTimeField(forms.DateTimeField):
    default_validators = [plausible_year]

"""The filters of the report pages; each resolves its unit within the user's jurisdiction."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.accounts import policy
from townhall.core import fields
from townhall.core.dates import today
from townhall.units.models import Level

from . import statistics
from .documents import period_bounds
from .models import PeriodKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitForm(forms.Form):
    """A unit code typed or picked from the list, resolved in the era of `_day()`."""

    unit = forms.CharField(
        label=_("Unit (code)"),
        max_length=10,
        widget=forms.TextInput(attrs={"list": "unit-codes", "autocomplete": "off"}),
    )

    latest = False  # a code no longer in use names its last unit (statistics.unit_resolve)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.unit_obj = None

    def _day(self) -> dt.date:
        return today()

    def _resolve(self) -> None:
        code = self.cleaned_data.get("unit")
        if not code:
            return
        try:
            self.unit_obj = statistics.unit_resolve(
                code,
                self._day(),
                within=policy.units_in_jurisdiction(self.user),
                latest=self.latest,
            )
        except statistics.StatisticsError as error:
            self.add_error("unit", error.message)


class FilterForm(UnitForm):
    start = fields.DateField(label=_("From"), widget=DATE_INPUT)
    end = fields.DateField(label=_("To"), widget=DATE_INPUT)
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("Every level")), *Level.choices],
        required=False,
        help_text=_("For dialogues, the host's level; otherwise the unit's level"),
    )

    field_order = ["unit", "start", "end", "level"]

    def _day(self) -> dt.date:
        return self.cleaned_data.get("start") or today()

    def _resolve(self) -> None:
        """The unit of the period's last day when the code was in use then (statistics'
        lineage adds the other era's records), else of its first day."""
        code, start, end = (self.cleaned_data.get(k) for k in ("unit", "start", "end"))
        if not (code and start and end):
            super()._resolve()
            return
        try:
            self.unit_obj = statistics.period_unit(
                code, start, end, within=policy.units_in_jurisdiction(self.user)
            )
        except statistics.StatisticsError as error:
            self.add_error("unit", error.message)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            try:
                statistics.check_period(start, end)
                statistics.check_level(data.get("level") or "", start)
            except statistics.StatisticsError as error:
                self.add_error("end" if error.field == "to" else error.field, error.message)
                return data
        self._resolve()
        return data

    def scope(self, *, own: bool = False) -> statistics.Scope:
        data = self.cleaned_data
        return statistics.Scope(
            self.unit_obj, data["start"], data["end"], data.get("level") or "", today(), own
        )


class InspectionForm(UnitForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def _day(self) -> dt.date:
        return dt.date(self.cleaned_data.get("year") or today().year, 1, 1)

    def clean(self):
        data = super().clean()
        self._resolve()
        return data


class HotspotForm(UnitForm):
    latest = True

    def clean(self):
        data = super().clean()
        self._resolve()
        return data


class DocumentForm(UnitForm):
    period = forms.ChoiceField(label=_("Report"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(
        label=_("Month"), min_value=1, max_value=12, required=False, help_text=_("Monthly only")
    )

    field_order = ["unit", "period", "year", "month"]

    def _day(self) -> dt.date:
        """The period's first day: the era its units are named in."""
        data = self.cleaned_data
        try:
            return period_bounds(data.get("period"), data.get("year"), data.get("month"))[0]
        except (TypeError, ValueError):
            return dt.date(data.get("year") or today().year, 1, 1)

    def clean(self):
        data = super().clean()
        if data.get("period") == PeriodKind.MONTH and not data.get("month"):
            self.add_error("month", _("A monthly report needs its month"))
        self._resolve()
        return data

"""Reports: the dialogue frequency rules (data, with dates), the report documents' jobs, and
the petitions' monthly figures per unit (`UnitMonth`, `UnitMonthTopic`).

The monthly figures are a cache, never a source: `monthly.py` recomputes a unit's month from
the records, with the same aggregates `statistics_petitions.py` counts the records with, whenever a
database trigger has marked it stale (`StaleMonth`, one row per write to a case or a petition);
the statistics read them for the whole months of a period and the records for the rest
(docs/decisions/0009).
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from townhall.petitions.models import Channel, Kind, Status
from townhall.units.models import ERA_BOUNDS, Level


def era_of(day: dt.date) -> str:
    """The era a date belongs to (three levels until 30/06/2025, two levels after)."""
    for era, (first, last) in ERA_BOUNDS.items():
        if first <= day and (last is None or day <= last):
            return era
    return min(ERA_BOUNDS, key=lambda e: ERA_BOUNDS[e][0])  # before 2008: the older era


class DialogueRule(models.Model):
    """How many dialogue conferences the heads at a level must hold per year, in force for a
    period; a province's own regulation (e.g. Hải Dương's 03-QC/TU) overrides the national rule
    for its units while both are in force.

    A province is named by its code: rules are seeded before the units are loaded, and a
    province's rule lies inside one era (checked in `clean`), so code and dates name one place.
    """

    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    per_year = models.PositiveSmallIntegerField(_("dialogues per year"))
    province_code = models.CharField(
        _("province code"),
        max_length=10,
        blank=True,
        help_text=_("Blank: every province (the national rule)"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=250)

    class Meta:
        verbose_name = _("dialogue frequency rule")
        verbose_name_plural = _("dialogue frequency rules")
        ordering = ["province_code", "level", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="dialogue_rule_level_known"
            ),
            models.CheckConstraint(
                condition=Q(per_year__gte=1), name="dialogue_rule_at_least_once"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="dialogue_rule_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        where = self.province_code or "*"
        return f"{self.get_level_display()} · {self.per_year}/year · {where}"

    def clean(self) -> None:
        if self.province_code and self.valid_from:
            last = self.valid_to or dt.date(9999, 1, 1)
            if era_of(self.valid_from) != era_of(last):
                raise ValidationError(
                    _(
                        "A province's rule must lie inside one era (end it on 30/06/2025 and "
                        "add another from 01/07/2025): the same code names another province "
                        "after the reform."
                    )
                )

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Monthly")
    Q1 = "q1", _("First quarter")
    HALF = "half", _("Six months")
    NINE = "nine", _("Nine months")
    YEAR = "year", _("Year")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportJob(models.Model):
    """One report (DOCX and XLSX) for a jurisdiction and period; rendered at once for a small
    jurisdiction, otherwise queued for `townhall reports run` with its progress shown."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=120, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A lease, so a job whose worker died is picked up again (nothing is lost).
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    docx = models.BinaryField(null=True, blank=True, editable=False)
    xlsx = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="report_job_status_known"
            ),
            models.CheckConstraint(
                condition=Q(period__in=PeriodKind.values), name="report_job_period_known"
            ),
            models.CheckConstraint(
                condition=~Q(period=PeriodKind.MONTH) | Q(month__gte=1, month__lte=12),
                name="report_job_month_given",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.get_period_display()} {self.year} · {self.unit}"


# --- the petitions' monthly figures (a cache of the records: monthly.py) -------------------
class UnitMonth(models.Model):
    """The cases and petitions received in one month at one unit: every figure of
    `statistics_petitions.py` that does not depend on the day it is read (overdue and prolonged
    past the deadline do: they are counted from the open cases on each read). A figure named
    `by_status:answered` is the column `status_answered` (`column_of`)."""

    derived_cache = True  # left out of backups (core/backup.py)

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # its first day
    acknowledged_on_time = models.PositiveIntegerField(default=0)
    not_acknowledged = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    mass = models.PositiveIntegerField(default=0)
    over_level = models.PositiveIntegerField(default=0)
    prolonged_after_final = models.PositiveIntegerField(default=0)
    resolution_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("unit's month of petitions")
        verbose_name_plural = _("units' months of petitions")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="unit_month_unique")]
        indexes = [models.Index(fields=["month"], name="unit_month_month")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.month:%m/%Y}"


# One column per status, kind and channel: the choices are code, and a new one needs a migration.
for _prefix, _choices in (("status", Status), ("kind", Kind), ("channel", Channel)):
    for _value in _choices.values:
        UnitMonth.add_to_class(f"{_prefix}_{_value}", models.PositiveIntegerField(default=0))


def column_of(figure: str) -> str:
    """The `UnitMonth` column of a statistics figure: "by_kind:complaint" → "kind_complaint"."""
    return figure.removeprefix("by_").replace(":", "_")


class UnitMonthTopic(models.Model):
    """The petitions received in one month at one unit, by topic (an editable list: rows, not
    columns)."""

    derived_cache = True  # left out of backups (core/backup.py)

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    topic = models.ForeignKey("petitions.Topic", on_delete=models.CASCADE, related_name="+")
    petitions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("unit's month of petitions by topic")
        verbose_name_plural = _("units' months of petitions by topic")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "topic"], name="unit_month_topic_unique"
            )
        ]
        indexes = [models.Index(fields=["month"], name="unit_month_topic_month")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.month:%m/%Y} · {self.topic_id}"


class StaleMonth(models.Model):
    """A unit's month whose figures must be recomputed: written by a trigger on every insert,
    update and delete of a case or petition (migration reports/0004), in the writer's own
    transaction, and consumed by `monthly.refresh`. Not unique on purpose: a mark is visible
    only once its writer has committed, so the refresh that consumes it always sees the write."""

    derived_cache = True  # left out of backups (core/backup.py)

    unit_id = models.BigIntegerField()
    month = models.DateField()

    class Meta:
        verbose_name = _("stale month")
        verbose_name_plural = _("stale months")

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.month:%m/%Y}"

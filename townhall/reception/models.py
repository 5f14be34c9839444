"""Citizen reception: the legal minimums (as data), schedules, sessions and the register.

A head who must receive citizens holds an *office* (commune People's Committee chair, district
Party secretary, …) derived from the agency's kind and its unit's level (`rules.office_for`).
The minimum number of reception days for an office is a `ReceptionRule` with a validity period,
seeded by a data migration and editable by an administrator. A `ReceptionSchedule` is a head's
recurring reception day; a `ReceptionSession` is one day actually held (scheduled, unscheduled
or a field visit), and its `RegisterEntry` rows are the reception register (sổ tiếp công dân).
Each entry creates or attaches a petition through the petitions services, which keep the
citizens' personal data encrypted; the register itself stores none.

Writes go through `services.py`, reads through `selectors.py`; `ReceptionEvent` is the
append-only history of schedules and sessions.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from townhall.petitions.models import Kind as PetitionKind


class Office(models.TextChoices):
    COMMUNE_PC_CHAIR = "commune_pc_chair", _("Chair of a commune People's Committee")
    DISTRICT_PC_CHAIR = "district_pc_chair", _("Chair of a district People's Committee")
    PROVINCE_PC_CHAIR = "province_pc_chair", _("Chair of a province People's Committee")
    OTHER_AGENCY_HEAD = "other_agency_head", _("Head of another agency")
    PARTY_HEAD_PROVINCE = "party_head_province", _("Secretary of a province Party committee")
    PARTY_HEAD_DISTRICT = "party_head_district", _("Secretary of a district Party committee")
    PARTY_HEAD_COMMUNE = "party_head_commune", _("Secretary of a commune Party committee")


class Per(models.TextChoices):
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


class ReceptionRule(models.Model):
    """How many reception days an office owes per week or month, in force for a period."""

    office = models.CharField(_("office"), max_length=32, choices=Office.choices)
    days_required = models.PositiveSmallIntegerField(_("days required"))
    per = models.CharField(_("per"), max_length=8, choices=Per.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200)

    class Meta:
        verbose_name = _("reception rule")
        verbose_name_plural = _("reception rules")
        ordering = ["office", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(office__in=Office.values), name="reception_rule_office_known"
            ),
            models.CheckConstraint(
                condition=Q(per__in=Per.values), name="reception_rule_per_known"
            ),
            models.CheckConstraint(
                condition=Q(days_required__gte=1), name="reception_rule_at_least_one_day"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="reception_rule_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_office_display()}: {self.days_required} {self.get_per_display()}"

    def is_in_force_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, _("first")
    SECOND = 2, _("second")
    THIRD = 3, _("third")
    FOURTH = 4, _("fourth")
    LAST = -1, _("last")


class ReceptionSchedule(models.Model):
    """A head's recurring reception day: every <weekday>, or the <nth> <weekday> of each month.

    A head with two days a month has two schedules (e.g. the 1st and the 3rd Thursday).
    """

    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="reception_schedules"
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reception_schedules",
        verbose_name=_("head"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    week_of_month = models.SmallIntegerField(
        _("week of the month"),
        choices=WeekOfMonth.choices,
        null=True,
        blank=True,
        help_text=_("Blank: every week"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200)
    is_published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reception schedule")
        verbose_name_plural = _("reception schedules")
        ordering = ["agency__unit__path", "agency__name", "weekday", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="reception_schedule_weekday"
            ),
            models.CheckConstraint(
                condition=Q(week_of_month__isnull=True) | Q(week_of_month__in=WeekOfMonth.values),
                name="reception_schedule_week_of_month",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="reception_schedule_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["agency", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.agency} · {self.describe()}"

    def describe(self) -> str:
        day = Weekday(self.weekday).label
        if self.week_of_month is None:
            return _("every %(day)s") % {"day": day}
        nth = WeekOfMonth(self.week_of_month).label
        return _("the %(nth)s %(day)s of each month") % {"nth": nth, "day": day}


class SessionKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    UNSCHEDULED = "unscheduled", _("Unscheduled")
    FIELD_VISIT = "field_visit", _("Field visit")


class UnscheduledReason(models.TextChoices):
    URGENT = "urgent", _("Urgent matter")
    MASS = "mass", _("Many people (mass matter)")
    COMPLEX = "complex", _("Complex matter")


class ReceptionSession(models.Model):
    """One reception day actually held; its entries are the register (sổ tiếp công dân)."""

    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="reception_sessions"
    )
    date = models.DateField(_("date"))
    # The head whose reception day this is; when delegated, `delegate` actually received.
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reception_sessions",
        verbose_name=_("received by"),
    )
    is_delegated = models.BooleanField(_("delegated to a deputy"), default=False)
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegated_reception_sessions",
        verbose_name=_("delegate"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SessionKind.choices)
    reason = models.CharField(
        _("reason"), max_length=16, choices=UnscheduledReason.choices, blank=True
    )
    schedule = models.ForeignKey(
        ReceptionSchedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reception session")
        verbose_name_plural = _("reception sessions")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SessionKind.values), name="reception_session_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(is_delegated=False) | Q(delegate__isnull=False),
                name="reception_session_delegated_has_delegate",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SessionKind.UNSCHEDULED) | Q(reason__in=UnscheduledReason.values),
                name="reception_session_unscheduled_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["agency", "date"])]

    def __str__(self) -> str:
        return f"{self.agency} · {self.date:%d/%m/%Y}"


class Action(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted for resolution")
    RETURNED_WITH_GUIDANCE = "returned_with_guidance", _("Returned with guidance")
    TRANSFERRED = "transferred", _("Transferred to the competent body")


class RegisterEntry(models.Model):
    """One visit in the register. The citizens are the linked petition's (encrypted) submitters."""

    session = models.ForeignKey(ReceptionSession, on_delete=models.PROTECT, related_name="entries")
    number = models.PositiveIntegerField(_("number"))
    people_count = models.PositiveIntegerField(_("number of people"), default=1)
    is_group = models.BooleanField(_("group visit"), default=False)
    content = models.TextField(_("content"))
    kind = models.CharField(_("kind"), max_length=20, choices=PetitionKind.choices)
    handled_by = models.CharField(_("already handled by"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    transferred_to = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transferred to"),
    )
    guidance = models.TextField(_("guidance given"), blank=True)
    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.PROTECT, related_name="register_entries"
    )
    follow_up = models.TextField(_("follow-up"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="register_entry_number"),
            models.CheckConstraint(
                condition=Q(action__in=Action.values), name="register_entry_action_known"
            ),
            models.CheckConstraint(
                condition=~Q(action=Action.TRANSFERRED) | Q(transferred_to__isnull=False),
                name="register_entry_transfer_has_agency",
            ),
            models.CheckConstraint(
                condition=Q(people_count__gte=1), name="register_entry_has_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.number}"


class ReceptionEvent(models.Model):
    """Append-only history of a schedule or a session (who, when, what)."""

    schedule = models.ForeignKey(
        ReceptionSchedule, on_delete=models.CASCADE, null=True, related_name="events"
    )
    session = models.ForeignKey(
        ReceptionSession, on_delete=models.CASCADE, null=True, related_name="events"
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(schedule__isnull=True, session__isnull=False)
                | Q(schedule__isnull=False, session__isnull=True),
                name="reception_event_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} ({self.schedule_id or self.session_id})"

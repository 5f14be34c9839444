"""Dialogue conferences: the plan, the agenda of opinions, the outcomes, the conclusion and its
directives, and the append-only history of each.

Every opinion on the agenda *is* a petition (channel `dialogue_before` or `dialogue_floor`),
created through `petitions.services.petition_receive`, so what is deferred at a conference is
followed as a case like any other. State lives in `TextChoices` plus constraints; every change
goes through one function in `services.py`, which appends an event. Counts (answered at the
conference, overdue, done late…) are computed from rows in `selectors.py`, never stored.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from townhall.units.models import Level


class Status(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ANNOUNCED = "announced", _("Announced")
    COLLECTING = "collecting", _("Collecting opinions")
    READY = "ready", _("Ready")
    HELD = "held", _("Held")
    CONCLUDED = "concluded", _("Concluded")
    CLOSED = "closed", _("Closed")


# Before the day: the conference may still be moved or opinions collected.
BEFORE_THE_DAY = (Status.PLANNED, Status.ANNOUNCED, Status.COLLECTING, Status.READY)


class AudienceKind(models.TextChoices):
    RESIDENTS = "residents", _("Residents of a unit")
    SECTOR = "sector", _("A sector group (e.g. education staff)")
    ENTERPRISES = "enterprises", _("Enterprises")


class Conference(models.Model):
    """A dialogue between heads of Party committees/authorities and the people."""

    title = models.CharField(_("title"), max_length=250)
    host_agency = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        related_name="hosted_conferences",
        verbose_name=_("host agency"),
        help_text=_("The body that convenes the conference and issues its documents"),
    )
    host_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="conferences",
        verbose_name=_("host unit"),
    )
    host_level = models.CharField(
        _("level"), max_length=16, choices=Level.choices, editable=False
    )  # copied from host_unit.level when planned: units change eras, the conference does not
    chairs = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ConferenceChair",
        related_name="chaired_conferences",
        verbose_name=_("chairs"),
    )
    organisers = models.ManyToManyField(
        "units.Agency",
        related_name="organised_conferences",
        blank=True,
        verbose_name=_("organisers"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    venue = models.CharField(_("venue"), max_length=250, blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    audience_kind = models.CharField(
        _("audience"), max_length=16, choices=AudienceKind.choices, default=AudienceKind.RESIDENTS
    )
    audience_description = models.CharField(_("audience description"), max_length=250, blank=True)
    expected_attendance = models.PositiveIntegerField(_("expected number"), null=True, blank=True)
    topics = models.ManyToManyField(
        "petitions.Topic", related_name="conferences", blank=True, verbose_name=_("topics")
    )
    hotspot_cases = models.ManyToManyField(
        "petitions.Case",
        related_name="hotspot_conferences",
        blank=True,
        verbose_name=_("hotspot cases"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    invitation_number = models.CharField(_("invitation number"), max_length=40, blank=True)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="conference_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status=Status.PLANNED) | Q(announced_at__isnull=False),
                name="conference_announced_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BEFORE_THE_DAY) | Q(held_at__isnull=False),
                name="conference_held_has_time",
            ),
        ]
        indexes = [models.Index(fields=["host_unit", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def starts_on(self) -> dt.date:
        return timezone.localdate(self.starts_at)


class ChairRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    CO_CHAIR = "co_chair", _("Co-chair")


class ConferenceChair(models.Model):
    """A head who chairs the conference, with the title they sign under."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="chairings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=ChairRole.choices)
    title = models.CharField(_("title"), max_length=160, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "user"], name="conference_chair_once"),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.user} ({self.role})"

    @property
    def display(self) -> str:
        return self.title or str(self.user)


class Outcome(models.TextChoices):
    PENDING = "pending", _("No outcome yet")
    ANSWERED = "answered", _("Answered at the conference")
    DEFERRED = "deferred", _("Deferred to an agency")


class Opinion(models.Model):
    """One item on the agenda; the opinion itself is a petition."""

    conference = models.ForeignKey(Conference, on_delete=models.PROTECT, related_name="opinions")
    petition = models.OneToOneField(
        "petitions.Petition", on_delete=models.PROTECT, related_name="opinion"
    )
    number = models.PositiveIntegerField(_("agenda number"))
    collected_by = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("collected by"),
    )
    # Before the day: an agency asked to prepare an answer by a date.
    prepare_agency = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions_to_prepare",
        verbose_name=_("agency preparing the answer"),
    )
    prepare_by = models.DateField(_("prepare by"), null=True, blank=True)
    prepared_answer = models.TextField(_("prepared answer"), blank=True)
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    # On the day: the outcome, recorded once.
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    answered_by = models.CharField(_("answered by"), max_length=200, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    assignee = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deferred_opinions",
        verbose_name=_("assignee"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    expected_result = models.TextField(_("expected result"), blank=True)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["conference", "number"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "number"], name="opinion_number_once"),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="opinion_outcome_known"
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.ANSWERED) | (~Q(answered_by="") & ~Q(answer="")),
                name="opinion_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.DEFERRED)
                | Q(assignee__isnull=False, deadline__isnull=False),
                name="opinion_deferred_has_assignee",
            ),
            models.CheckConstraint(
                condition=Q(prepare_agency__isnull=True) | Q(prepare_by__isnull=False),
                name="opinion_preparation_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conference_id} #{self.number}"

    @property
    def is_prepared(self) -> bool:
        return self.prepared_at is not None


class Conclusion(models.Model):
    """The chair's conclusion notice (thông báo kết luận)."""

    conference = models.OneToOneField(
        Conference, on_delete=models.PROTECT, related_name="conclusion"
    )
    number = models.CharField(_("number"), max_length=40)
    signed_on = models.DateField(_("date"))
    text = models.TextField(_("text"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    signer_title = models.CharField(_("signer's title"), max_length=160, blank=True)
    published_at = models.DateTimeField(_("published at"))
    publish_due = models.DateField(_("publish by"))  # the legal limit, from the rule in force

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")

    def __str__(self) -> str:
        return self.number

    @property
    def published_late(self) -> bool:
        return timezone.localdate(self.published_at) > self.publish_due


class DirectiveStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    VERIFIED = "verified", _("Verified")


class Directive(models.Model):
    """One item of the conclusion: an assignee agency, a deadline, an expected result."""

    conclusion = models.ForeignKey(Conclusion, on_delete=models.PROTECT, related_name="directives")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("content"))
    assignee = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        related_name="directives",
        verbose_name=_("assignee"),
    )
    deadline = models.DateField(_("deadline"))
    expected_result = models.TextField(_("expected result"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DirectiveStatus.choices,
        default=DirectiveStatus.OPEN,
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)  # local date of done_at, for late counts
    result = models.TextField(_("result"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["conclusion", "number"]
        constraints = [
            models.UniqueConstraint(fields=["conclusion", "number"], name="directive_number_once"),
            models.CheckConstraint(
                condition=Q(status__in=DirectiveStatus.values), name="directive_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status=DirectiveStatus.OPEN)
                | Q(done_at__isnull=False, done_on__isnull=False),
                name="directive_done_has_time",
            ),
        ]
        indexes = [models.Index(fields=["assignee", "status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.conclusion} · {self.number}"

    @property
    def done_late(self) -> bool:
        return self.done_on is not None and self.done_on > self.deadline

    def is_overdue(self, on: dt.date) -> bool:
        return self.status == DirectiveStatus.OPEN and self.deadline < on


class ConferenceEvent(models.Model):
    """Append-only history of a conference and its opinions: the staff timeline."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="events")
    opinion = models.ForeignKey(
        Opinion, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["conference", "at"])]

    def __str__(self) -> str:
        return f"{self.conference_id} {self.action}"


class DirectiveEvent(models.Model):
    """Append-only history of a directive: progress reports, done, verified."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["directive", "at"])]

    def __str__(self) -> str:
        return f"{self.directive_id} {self.action}"

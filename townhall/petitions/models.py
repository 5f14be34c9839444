"""Petitions (what arrived), cases (the matter), their history, deadlines rules and flags.

State lives in `Case.status` (TextChoices + constraints); every change goes through one service
function in `services.py`, which appends a `CaseEvent`. Overdue, due soon, mass, prolonged and
over-level are derived from the data (`flags.py`, `selectors.py`), never stored by hand.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from townhall.core.crypto import EncryptedTextField
from townhall.core.schema import CodeField, CoveringIndex


class Kind(models.TextChoices):
    RECOMMENDATION = "recommendation", _("Recommendation")
    REFLECTION = "reflection", _("Reflection")
    COMPLAINT = "complaint", _("Complaint")
    DENUNCIATION = "denunciation", _("Denunciation")
    MIXED = "mixed", _("Mixed")


class Channel(models.TextChoices):
    DIALOGUE_BEFORE = "dialogue_before", _("Dialogue — collected before")
    DIALOGUE_FLOOR = "dialogue_floor", _("Dialogue — raised at the conference")
    RECEPTION = "reception", _("Reception session")
    MAIL = "mail", _("Mail")
    PORTAL = "portal", _("Online portal")
    HOTLINE = "hotline", _("Hotline")
    TRANSFER_IN = "transfer_in", _("Transferred in from another body")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned with guidance")
    TRANSFERRED = "transferred", _("Transferred to the competent body")
    ASSIGNED = "assigned", _("Assigned")
    ANSWERED = "answered", _("Answered or decided")
    CLOSED = "closed", _("Closed")


# A case in one of these states still needs work from someone.
OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.TRANSFERRED, Status.ASSIGNED)
DONE_STATUSES = (Status.RETURNED, Status.ANSWERED, Status.CLOSED)


class Topic(models.Model):
    """The editable topic taxonomy (land and site clearance, education, …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Step(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge in writing")
    ACCEPT = "accept", _("Decide whether to accept")
    RESOLVE = "resolve", _("Resolve or answer")
    RESOLVE_SECOND = "resolve_second", _("Resolve a second complaint")


class DayType(models.TextChoices):
    WORKING = "working", _("Working days")
    CALENDAR = "calendar", _("Calendar days")


class DeadlineRule(models.Model):
    """How long a step may take for a kind of petition, in force for a period (rules are data)."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, blank=True, help_text=_("Blank: any kind")
    )
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    day_type = models.CharField(_("counted in"), max_length=10, choices=DayType.choices)
    complex_days = models.PositiveSmallIntegerField(_("days, complex case"), null=True, blank=True)
    remote_days = models.PositiveSmallIntegerField(_("days, remote area"), null=True, blank=True)
    remote_complex_days = models.PositiveSmallIntegerField(
        _("days, complex case in a remote area"), null=True, blank=True
    )
    max_extensions = models.PositiveSmallIntegerField(_("extensions allowed"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("days per extension"), default=0)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["step", "kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="deadline_rule_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} · {self.kind or '*'} · {self.days} {self.day_type}"


def _tracking_code() -> str:
    from .codes import new_tracking_code

    return new_tracking_code()


class Case(models.Model):
    """The matter that one or many petitions are about; what gets assigned, answered, closed."""

    reference = CodeField(_("reference"), max_length=24)  # unique: Meta
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = CodeField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # No index of its own for `unit`, `assigned_agency` and `handler`: the indexes of Meta that
    # start with each of them serve every read (and the PROTECT checks); a second one only cost
    # every intake and transition an index write (docs/decisions/0016).
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("locality"),
        db_index=False,
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(_("title"), max_length=200)
    receiving_agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="received_cases"
    )
    # A new case has no competent agency, handling leader or merged-into case yet: their
    # indexes hold only the rows that have one (Meta), so an intake writes none of them.
    competent_agency = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        related_name="competent_cases",
        null=True,
        db_index=False,
    )
    assigned_agency = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        null=True,
        db_index=False,
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="handled",
        db_index=False,
    )
    handling_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="led",
        db_index=False,
    )
    received_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(_("received on"))  # local date of received_at
    acknowledge_due = models.DateField(_("acknowledge by"))
    accept_due = models.DateField(_("decide acceptance by"), null=True)
    due = models.DateField(_("resolve by"), null=True)
    is_complex = models.BooleanField(_("complex"), default=False)
    is_remote = models.BooleanField(_("remote area"), default=False)
    instance = models.PositiveSmallIntegerField(_("complaint instance"), default=1)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=80, blank=True)
    is_final_decision = models.BooleanField(_("final decision"), default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    final_decision_at = models.DateTimeField(null=True, blank=True)
    reopened_after_final = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        db_index=False,
    )
    publish_answer = models.BooleanField(_("publish the answer"), default=False)
    version = models.PositiveIntegerField(default=1)
    search_text = models.TextField(default="", editable=False)  # folded, for diacritic-free search
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Facts about the petitions kept on the case for the flags and the 'flagged' worklist, set
    # by the services whenever a petition is received, attached or merged (`services._recount`).
    people = models.PositiveIntegerField(_("distinct people"), default=1, editable=False)
    over_level = models.BooleanField(_("over-level"), default=False, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="case_status_known"),
            models.CheckConstraint(
                condition=Q(due__isnull=True) | Q(due__gte=models.F("received_on")),
                name="case_due_not_before_receipt",
            ),
            models.CheckConstraint(
                condition=Q(acknowledge_due__gte=models.F("received_on")),
                name="case_ack_not_before_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.ASSIGNED) | Q(assigned_agency__isnull=False),
                name="case_assigned_has_agency",
            ),
            # A constraint rather than unique=True, which on PostgreSQL also builds a
            # pattern-ops index for LIKE that no query reads and every intake writes (ADR 0020).
            models.UniqueConstraint(fields=["reference"], name="petitions_case_reference_key"),
        ]
        indexes = [
            models.Index(fields=["status", "due"]),
            models.Index(fields=["assigned_agency", "status", "due"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["handler", "status"]),
            models.Index(fields=["received_at", "id"], name="case_received_idx"),
            *(
                models.Index(
                    fields=[name],
                    condition=Q(**{f"{name}__isnull": False}),
                    name=f"case_{name}_idx",
                )
                for name in ("competent_agency", "handling_leader", "merged_into")
            ),
            # Worklists check the cases a jurisdiction's scope rows name: for live (unmerged)
            # cases, every column their filters read, so counting a province's 11,000 cases at
            # a million reads this index only (INCLUDE: PostgreSQL; elsewhere a partial index).
            models.Index(
                fields=["id"],
                include=[
                    "status",
                    "due",
                    "received_at",
                    "people",
                    "over_level",
                    "reopened_after_final",
                    "handler",
                    "assigned_agency",
                    "competent_agency",
                ],
                condition=Q(merged_into__isnull=True),
                name="case_live_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Petition(models.Model):
    """One submission as it arrived: kind, channel, submitters, text, attachments."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="petitions")
    tracking_code = CodeField(  # unique: Meta
        _("tracking code"), max_length=16, default=_tracking_code
    )
    secret_hash = models.CharField(max_length=128, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    receiving_agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="received_petitions"
    )
    # No index of its own: `stats_petition_unit_at` (reports/0003) starts with it.
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="petitions", db_index=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="petitions")
    text = models.TextField(_("text"))
    people_count = models.PositiveIntegerField(_("number of people"), default=1)
    over_level = models.BooleanField(_("over-level"), default=False)
    signature = models.JSONField(default=list, editable=False)  # MinHash, for similarity
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["received_at"]
        constraints = [
            models.CheckConstraint(condition=Q(people_count__gte=1), name="petition_has_people"),
            # A constraint rather than unique=True, which on PostgreSQL also builds a
            # pattern-ops index for LIKE that no query reads and every intake writes (ADR 0020).
            models.UniqueConstraint(
                fields=["tracking_code"], name="petitions_petition_tracking_code_key"
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class Submitter(models.Model):
    """A person who signed a petition. Personal data encrypted at rest."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="submitters")
    name = EncryptedTextField(_("name"))
    id_number = EncryptedTextField(_("ID number"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    email = EncryptedTextField(_("email"), blank=True)
    # Blind indexes: equality look-ups and distinct-person counts without decrypting.
    person_key = CodeField(max_length=64)
    phone_key = CodeField(max_length=64, blank=True)
    is_representative = models.BooleanField(_("representative"), default=False)

    class Meta:
        verbose_name = _("submitter")
        verbose_name_plural = _("submitters")
        # Plain indexes: the keys are only compared whole (a CharField's db_index adds a second,
        # pattern-ops index for LIKE on PostgreSQL, written on every intake for no read).
        indexes = [
            models.Index(fields=["person_key"], name="submitter_person_key_idx"),
            models.Index(fields=["phone_key"], name="submitter_phone_key_idx"),
        ]

    def __str__(self) -> str:
        return f"submitter #{self.pk}"


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


# The Case fields CaseScope rows carry for the worklists (with `live`, not merged).
SCOPE_FACTS = ("status", "due", "received_at", "people", "over_level", "reopened_after_final")


class CaseScope(models.Model):
    """The unit paths that place a case in a jurisdiction: its locality's and those of its
    receiving, competent and assigned agencies, and those of every unit above them
    (`scope.with_ancestors`). The access policy reads this table with one indexed equality per
    unit of the user's instead of four prefix matches over joins (docs/decisions/0017).

    Each row also carries the case's facts that the worklists filter and sort on (SCOPE_FACTS),
    copied by database triggers whenever the case changes (migration petitions/0007), so
    that a province's worklist is one range of this table's index rather than a probe of the
    case table per row (`selectors.worklist_page`)."""

    # No index of its own: `case_scope_once` (case, path) starts with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="scope", db_index=False)
    path = CodeField(max_length=80)
    # The case's facts (same names as Case's, so the same Q objects filter both).
    live = models.BooleanField(default=True)  # not merged into another case
    status = CodeField(max_length=20, default=Status.RECEIVED)
    due = models.DateField(null=True)
    received_at = models.DateTimeField(null=True)
    people = models.PositiveIntegerField(default=1)
    over_level = models.BooleanField(default=False)
    reopened_after_final = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "path"], name="case_scope_once"),
        ]
        indexes = [
            # A unit's rows by equality (one per case, scope.with_ancestors), newest first as
            # the lists read them, with the case ids and facts from the index alone (INCLUDE
            # on PostgreSQL, last key columns on SQLite: ADR 0021): a count and a page are one
            # range of it.
            CoveringIndex(
                fields=["path", "received_at", "case"],
                include=["live", *(f for f in SCOPE_FACTS if f != "received_at")],
                name="case_scope_page_idx",
            ),
            # A unit's open cases by deadline, for the overdue and due-soon lists: a range of
            # due dates in order, only the open rows (~1 in 5) kept in it. The lists name the
            # statuses as constants (`__among`), so that every plan of a prepared statement can
            # prove this condition (core/lookups.py).
            CoveringIndex(
                fields=["path", "due", "case"],
                include=["live"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="case_scope_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} in {self.path}"


class SimilarityBand(models.Model):
    """LSH band buckets of each petition's text, kept in the database (no per-worker index)."""

    key = models.BigIntegerField()
    # Derived rows, 42 per petition: no foreign-key constraint in the database, whose check
    # ran 84 look-ups at every intake's commit (~0.23 ms of PostgreSQL's CPU). The ORM still
    # deletes them with their petition and case (CASCADE), and the look-up joins them to
    # their petition and case, so a row left by a raw delete is never shown (ADR 0016).
    # Not indexed by petition: petitions are never deleted by the app (append-only), and an
    # index here cost every intake 42 more index entries (ADR 0019). A deletion through the
    # ORM (a benchmark's cleanup, a test) still finds the rows, by scanning.
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        # The look-up reads (key, newest case first) and the petition from the index alone
        # (on SQLite the petition as a last key column: ADR 0021).
        indexes = [CoveringIndex(fields=["key", "case"], include=["petition"], name="band_key_idx")]

    def __str__(self) -> str:
        return f"band {self.key} → case {self.case_id}"


class CaseEvent(models.Model):
    """Append-only history of a case: the staff timeline and (filtered) the citizen's."""

    # Indexed by Meta's (case, at), which serves every read of a case's events.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class ConfidentialRead(models.Model):
    """Every read of a denouncer's identity: who, when, which case, where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    purpose = models.CharField(max_length=60)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} read case {self.case_id} ({self.purpose})"

"""Administrative units across eras, their lineage, and the agencies bound to them."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Era(models.TextChoices):
    THREE_LEVEL = "three_level", _("Three levels (until 30/06/2025)")
    TWO_LEVEL = "two_level", _("Two levels (from 01/07/2025)")


# The first and last day of each era. The three-level data describes the units as they stood
# just before the 2025 reform; the packages give no start date per unit (docs/decisions).
ERA_BOUNDS: dict[str, tuple[dt.date, dt.date | None]] = {
    Era.THREE_LEVEL: (dt.date(2008, 8, 1), dt.date(2025, 6, 30)),
    Era.TWO_LEVEL: (dt.date(2025, 7, 1), None),
}


class Level(models.TextChoices):
    PROVINCE = "province", _("Province level")
    DISTRICT = "district", _("District level")
    COMMUNE = "commune", _("Commune level")


class Kind(models.TextChoices):
    PROVINCE = "tinh", _("Province")
    CENTRAL_CITY = "thanh_pho_trung_uong", _("Centrally governed city")
    DISTRICT = "huyen", _("District")
    URBAN_DISTRICT = "quan", _("Urban district")
    TOWN = "thi_xa", _("District-level town")
    PROVINCIAL_CITY = "thanh_pho", _("Provincial city")
    COMMUNE = "xa", _("Commune")
    WARD = "phuong", _("Ward")
    TOWNSHIP = "thi_tran", _("Township")
    SPECIAL_ZONE = "dac_khu", _("Special zone")


class UnitQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> "UnitQuerySet":
        return self.filter(Q(valid_from__lte=day) | Q(valid_from__isnull=True)).filter(
            Q(valid_to__gte=day) | Q(valid_to__isnull=True)
        )

    def subtree_of(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and every unit below it (same era)."""
        return self.filter(path__startswith=unit.path)

    def children_of(self, unit: "Unit", day: dt.date | None = None) -> "UnitQuerySet":
        qs = self.filter(parent=unit)
        return qs.valid_on(day) if day else qs


class Unit(models.Model):
    """A place in the official hierarchy, identified by its code *and* its era."""

    code = models.CharField(_("code"), max_length=10)
    era = models.CharField(_("era"), max_length=16, choices=Era.choices)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Materialised path "<era>/<province>/<district>/<commune>/" for cheap subtree queries.
    path = models.CharField(max_length=80, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        through="Succession",
        symmetrical=False,
        related_name="predecessors",
        blank=True,
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["era", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "era"], name="unit_code_era_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["path"]), models.Index(fields=["parent", "code"])]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: dt.date) -> bool:
        after_start = self.valid_from is None or self.valid_from <= day
        before_end = self.valid_to is None or day <= self.valid_to
        return after_start and before_end

    def ancestors(self) -> list["Unit"]:
        """From the province down to the parent (one query)."""
        codes = self.path.strip("/").split("/")[1:-1]
        found = {u.code: u for u in Unit.objects.filter(era=self.era, code__in=codes)}
        return [found[c] for c in codes if c in found]


class Succession(models.Model):
    """An old unit's successor in a later era (a merge can give several predecessors)."""

    class Source(models.TextChoices):
        SAME_CODE = "same_code", _("Same official code")
        INFERRED = "inferred", _("Inferred from the units below")
        IMPORTED = "imported", _("Imported mapping")

    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16, choices=Source.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="succession_pair_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class AgencyKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("Party committee")
    PEOPLES_COMMITTEE = "peoples_committee", _("People's Committee")
    PEOPLES_COUNCIL = "peoples_council", _("People's Council")
    FATHERLAND_FRONT = "fatherland_front", _("Fatherland Front")
    MASS_MOBILIZATION = "mass_mobilization", _("Mass Mobilization Commission")
    DEPARTMENT = "department", _("Department or division")
    INSPECTORATE = "inspectorate", _("Inspection commission")
    OTHER = "other", _("Other body")


class Agency(models.Model):
    """A body bound to a unit: Party committee, People's Committee, a department, a school…"""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="agencies")
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_agencies",
        verbose_name=_("head"),
    )
    head_title = models.CharField(_("head's title"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["unit__path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="agency_unit_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

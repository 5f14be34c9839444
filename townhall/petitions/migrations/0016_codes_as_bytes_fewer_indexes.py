"""Codes compared as bytes on PostgreSQL, and three fewer index writes per intake (ADR 0023).

- References, tracking codes, statuses, scope paths and the submitters' keyed hashes take the
  collation "C" on PostgreSQL (`CodeField`): their indexes compare bytes, not the locale's
  order. SQLite compares bytes already; nothing changes there.
- A new case has no competent agency, handling leader or merged-into case: those columns'
  indexes keep only the rows that have one.
- A scope row's case and a petition's unit lose their own index: `case_scope_once` (case,
  path) and `stats_petition_unit_at` (unit, received_at, reports/0003) start with them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import townhall.petitions.models
from townhall.core.schema import CodeField, codes_as_bytes, own_index_dropped

STATUSES = [
    ("received", "Received"),
    ("accepted", "Accepted"),
    ("returned", "Returned with guidance"),
    ("transferred", "Transferred to the competent body"),
    ("assigned", "Assigned"),
    ("answered", "Answered or decided"),
    ("closed", "Closed"),
]


def only_where_set(name: str) -> models.Index:
    return models.Index(
        fields=[name], condition=models.Q((f"{name}__isnull", False)), name=f"case_{name}_idx"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0015_band_index_covering_on_sqlite"),
        ("units", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        codes_as_bytes(
            "petitions",
            "case",
            {
                "reference": CodeField(max_length=24, verbose_name="reference"),
                "status": CodeField(
                    choices=STATUSES, default="received", max_length=20, verbose_name="status"
                ),
            },
        ),
        codes_as_bytes(
            "petitions",
            "petition",
            {
                "tracking_code": CodeField(
                    default=townhall.petitions.models._tracking_code,
                    max_length=16,
                    verbose_name="tracking code",
                ),
            },
        ),
        codes_as_bytes(
            "petitions",
            "submitter",
            {
                "person_key": CodeField(max_length=64),
                "phone_key": CodeField(blank=True, max_length=64),
            },
        ),
        codes_as_bytes(
            "petitions",
            "casescope",
            {
                "path": CodeField(max_length=80),
                "status": CodeField(default="received", max_length=20),
            },
        ),
        own_index_dropped(
            "petitions",
            "case",
            "competent_agency",
            models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="competent_cases",
                to="units.agency",
            ),
            replacement=only_where_set("competent_agency"),
        ),
        own_index_dropped(
            "petitions",
            "case",
            "handling_leader",
            models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="led",
                to=settings.AUTH_USER_MODEL,
            ),
            replacement=only_where_set("handling_leader"),
        ),
        own_index_dropped(
            "petitions",
            "case",
            "merged_into",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_cases",
                to="petitions.case",
            ),
            replacement=only_where_set("merged_into"),
        ),
        own_index_dropped(
            "petitions",
            "casescope",
            "case",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="scope",
                to="petitions.case",
            ),
        ),
        own_index_dropped(
            "petitions",
            "petition",
            "unit",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="petitions",
                to="units.unit",
            ),
        ),
    ]

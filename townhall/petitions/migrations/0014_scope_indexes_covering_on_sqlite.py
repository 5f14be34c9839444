"""The scope rows' two indexes carry their INCLUDE columns as last key columns on SQLite, which
has no INCLUDE: a province's worklist count reads the index alone there too (ADR 0021).
PostgreSQL's indexes are left as they are."""

from django.db import migrations, models

from townhall.core.schema import CoveringIndex, covering_on_sqlite


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0013_unique_without_pattern_index"),
    ]

    operations = [
        covering_on_sqlite(
            "petitions",
            "casescope",
            CoveringIndex(
                fields=["path", "received_at", "case"],
                include=("live", "status", "due", "people", "over_level", "reopened_after_final"),
                name="case_scope_page_idx",
            ),
        ),
        covering_on_sqlite(
            "petitions",
            "casescope",
            CoveringIndex(
                condition=models.Q(("status__in", ("received", "accepted", "transferred", "assigned"))),
                fields=["path", "due", "case"],
                include=("live",),
                name="case_scope_open_due_idx",
            ),
        ),
    ]

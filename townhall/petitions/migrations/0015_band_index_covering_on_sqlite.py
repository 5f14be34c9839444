"""The band index carries the petition as its last key column on SQLite, which has no INCLUDE:
the similar-case look-up reads its candidates from the index alone there too (ADR 0021).
PostgreSQL's index is left as it is."""

from django.db import migrations

from townhall.core.schema import CoveringIndex, covering_on_sqlite


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0014_scope_indexes_covering_on_sqlite"),
    ]

    operations = [
        covering_on_sqlite(
            "petitions",
            "similarityband",
            CoveringIndex(fields=["key", "case"], include=("petition",), name="band_key_idx"),
        ),
    ]

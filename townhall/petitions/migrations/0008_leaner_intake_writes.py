"""Fewer writes per intake (docs/decisions/0016-fewer-writes-per-intake.md).

- No index of its own on Case.unit, Case.assigned_agency, Case.handler and CaseEvent.case:
  an index of Meta starts with each of them.
- The submitters' blind keys get one plain index each instead of a plain and a pattern-ops one
  (PostgreSQL creates both for a CharField with db_index; the keys are only compared whole).
- No foreign-key constraints on the similarity bands in PostgreSQL (derived rows, 42 a petition).

The database side drops what exists by name, found by introspection, instead of letting Django
alter the fields: on SQLite an altered foreign key rebuilds the whole table, which would drop
the triggers migrations petitions/0007 and reports/0005 put on it. SQLite keeps its band
constraints (a table rebuild is the only way to drop them there).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column): the single-column, non-unique indexes on it that go.
DROPPED_INDEXES = [
    ("petitions_case", "unit_id"),
    ("petitions_case", "assigned_agency_id"),
    ("petitions_case", "handler_id"),
    ("petitions_caseevent", "case_id"),
    ("petitions_submitter", "person_key"),
    ("petitions_submitter", "phone_key"),
]
BANDS = "petitions_similarityband"


def _constraints(schema_editor, table):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def _single_column_indexes(schema_editor, table, column):
    return [
        name
        for name, info in _constraints(schema_editor, table).items()
        if info["columns"] == [column]
        and info["index"]
        and not (info["unique"] or info["primary_key"] or info["foreign_key"])
    ]


def drop(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column in DROPPED_INDEXES:
        for name in _single_column_indexes(schema_editor, table, column):
            schema_editor.execute(f"DROP INDEX {quote(name)}")
    if schema_editor.connection.vendor == "postgresql":
        for name, info in _constraints(schema_editor, BANDS).items():
            if info["foreign_key"]:
                schema_editor.execute(f"ALTER TABLE {quote(BANDS)} DROP CONSTRAINT {quote(name)}")


def restore(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column in DROPPED_INDEXES:
        if not _single_column_indexes(schema_editor, table, column):
            name = f"{table}_{column}_restored"[:63]
            schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")
    if schema_editor.connection.vendor == "postgresql":
        for column, target in (
            ("petition_id", "petitions_petition"),
            ("case_id", "petitions_case"),
        ):
            schema_editor.execute(
                f"ALTER TABLE {quote(BANDS)} ADD CONSTRAINT {quote(f'{BANDS}_{column}_fk')} "
                f"FOREIGN KEY ({quote(column)}) REFERENCES {quote(target)} (id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0007_case_scope_facts"),
        ("units", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="assigned_agency",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assigned_cases",
                        to="units.agency",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="handler",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="handled",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="units.unit",
                        verbose_name="locality",
                    ),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="petitions.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="similarityband",
                    name="case",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="petitions.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="similarityband",
                    name="petition",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="petitions.petition",
                    ),
                ),
                migrations.AlterField(
                    model_name="submitter",
                    name="person_key",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="submitter",
                    name="phone_key",
                    field=models.CharField(blank=True, max_length=64),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
        migrations.AddIndex(
            model_name="submitter",
            index=models.Index(fields=["person_key"], name="submitter_person_key_idx"),
        ),
        migrations.AddIndex(
            model_name="submitter",
            index=models.Index(fields=["phone_key"], name="submitter_phone_key_idx"),
        ),
    ]

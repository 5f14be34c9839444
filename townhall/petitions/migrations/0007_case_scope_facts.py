"""The case's worklist facts on its CaseScope rows, kept by triggers (models.CaseScope).

Triggers, not the services, because every write to a case must reach its rows, whatever made
it (a transition, a merge, the admin, `QuerySet.update`); the statistics' monthly marks are
kept the same way (reports/0005). On PostgreSQL a BEFORE INSERT trigger copies the facts into
a new row; SQLite, whose BEFORE triggers cannot change the row, updates it just after.
"""

# ruff: noqa: S608 - every statement is built from the constants below, none from input
from django.db import migrations, models

# (CaseScope column, expression over the case row `{r}`), in one order for every statement.
FACTS = (
    ("live", "{r}.merged_into_id IS NULL"),
    ("status", "{r}.status"),
    ("due", "{r}.due"),
    ("received_at", "{r}.received_at"),
    ("people", "{r}.people"),
    ("over_level", "{r}.over_level"),
    ("reopened_after_final", "{r}.reopened_after_final"),
)
COLUMNS = ", ".join(column for column, _ in FACTS)
CASE_COLUMNS = "merged_into_id, status, due, received_at, people, over_level, reopened_after_final"


def _values(row: str) -> str:
    return ", ".join(expression.format(r=row) for _, expression in FACTS)


def _set(row: str) -> str:
    return ", ".join(f"{column} = {expression.format(r=row)}" for column, expression in FACTS)


POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION petitions_case_scope_facts() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF ({_values("NEW")}) IS DISTINCT FROM ({_values("OLD")}) THEN
            UPDATE petitions_casescope SET {_set("NEW")} WHERE case_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER petitions_case_scope_facts AFTER UPDATE ON petitions_case
    FOR EACH ROW EXECUTE FUNCTION petitions_case_scope_facts()""",
    f"""CREATE OR REPLACE FUNCTION petitions_casescope_copy_facts() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        SELECT {_values("c")}
        INTO {", ".join(f"NEW.{column}" for column, _ in FACTS)}
        FROM petitions_case c WHERE c.id = NEW.case_id;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER petitions_casescope_copy_facts BEFORE INSERT ON petitions_casescope
    FOR EACH ROW EXECUTE FUNCTION petitions_casescope_copy_facts()""",
    f"""UPDATE petitions_casescope s SET {_set("c")}
    FROM petitions_case c WHERE c.id = s.case_id""",
]
SQLITE = [
    f"""CREATE TRIGGER petitions_case_scope_facts AFTER UPDATE OF {CASE_COLUMNS}
    ON petitions_case BEGIN
        UPDATE petitions_casescope SET {_set("NEW")} WHERE case_id = NEW.id;
    END""",
    f"""CREATE TRIGGER petitions_casescope_copy_facts AFTER INSERT ON petitions_casescope BEGIN
        UPDATE petitions_casescope SET ({COLUMNS}) =
            (SELECT {_values("c")} FROM petitions_case c WHERE c.id = NEW.case_id)
        WHERE id = NEW.id;
    END""",
    f"""UPDATE petitions_casescope SET ({COLUMNS}) =
        (SELECT {_values("c")} FROM petitions_case c WHERE c.id = petitions_casescope.case_id)""",
]


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, table in (
        ("petitions_case_scope_facts", "petitions_case"),
        ("petitions_casescope_copy_facts", "petitions_casescope"),
    ):
        if postgres:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0006_band_index_with_petition"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="casescope",
            name="case_scope_path_idx",
        ),
        migrations.AddField(
            model_name="casescope",
            name="due",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="casescope",
            name="live",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="casescope",
            name="over_level",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="casescope",
            name="people",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="casescope",
            name="received_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="casescope",
            name="reopened_after_final",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="casescope",
            name="status",
            field=models.CharField(default="received", max_length=20),
        ),
        migrations.RunPython(create, drop),
        migrations.AddIndex(
            model_name="casescope",
            index=models.Index(
                fields=["path"],
                include=(
                    "case",
                    "live",
                    "status",
                    "due",
                    "received_at",
                    "people",
                    "over_level",
                    "reopened_after_final",
                ),
                name="case_scope_facts_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]

"""The scope rows' insert trigger runs only for a row written without its case's facts.

A new case's scope rows are written with its facts (`scope.start`, in the same statement as
the case on PostgreSQL, where the trigger cannot see the case and found nothing to copy: ADR
0018). Every other insert (`scope.refresh`) writes bare rows, with no `received_at`, and the
trigger fills them as before. With `WHEN (NEW.received_at IS NULL)` the database no longer
calls the trigger for an intake's rows: PostgreSQL spent ~0.1 ms of its CPU per intake looking
for a case it could not see, SQLite an UPDATE of each row just written (ADR 0023).
"""

# ruff: noqa: S608 - every statement is built from the constants of 0007, none from input
from importlib import import_module

from django.db import migrations

facts = import_module("townhall.petitions.migrations.0007_case_scope_facts")

NAME, TABLE = "petitions_casescope_copy_facts", "petitions_casescope"
POSTGRES = (
    f"CREATE TRIGGER {NAME} BEFORE INSERT ON {TABLE} FOR EACH ROW {{when}}"
    f"EXECUTE FUNCTION {NAME}()"
)
SQLITE = f"""CREATE TRIGGER {NAME} AFTER INSERT ON {TABLE} {{when}}BEGIN
        UPDATE {TABLE} SET ({facts.COLUMNS}) =
            (SELECT {facts._values("c")} FROM petitions_case c WHERE c.id = NEW.case_id)
        WHERE id = NEW.id;
    END"""
WHEN = "WHEN (NEW.received_at IS NULL) "


def _trigger(when: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER {NAME} ON {TABLE}")
            schema_editor.execute(POSTGRES.format(when=when))
        else:
            schema_editor.execute(f"DROP TRIGGER {NAME}")
            schema_editor.execute(SQLITE.format(when=when))

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0016_codes_as_bytes_fewer_indexes"),
    ]

    operations = [migrations.RunPython(_trigger(WHEN), _trigger(""))]

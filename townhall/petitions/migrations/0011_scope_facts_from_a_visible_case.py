"""The scope rows' BEFORE INSERT trigger (petitions/0007) copies the case's facts only when it
finds the case (ADR 0018).

A new case's rows are written in one statement on PostgreSQL (`statements.Batch`): the scope
rows' sub-statement does not see the case inserted by another sub-statement of the same
statement, and `SELECT … INTO NEW.…` that finds no row sets every target to NULL. The rows now
keep the facts they are written with (`scope.start` passes the case's) unless the case is
there to copy from. SQLite's trigger (AFTER INSERT, each INSERT on its own) is unchanged.
"""

# ruff: noqa: S608 - every statement is built from the constants of 0007, none from input
from importlib import import_module

from django.db import migrations

facts = import_module("townhall.petitions.migrations.0007_case_scope_facts")

_ALIASED = ", ".join(f"{e.format(r='c')} AS {column}" for column, e in facts.FACTS)
_ASSIGN = " ".join(f"NEW.{column} := copied.{column};" for column, _ in facts.FACTS)
WHEN_FOUND = f"""CREATE OR REPLACE FUNCTION petitions_casescope_copy_facts() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE copied record;
    BEGIN
        SELECT {_ALIASED} INTO copied FROM petitions_case c WHERE c.id = NEW.case_id;
        IF FOUND THEN
            {_ASSIGN}
        END IF;
        RETURN NEW;
    END $$"""
ALWAYS = facts.POSTGRES[2]  # 0007's function


def _replace(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0010_open_cases_by_deadline"),
    ]

    operations = [
        migrations.RunPython(_replace(WHEN_FOUND), _replace(ALWAYS)),
    ]

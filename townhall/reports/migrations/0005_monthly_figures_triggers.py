"""Triggers that mark a unit's month stale on every write to a case or a petition, the marks
for the records already there, and an index of the open cases for the figures that depend on
the reading day (townhall/reports/monthly.py, docs/decisions/0009).

A case's month is that of its `received_on`; a petition's, that of its `received_at` in local
time (settings.TIME_ZONE, Asia/Ho_Chi_Minh: UTC+7 all year, no daylight saving time since
1975 — SQLite, which has no time zones, adds the offset).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

from townhall.petitions.models import OPEN_STATUSES

MARK = "INSERT INTO reports_stalemonth (unit_id, month) VALUES"
TABLES = {"petitions_case": "received_on", "petitions_petition": "received_at"}
OPEN = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
OPEN_INDEX = {
    "postgresql": (
        "CREATE INDEX IF NOT EXISTS stats_open_case_day ON petitions_case (received_on) "
        "INCLUDE (unit_id, status, due, reopened_after_final) "
        f"WHERE status IN ({OPEN}) AND merged_into_id IS NULL"
    ),
    "sqlite": (
        "CREATE INDEX IF NOT EXISTS stats_open_case_day ON petitions_case (received_on) "
        f"WHERE status IN ({OPEN}) AND merged_into_id IS NULL"
    ),
}


def _postgres_month(row: str, column: str) -> str:
    if column == "received_at":
        return f"date_trunc('month', {row}.{column} AT TIME ZONE '{settings.TIME_ZONE}')::date"
    return f"date_trunc('month', {row}.{column})::date"


def _sqlite_month(row: str, column: str) -> str:
    if column == "received_at":
        hours = ZoneInfo(settings.TIME_ZONE).utcoffset(dt.datetime(2025, 1, 1)) / dt.timedelta(
            hours=1
        )
        return f"strftime('%Y-%m-01', {row}.{column}, '{hours:+g} hours')"
    return f"strftime('%Y-%m-01', {row}.{column})"


def _postgres(table: str, column: str) -> list[str]:
    function = f"{table}_mark_month"
    new, old = _postgres_month("NEW", column), _postgres_month("OLD", column)
    return [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'DELETE' THEN
                {MARK} (NEW.unit_id, {new});
            END IF;
            IF TG_OP = 'DELETE' THEN
                {MARK} (OLD.unit_id, {old});
            ELSIF TG_OP = 'UPDATE' AND (OLD.unit_id, {old}) IS DISTINCT FROM (NEW.unit_id, {new})
            THEN
                {MARK} (OLD.unit_id, {old});
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}()""",
    ]


def _sqlite(table: str, column: str) -> list[str]:
    new, old = _sqlite_month("NEW", column), _sqlite_month("OLD", column)
    name = f"{table}_mark_month"
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} "
        f"BEGIN {MARK} (NEW.unit_id, {new}); END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} "
        f"BEGIN {MARK} (OLD.unit_id, {old}); END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} BEGIN "
        f"{MARK} (NEW.unit_id, {new}); "
        f"INSERT INTO reports_stalemonth (unit_id, month) SELECT OLD.unit_id, {old} "
        f"WHERE OLD.unit_id IS NOT NEW.unit_id OR {old} IS NOT {new}; END",
    ]


def _existing(vendor: str) -> str:
    month = _postgres_month if vendor == "postgresql" else _sqlite_month
    reads = " UNION ".join(
        f"SELECT DISTINCT unit_id, {month(table, column)} FROM {table}"  # noqa: S608
        for table, column in TABLES.items()
    )
    return f"INSERT INTO reports_stalemonth (unit_id, month) {reads}"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    build = _postgres if vendor == "postgresql" else _sqlite
    for table, column in TABLES.items():
        for statement in build(table, column):
            schema_editor.execute(statement)
    schema_editor.execute(_existing(vendor))
    schema_editor.execute(OPEN_INDEX["postgresql" if vendor == "postgresql" else "sqlite"])


def drop(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for table in TABLES:
        name = f"{table}_mark_month"
        if postgres:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            for event in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
    schema_editor.execute("DROP INDEX IF EXISTS stats_open_case_day")


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_monthly_figures")]

    operations = [migrations.RunPython(create, drop)]

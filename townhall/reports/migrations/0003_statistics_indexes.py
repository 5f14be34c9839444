"""Indexes for the statistics' reads (townhall/reports/statistics.py), measured with
`python -m bench.reports` at 10 million petitions (docs/benchmarks.md).

A year of a province's cases is a few hundred rows per commune scattered over the whole table
(cases arrive in time order, not by unit): reading them through the heap costs one page per
row. On PostgreSQL the indexes therefore carry every column the yearly figures read
(`INCLUDE`), so the figures come from index-only scans over contiguous ranges — by unit, then
day, for a province; by day for the whole country. SQLite has no `INCLUDE`: there they are
plain indexes on the same keys. They live here, beside the queries that need them; the tables
belong to the petitions and dialogues apps.
"""

from django.db import migrations

CASE_COLUMNS = (
    "id, status, due, acknowledge_due, acknowledged_at, answered_at, received_at, "
    "competent_agency_id, reopened_after_final, people, over_level, merged_into_id"
)
PETITION_COLUMNS = "id, kind, channel, topic_id"  # id: the figures count(id)
# name: (table, key, covered columns on PostgreSQL)
INDEXES = {
    "stats_case_unit_day": ("petitions_case", "unit_id, received_on", CASE_COLUMNS),
    "stats_case_day": ("petitions_case", "received_on", f"unit_id, {CASE_COLUMNS}"),
    "stats_petition_unit_at": ("petitions_petition", "unit_id, received_at", PETITION_COLUMNS),
    "stats_petition_at": ("petitions_petition", "received_at", f"unit_id, {PETITION_COLUMNS}"),
    "stats_conference_unit_held": ("dialogues_conference", "host_unit_id, held_at", ""),
}


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, (table, key, covered) in INDEXES.items():
        include = f" INCLUDE ({covered})" if postgres and covered else ""
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({key}){include}")


def drop(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_seed_dialogue_rules"),
        ("petitions", "0003_case_scope_and_flag_facts"),
        ("dialogues", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]

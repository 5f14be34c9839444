"""Migration operations for our own schema choices (ADR 0020)."""

from django.db import migrations, models


def unique_without_pattern_index(
    model_name: str, name: str, field: models.CharField, *, table: str
) -> migrations.SeparateDatabaseAndState:
    """A `unique=True` CharField made plain, its uniqueness kept as a UniqueConstraint of the
    same name as the database's own (`<table>_<column>_key`), and on PostgreSQL the second,
    pattern-ops index (for LIKE) that `unique=True` had built dropped.

    The database keeps its unique index as it is: nothing is rebuilt, and SQLite (which builds
    no pattern index) does not remake the table, whose rebuild trips the triggers that name it.
    `field` is the field as it now is (without `unique`); its column is its name.
    """
    column = name

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, f"%({column} varchar_pattern_ops)%"],
            )
            names = [name for (name,) in cursor.fetchall()]
        for name in names:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")

    def restore(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX {quote(f'{table}_{column}_like')} ON {quote(table)} "
            f"({quote(column)} varchar_pattern_ops)"
        )

    return migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunPython(drop, restore)],
        state_operations=[
            migrations.AlterField(model_name=model_name, name=name, field=field),
            migrations.AddConstraint(
                model_name=model_name,
                constraint=models.UniqueConstraint(fields=[name], name=f"{table}_{column}_key"),
            ),
        ],
    )

"""Schema pieces for our own choices: unique keys without pattern-ops indexes (ADR 0020),
covering indexes on SQLite (ADR 0021), codes compared byte by byte (ADR 0023)."""

from django.db import migrations, models


class CodeField(models.CharField):
    """A machine-made code (a reference, a tracking code, a status, a unit path, a keyed
    hash): ASCII, compared for equality and sorted only to be found again. On PostgreSQL its
    column takes the collation "C", so the indexes on it compare bytes (`memcmp`) instead of
    calling the database's locale (`strcoll`) at every step of every index search and insert;
    elsewhere it is a plain CharField (SQLite already compares bytes). Sorting ASCII is the
    same either way (ADR 0023).

    Columns compared with one another must all be codes or none: PostgreSQL refuses to
    compare two columns of different collations."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and self.db_collation is None:
            params["collation"] = "C"
        return params


class CoveringIndex(models.Index):
    """An index whose INCLUDE columns become its last key columns where the database has no
    INCLUDE (SQLite), so that a query reading only those columns reads the index alone there
    too; with them, the fields its condition names, which SQLite otherwise reads from the
    table to check the query's own copy of the condition. PostgreSQL builds it as a plain
    `models.Index` would (ADR 0021)."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if self.include and not schema_editor.connection.features.supports_covering_indexes:
            named = sorted(self.condition.referenced_base_fields) if self.condition else []
            widened = models.Index(
                fields=list(dict.fromkeys([*self.fields, *self.include, *named])),
                name=self.name,
                db_tablespace=self.db_tablespace,
                condition=self.condition,
            )
            return widened.create_sql(model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


def covering_on_sqlite(
    app_label: str, model_name: str, index: CoveringIndex
) -> migrations.SeparateDatabaseAndState:
    """`index`, until now a plain `models.Index` with the same arguments, made a CoveringIndex:
    on SQLite it is dropped and built again with its INCLUDE columns as key columns; on
    PostgreSQL nothing is rebuilt (its index is already the same)."""
    plain = models.Index(
        fields=index.fields,
        include=index.include,
        name=index.name,
        db_tablespace=index.db_tablespace,
        condition=index.condition,
    )

    def swap(old, new):
        def run(apps, schema_editor):
            if schema_editor.connection.features.supports_covering_indexes:
                return
            model = apps.get_model(app_label, model_name)
            schema_editor.remove_index(model, old)
            schema_editor.add_index(model, new)

        return run

    return migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunPython(swap(plain, index), swap(index, plain))],
        state_operations=[
            migrations.RemoveIndex(model_name=model_name, name=index.name),
            migrations.AddIndex(model_name=model_name, index=index),
        ],
    )


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


def codes_as_bytes(
    app_label: str, model_name: str, fields: dict[str, CodeField]
) -> migrations.SeparateDatabaseAndState:
    """CharFields made `CodeField`s: on PostgreSQL their columns take the collation "C" (the
    ALTER rebuilds the indexes on them); elsewhere nothing changes in the database.

    Django's own AlterField does the same on PostgreSQL, but on SQLite it remakes the table for
    the new field class, and a remade table loses the triggers and the indexes made by hand
    that name it (ADR 0023). `fields`: name → the field as it now is; its column is its name.
    """

    def collate(collation: str):
        def run(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            table = apps.get_model(app_label, model_name)._meta.db_table
            quote = schema_editor.quote_name
            for column, field in fields.items():
                schema_editor.execute(
                    f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} "
                    f"TYPE varchar({field.max_length}) COLLATE {quote(collation)}"
                )

        return run

    return migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunPython(collate("C"), collate("default"))],
        state_operations=[
            migrations.AlterField(model_name=model_name, name=name, field=field)
            for name, field in fields.items()
        ],
    )


def own_index_dropped(
    app_label: str,
    model_name: str,
    name: str,
    field: models.ForeignKey,
    *,
    replacement: models.Index | None = None,
) -> migrations.SeparateDatabaseAndState:
    """A foreign key's own index (`db_index=True`, Django's default) dropped, and `replacement`
    (say, the same index only over the rows that have a value) added in its place.

    As `codes_as_bytes`: Django's AlterField would remake the table on SQLite. `field` is the
    field as it now is (`db_index=False`)."""

    def own_indexes(model, schema_editor) -> list[str]:
        column = model._meta.get_field(name).column
        with schema_editor.connection.cursor() as cursor:
            found = schema_editor.connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
        return [
            index
            for index, about in found.items()
            if about["index"]
            and about["columns"] == [column]
            and not about["unique"]
            and not about["primary_key"]
            and index != getattr(replacement, "name", None)
        ]

    def drop(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for index in own_indexes(model, schema_editor):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(index)}")
        if replacement is not None:
            schema_editor.add_index(model, replacement)

    def restore(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        if replacement is not None:
            schema_editor.remove_index(model, replacement)
        old = model._meta.get_field(name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[old]))

    state = [migrations.AlterField(model_name=model_name, name=name, field=field)]
    if replacement is not None:
        state.append(migrations.AddIndex(model_name=model_name, index=replacement))
    return migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunPython(drop, restore)], state_operations=state
    )

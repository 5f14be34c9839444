"""A case's scope rows for every unit above its locality and agencies too (ADR 0017), and the
index a unit's lists read in their order."""

from django.db import migrations, models

BATCH = 10_000


def _with_ancestors(paths):
    # townhall.petitions.scope.with_ancestors, as of this migration.
    out = set()
    for path in paths:
        ends = [i for i, ch in enumerate(path) if ch == "/"]
        out.update(path[: end + 1] for end in ends[1:])
    return out


def add_ancestor_rows(apps, schema_editor):
    """The missing rows, case by case; the triggers of 0007 copy the case's facts onto them."""
    CaseScope = apps.get_model("petitions", "CaseScope")
    rows = (
        CaseScope.objects.order_by("case_id", "path")
        .values_list("case_id", "path")
        .iterator(chunk_size=BATCH)
    )
    new, case_id, paths = [], None, set()

    def flush_case():
        if case_id is not None:
            new.extend(
                CaseScope(case_id=case_id, path=p) for p in _with_ancestors(paths) - paths
            )

    for row_case, path in rows:
        if row_case != case_id:
            flush_case()
            case_id, paths = row_case, set()
            if len(new) >= BATCH:
                CaseScope.objects.bulk_create(new, batch_size=BATCH)
                new = []
        paths.add(path)
    flush_case()
    CaseScope.objects.bulk_create(new, batch_size=BATCH)
    if schema_editor is not None and schema_editor.connection.vendor == "postgresql":
        # Check the rows' deferred foreign keys now: PostgreSQL builds no index on a table
        # with checks pending in the transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def drop_ancestor_rows(apps, schema_editor):
    """Back to the four paths: readers of the old shape match prefixes, so the extra rows
    would only be duplicates; removing them needs the cases' units, which scope.refresh reads.
    Kept: the earlier code reads them correctly (it removes duplicates)."""


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0008_leaner_intake_writes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='casescope',
            name='case_scope_facts_idx',
        ),
        migrations.RunPython(add_ancestor_rows, drop_ancestor_rows),
        migrations.AddIndex(
            model_name='casescope',
            index=models.Index(fields=['path', 'received_at', 'case'], include=('live', 'status', 'due', 'people', 'over_level', 'reopened_after_final'), name='case_scope_page_idx'),
        ),
    ]

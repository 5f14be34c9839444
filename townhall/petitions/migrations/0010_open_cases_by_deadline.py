"""A unit's open cases by deadline (ADR 0017): the overdue and due-soon lists."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0009_scope_rows_for_every_unit_above'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='casescope',
            index=models.Index(condition=models.Q(('status__in', ('received', 'accepted', 'transferred', 'assigned'))), fields=['path', 'due', 'case'], include=('live',), name='case_scope_open_due_idx'),
        ),
    ]

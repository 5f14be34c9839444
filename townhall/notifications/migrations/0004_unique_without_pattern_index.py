"""A notification's dedupe key unique by a constraint: the same unique index without the
pattern-ops index (for LIKE) that `unique=True` builds on PostgreSQL and no query reads (ADR 0020)."""

from django.db import migrations, models

from townhall.core.schema import unique_without_pattern_index


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_outbox_lease_and_encrypted_recipient"),
    ]

    operations = [
        unique_without_pattern_index(
            "notification",
            "dedupe_key",
            models.CharField(max_length=200),
            table="notifications_notification",
        ),
    ]

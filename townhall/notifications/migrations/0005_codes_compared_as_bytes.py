"""Dedupe keys and states compared as bytes on PostgreSQL (collation "C", ADR 0023)."""

from django.db import migrations

from townhall.core.schema import CodeField, codes_as_bytes

STATES = [("pending", "Pending"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed")]


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_unique_without_pattern_index"),
    ]

    operations = [
        codes_as_bytes(
            "notifications",
            "notification",
            {
                "dedupe_key": CodeField(max_length=200),
                "state": CodeField(
                    choices=STATES, default="pending", max_length=10, verbose_name="state"
                ),
            },
        ),
    ]

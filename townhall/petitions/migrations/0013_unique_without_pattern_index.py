"""Unique references and tracking codes as constraints: the same unique index, without the
second, pattern-ops index (for LIKE) that `unique=True` builds on PostgreSQL. No query matches
these columns with LIKE, and every intake wrote both (ADR 0020)."""

from django.db import migrations, models

import townhall.petitions.models
from townhall.core.schema import unique_without_pattern_index


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0012_bands_not_indexed_by_petition"),
    ]

    operations = [
        unique_without_pattern_index(
            "case",
            "reference",
            models.CharField(max_length=24, verbose_name="reference"),
            table="petitions_case",
        ),
        unique_without_pattern_index(
            "petition",
            "tracking_code",
            models.CharField(
                default=townhall.petitions.models._tracking_code,
                max_length=16,
                verbose_name="tracking code",
            ),
            table="petitions_petition",
        ),
    ]

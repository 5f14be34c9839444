"""Codes compared as bytes on PostgreSQL; indexes only where intake needs them (ADR 0023)."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import F

from townhall.core.schema import CodeField
from townhall.petitions import services
from townhall.petitions.models import Case, CaseScope, Petition

from .helpers import intake

pytestmark = pytest.mark.django_db

CODES = [
    (model._meta.db_table, field.column)
    for model in apps.get_models()
    for field in model._meta.local_concrete_fields
    if isinstance(field, CodeField)
]


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def test_the_codes_are_the_identifiers_intake_writes():
    assert {
        ("petitions_case", "reference"),
        ("petitions_case", "status"),
        ("petitions_petition", "tracking_code"),
        ("petitions_casescope", "path"),
        ("notifications_notification", "dedupe_key"),
    } <= set(CODES)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="collations are PostgreSQL's")
def test_every_code_column_has_the_byte_collation():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND collation_name IS NOT NULL"
        )
        collations = {(table, column): name for table, column, name in cursor.fetchall()}
    assert {code: collations.get(code) for code in CODES} == dict.fromkeys(CODES, "C")
    # Vietnamese text keeps the database's own order.
    assert ("petitions_petition", "text") not in collations


def test_codes_sort_and_compare_as_before(cast):
    cases = [
        services.petition_receive(
            intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
        ).case
        for _ in range(3)
    ]
    references = sorted(case.reference for case in cases)
    assert list(Case.objects.order_by("reference").values_list("reference", flat=True)) == (
        references
    )
    # A scope row's copy of the status compares with the case's (the same collation).
    copies = CaseScope.objects.filter(case__in=cases).exclude(status=F("case__status"))
    assert not copies.exists()


def test_a_nullable_key_of_a_new_case_is_indexed_only_where_set():
    indexes = _indexes(Case._meta.db_table)
    for name in ("competent_agency", "handling_leader", "merged_into"):
        column = Case._meta.get_field(name).column
        on_it = [
            i for i, about in indexes.items() if about["index"] and about["columns"] == [column]
        ]
        assert on_it == [f"case_{name}_idx"], on_it
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'case_merged_into_idx'"
            )
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'case_merged_into_idx'")
        assert "IS NOT NULL" in cursor.fetchone()[0]


def test_keys_another_index_starts_with_have_no_index_of_their_own():
    for model, name, covering in (
        (CaseScope, "case", "case_scope_once"),
        (Petition, "unit", "stats_petition_unit_at"),
    ):
        indexes = _indexes(model._meta.db_table)
        column = model._meta.get_field(name).column
        assert [i for i, a in indexes.items() if a["index"] and a["columns"] == [column]] == []
        assert indexes[covering]["columns"][0] == column

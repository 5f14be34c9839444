"""PostgreSQL prepares the statements a connection repeats (ADR 0011): they are planned once per
connection instead of on every request (a worklist page's rows read: ~3 ms of planning for
0.6 ms of execution)."""

import pytest
from django.db import connection

from townhall.petitions.models import Case
from townhall.units.models import Unit

from ..test_settings import PRODUCTION, run

pytestmark = pytest.mark.django_db

SHOW_OPTIONS = (
    "from django.conf import settings; print(sorted(settings.DATABASES['default']['OPTIONS']))"
)


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_statement_run_twice_on_a_connection_is_prepared_with_its_joins():
    unit = Unit.objects.first()
    # A shape no other test reads (ordered by version), so that it is not prepared already.
    query = Case.objects.select_related("unit", "topic", "receiving_agency", "handler")
    query = query.order_by("-version", "people")

    def mine() -> list[str]:
        return [s for s in _prepared() if s.endswith('"petitions_case"."people" ASC')]

    assert mine() == []
    for _ in range(3):
        list(query.filter(unit=unit))
    assert len(mine()) == 1
    assert "accounts_user" in mine()[0]
    assert "$1" in mine()[0]  # the unit is a parameter: one plan serves every unit


@pytest.mark.parametrize(
    ("value", "expected"), [(None, ["prepare_threshold", "server_side_binding"]), ("false", [])]
)
def test_prepared_statements_are_on_for_postgresql_unless_switched_off(value, expected):
    env = {**PRODUCTION, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/unused"}
    if value is not None:
        env["DB_PREPARED_STATEMENTS"] = value
    result = run(["shell", "-c", SHOW_OPTIONS], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(expected)

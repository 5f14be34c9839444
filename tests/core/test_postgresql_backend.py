"""Round trips on PostgreSQL (ADR 0019): a reused connection is checked by looking at its
socket, not with `SELECT 1`; a new case without files is one statement after the reads, with no
BEGIN and COMMIT of its own, its ids drawn ahead (one read per `IDS_AHEAD` cases). Read from
libpq's own trace of the messages the client sent."""

import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from tests.cast import Cast
from townhall.core import statements
from townhall.petitions import services
from townhall.petitions.models import Case

from ..petitions.helpers import intake, resident
from ..reference import seed_reference_data

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def _sent(run, on=connection) -> list[str]:
    """What the client sent on the connection `on` while `run()` ran, one entry per round
    trip: the SQL of each extended-protocol exchange (up to its Sync) or simple query."""
    from psycopg import pq

    on.ensure_connection()
    pgconn = on.connection.pgconn
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", errors="replace") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            run()
        finally:
            pgconn.untrace()
        lines = Path(trace.name).read_text(encoding="utf-8", errors="replace").splitlines()
    with on.cursor() as cursor:  # statements prepared before: their SQL by name
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        prepared = dict(cursor.fetchall())
    trips, pending = [], ""
    for line in lines:
        direction, _length, kind, *rest = line.split("\t") + [""]
        if direction != "F":
            continue
        rest = "\t".join(rest)
        if kind == "Parse":  # Parse "name" "sql" ...
            pending = rest[rest.index('" "') + 3 : rest.rindex('"')]
        elif kind == "Bind" and not pending:  # Bind "portal" "statement" ...
            pending = prepared[rest.split('"')[3]]
        elif kind == "Sync":
            trips.append(pending)
            pending = ""
        elif kind == "Query":
            trips.append(rest.strip().strip('"'))
    return trips


@pytest.mark.django_db(transaction=True)
def test_a_new_case_is_one_statement_without_a_transaction_of_its_own():
    seed_reference_data()  # an earlier transactional test's flush removed the units
    cast = Cast.build()
    assert not connection.in_atomic_block
    kept = {}

    def receive():
        kept["receipt"] = services.petition_receive(
            intake=intake(cast.kim_thanh_committee, submitters=[resident(3), resident(4)]),
            actor=cast.kim_thanh_clerk,
        )

    statements.forget_ids()  # the ids are drawn now, ahead of need
    trips = _sent(receive)
    assert "BEGIN" not in trips and "COMMIT" not in trips, trips
    *reads, ids, rows = trips  # reads (the policy, reference tables), the ids, every row
    assert all(sql.lstrip().startswith("SELECT") for sql in reads), reads
    assert "nextval" in ids
    assert rows.startswith("WITH ") and 'INSERT INTO "petitions_case"' in rows
    first = kept["receipt"]
    trips = _sent(receive)  # the next case takes ids drawn ahead: no read of them
    assert not any("nextval" in sql for sql in trips), trips
    assert trips[-1].startswith("WITH ") and trips[-2] in reads, trips
    assert kept["receipt"].case.pk > first.case.pk
    assert kept["receipt"].petition.pk > first.petition.pk
    case = Case.objects.get(pk=kept["receipt"].case.pk)
    assert case.petitions.get().submitters.count() == 2
    assert case.events.filter(action="received").count() == 1


@pytest.mark.django_db
def test_inside_a_transaction_a_new_case_is_written_in_it(cast):
    """Called in an open transaction (an Idempotency-Key's), the writes join it: rolled back
    with it."""
    from django.db import transaction

    before = Case.objects.count()
    with transaction.atomic():
        services.petition_receive(
            intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
        )
        assert Case.objects.count() == before + 1
        transaction.set_rollback(True)
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_the_health_check_sends_nothing_and_sees_a_closed_session():
    other = connections.create_connection("default")
    try:
        other.connect()
        assert other.is_usable()
        assert _sent(other.is_usable, on=other) == []
        other.health_check_enabled, other.health_check_done = True, False
        with other.cursor() as cursor:  # checked first, then used
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        assert other.is_usable()
        with connection.cursor() as cursor:  # the server ends the other session
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while other.is_usable() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not other.is_usable()
        other.health_check_done = False  # a new request: checked again, reopened
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        other.close()

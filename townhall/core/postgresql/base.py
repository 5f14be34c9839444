"""Django's PostgreSQL backend, with a health check that asks the socket, not the server.

Django checks a reused connection at the start of each request (`CONN_HEALTH_CHECKS`) with
`SELECT 1`: one round trip per request, 8-9% of an intake request's time in the worker. An idle
connection that the server has closed (a restart, `idle_session_timeout`,
`pg_terminate_backend`) has something to read: the server's FATAL message, then the end of the
stream. So a connection is usable when libpq says it is open and idle and its socket has
nothing to read; anything waiting on an idle connection (we do not LISTEN) closes it and the
request opens a new one (docs/decisions/0019-fewer-round-trips-per-request.md).
"""

import select

from django.db.backends.postgresql import base, operations
from psycopg import RawCursor, pq


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        if isinstance(cursor, RawCursor):  # $1, $2 … cannot be filled in client-side: as sent
            return sql
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def raw_cursor(self):
        """A cursor for SQL written with PostgreSQL's own placeholders ($1, $2, …), sent as
        it is (psycopg's `RawCursor`). psycopg parses a query with %s placeholders again on
        every execution once it has more than 50 parameters (it caches only smaller ones):
        ~0.1 ms for an intake's one statement of ~100 (`statements.Batch`, ADR 0019)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(RawCursor(self.connection))

    def is_usable(self) -> bool:
        if self.connection is None:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status not in (
            pq.TransactionStatus.IDLE,
            pq.TransactionStatus.INTRANS,
        ):
            return False
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not readable

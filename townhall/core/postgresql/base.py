"""Django's PostgreSQL backend, with a health check that asks the socket, not the server.

Django checks a reused connection at the start of each request (`CONN_HEALTH_CHECKS`) with
`SELECT 1`: one round trip per request, 8-9% of an intake request's time in the worker. An idle
connection that the server has closed (a restart, `idle_session_timeout`,
`pg_terminate_backend`) has something to read: the server's FATAL message, then the end of the
stream. So a connection is usable when libpq says it is open and idle and its socket has
nothing to read; anything waiting on an idle connection (we do not LISTEN) closes it and the
request opens a new one (docs/decisions/0019-a-health-check-without-a-round-trip.md).
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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

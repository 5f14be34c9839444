"""`field__among=(…)`: an IN over a fixed set of the code's own values, written into the SQL.

With server-side binding (docs/decisions/0011) every value of a query reaches PostgreSQL as a
parameter of a prepared statement, and after five executions PostgreSQL may keep one generic
plan for all values. A generic plan cannot tell that `status IN ($1, $2, $3, $4)` is the
condition of a partial index, nor use the list to narrow an index range: a province's overdue
list went from 0.3 to 3.4 ms at the sixth page view (ADR 0017). Written as constants, the list
is part of the statement and every plan uses it.

Only for values the code itself names (statuses, kinds): each must be a short lowercase word,
so quoting it is trivially safe; anything else is refused.
"""

import re

from django.db.models import CharField, Lookup

_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}")


@CharField.register_lookup
class Among(Lookup):
    lookup_name = "among"
    prepare_rhs = False

    def get_prep_lookup(self):
        values = tuple(str(v) for v in self.rhs)
        if not values or not all(_WORD.fullmatch(v) for v in values):
            raise ValueError(f"__among takes the code's own lowercase words, not {self.rhs!r}")
        return values

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        constants = ", ".join(f"'{value}'" for value in self.rhs)
        return f"{lhs} IN ({constants})", params

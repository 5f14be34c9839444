"""`field__among=(…)`: an IN over a fixed set of the code's own values, written into the SQL.

With server-side binding (docs/decisions/0011) every value of a query reaches PostgreSQL as a
parameter of a prepared statement, and after five executions PostgreSQL may keep one generic
plan for all values. A generic plan cannot tell that `status IN ($1, $2, $3, $4)` is the
condition of a partial index, nor use the list to narrow an index range: a province's overdue
list went from 0.3 to 3.4 ms at the sixth page view (ADR 0017). Written as constants, the list
is part of the statement and every plan uses it.

Only for values the code itself names or reads from the database: statuses and kinds (each a
short lowercase word, so quoting it is trivially safe) or ids (Python ints, written as
integers); anything else is refused.

The ids of a user's agencies are written the same way for the "agency" worklist: as a
subquery of the memberships, the planner started from the district's 1,087 scope rows and
probed the cases for each (3 ms at a million cases); with the ids in the statement it reads
the agencies' cases from their indexes (0.3 ms).
"""

import re

from django.db.models import CharField, ForeignKey, IntegerField, Lookup

_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}")


@CharField.register_lookup
@IntegerField.register_lookup
@ForeignKey.register_lookup
class Among(Lookup):
    lookup_name = "among"
    prepare_rhs = False

    def get_prep_lookup(self):
        values = tuple(self.rhs)
        if values and all(type(v) is int for v in values):
            return values
        words = tuple(str(v) for v in values if isinstance(v, str))
        if not words or len(words) != len(values) or not all(map(_WORD.fullmatch, words)):
            raise ValueError(
                f"__among takes the code's own lowercase words or ids, not {self.rhs!r}"
            )
        return words

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = self.rhs  # what get_prep_lookup returned: ints, or words
        constants = ", ".join(str(v) if type(v) is int else f"'{v}'" for v in values)
        return f"{lhs} IN ({constants})", params

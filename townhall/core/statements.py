"""Queries written with the ORM, compiled to SQL once and run again with new values (ADR 0015).

Building and compiling a queryset costs Django 0.6-1 ms of CPU on the benchmark's hosts, where
sending the SQL it produces and reading the rows back costs 0.1-0.2 ms: on the API's hottest
paths (the bearer token, a user's jurisdiction, a page of cases) compiling was most of the
request. A `Statement` keeps the query where it is written, in the ORM (the models, their
relations and the access policy stay its one definition), and compiles it once per database
and shape of its inputs:

    TOKEN = Statement(lambda key: ApiToken.objects.filter(key_hash=key).values_list("id"))
    TOKEN.rows(key_hash)  # -> [(id,)]

On first use for a shape, `build` is called with probes: unique values of the same kinds as
the inputs (negative integers for integers, marker strings for strings, lists of the same
length for lists). Every parameter of the compiled SQL must be a probe or a constant of the
query, and every probe must reach the SQL: as itself (a list whole, as a PostgreSQL array, or
element by element), as the LIKE pattern of Django's startswith, contains or endswith (escaped
at run time by the backend, as Django does), or as the end of a prefix range (the policy's
paths on SQLite). An input transformed any other way is refused when the statement is
compiled, loudly, never run with a wrong value; such queries use `compiled()`, which keeps
the SQL of each distinct set of inputs instead.

Rows come back through the compiler's own converters (those `results_iter` applies, worked out
once per shape), as the queryset would give them: aware datetimes and dates on SQLite too.
`build` must depend on its arguments only: what else it reads (settings, constants) is compiled
in for the life of the process.
"""

import contextlib
import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Field, Model, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler

VALUES_ROWS = 16
"""Up to this many rows, a compiled INSERT lists its values row by row (`VALUES`) on
PostgreSQL too, where Django would send one array per column (`UNNEST`): see `_Insert`."""

_PROBE_INT = -1_987_654_321  # inside a 32-bit column's range: Django refuses a value outside it
_MISSING = object()
_STATEMENTS: list["Statement"] = []

Value = int | str
Input = Value | Sequence[Value] | None


def _probe(value: Value | None, n: int) -> Value | None:
    if value is None or value == "":
        # An input this shape does not use, or an empty string (nothing to find in the SQL, and
        # a LIKE prefix or range of it is another query): kept as a constant of its own shape.
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(
            f"a Statement's inputs are integers, strings or lists of them, not {type(value)}"
        )
    return _PROBE_INT - n if isinstance(value, int) else f"~probe{n}~"


def _kind(value: Any) -> Any:
    return "" if value == "" else type(value)


def _successor(value: str) -> str:
    """The first string after every string starting with `value` (a prefix as a range)."""
    return value[:-1] + chr(ord(value[-1]) + 1)


# How an input may reach the SQL: unchanged, as a LIKE pattern (Django's pattern lookups:
# startswith, contains, endswith, escaped by the backend) or as the end of a prefix range.
_FORMS: dict[str, Callable[[Any, Any], Any]] = {
    "same": lambda value, connection: value,
    "startswith": lambda value, connection: f"{connection.ops.prep_for_like_query(value)}%",
    "contains": lambda value, connection: f"%{connection.ops.prep_for_like_query(value)}%",
    "endswith": lambda value, connection: f"%{connection.ops.prep_for_like_query(value)}",
    "successor": lambda value, connection: _successor(value),
}


def _shapes_of(probe: Value) -> dict[tuple, str]:
    if probe == "":
        return {}
    if isinstance(probe, int):
        return {(int, probe): "same"}
    return {
        (str, probe): "same",
        (str, f"{probe}%"): "startswith",
        (str, f"%{probe}%"): "contains",
        (str, f"%{probe}"): "endswith",
        (str, _successor(probe)): "successor",
    }


class _Compiled:
    """One shape's SQL, where each parameter comes from (an input, an element of a list input,
    in one of `_FORMS`, or a constant of the query) and the compiler that converts the rows."""

    def __init__(self, queryset: QuerySet, probes: list, alias: str):
        compiler = queryset.query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        found: dict[tuple, tuple] = {}
        for i, probe in enumerate(probes):
            if probe is None:
                continue
            if isinstance(probe, list):
                found[(list, tuple(probe))] = (i, None, "same")
                for j, element in enumerate(probe):
                    found.update({k: (i, j, f) for k, f in _shapes_of(element).items()})
            else:
                found.update({k: (i, None, f) for k, f in _shapes_of(probe).items()})
        self.slots: list = []
        for param in params:
            key = (list, tuple(param)) if isinstance(param, list | tuple) else (type(param), param)
            try:
                self.slots.append(found.get(key, (_MISSING, param)))
            except TypeError:  # an unhashable constant (a JSON value)
                self.slots.append((_MISSING, param))
        used = {(slot[0], slot[1]) for slot in self.slots if slot[0] is not _MISSING}
        missing = [
            i
            for i, probe in enumerate(probes)
            if probe is not None
            and probe != ""
            and (i, None) not in used
            and not (
                isinstance(probe, list)
                and all((i, j) in used or probe[j] == "" for j in range(len(probe)))
            )
        ]
        if missing:
            raise ImproperlyConfigured(
                f"inputs {missing} do not reach the SQL as themselves or as a LIKE pattern or "
                "range of themselves; use compiled()"
            )
        self.compiler = compiler
        # The rows' converters, worked out once: `results_iter` works them out on every call
        # (~3% of a worklist page's CPU, two or three statements a page).
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.composite = compiler.has_composite_fields(fields)

    def convert(self, found: list) -> list:
        """The fetched rows as `results_iter(tuple_expected=True)` gives them."""
        if self.composite:
            return list(self.compiler.results_iter(results=[found], tuple_expected=True))
        if self.converters:
            found = self.compiler.apply_converters(found, self.converters)
        return list(map(tuple, found))

    def params(self, inputs: tuple, connection) -> list:
        out = []
        for slot in self.slots:
            if slot[0] is _MISSING:
                out.append(slot[1])
                continue
            i, j, form = slot
            value = inputs[i] if j is None else inputs[i][j]
            out.append(value if form == "same" else _FORMS[form](value, connection))
        return out


class Statement:
    """A `values_list()` query built by `build(*inputs, **fixed)`, compiled once per database
    and shape: the kinds of the inputs, the lengths of the lists and the `fixed` values (which
    are passed to `build` as they are, not probed: choices that change the query's shape)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._shapes: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()
        _STATEMENTS.append(self)

    def rows(self, *inputs: Input, using: str = DEFAULT_DB_ALIAS, **fixed: Hashable) -> list:
        """The rows for these inputs, as tuples (what `values_list()` would give)."""
        connection = connections[using]
        shape = tuple(
            tuple(map(_kind, value)) if isinstance(value, list | tuple) else _kind(value)
            for value in inputs
        )
        key = (using, connection.vendor, shape, tuple(sorted(fixed.items())))
        compiled = self._shapes.get(key)
        if compiled is None:
            compiled = self._compile(key, inputs, using, fixed)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params(inputs, connection))
            found = cursor.fetchall()
        return compiled.convert(found)

    def _compile(self, key: tuple, inputs: tuple, using: str, fixed: dict) -> _Compiled:
        n = 0
        probes: list = []
        for value in inputs:
            if isinstance(value, list | tuple):
                probes.append([_probe(v, n + k) for k, v in enumerate(value)])
                n += len(value)
            else:
                probes.append(_probe(value, n))
                n += 1
        compiled = _Compiled(self.build(*probes, **fixed), probes, using)
        with self._lock:
            self._shapes[key] = compiled
        return compiled


def objects(row: Sequence, *parts: tuple[type[Model], Sequence[str]]) -> list[Model]:
    """The model objects a `Statement` row holds, part after part: each part a model and the
    fields of it the row carries, in order (what `Model.from_db` takes; others are deferred)."""
    out, start = [], 0
    for model, fields in parts:
        out.append(model.from_db(DEFAULT_DB_ALIAS, fields, row[start : start + len(fields)]))
        start += len(fields)
    return out


class _Insert:
    """The compiled INSERT of `rows` new objects of `model` (`insert`)."""

    def __init__(
        self, model: type[Model], objs: Sequence[Model], connection, ignore: bool, with_ids=False
    ):
        """`with_ids`: the objects' ids are written (drawn ahead, `Batch`), nothing returned."""
        meta = model._meta
        if pre_save.has_listeners(model) or post_save.has_listeners(model):
            raise ImproperlyConfigured(
                f"{meta.label} has save signal receivers; statements.insert sends no signals"
            )
        self.fields: list[Field] = [
            f
            for f in meta.local_concrete_fields
            if not f.generated and (with_ids or f is not meta.pk)
        ]
        if any(hasattr(f, "get_placeholder") for f in self.fields):
            raise ImproperlyConfigured(f"{meta.label} has a field with its own SQL placeholder")
        self._rows(objs, connection)  # refuses expressions before they are compiled in
        features = connection.features
        returns = features.can_return_rows_from_bulk_insert or len(objs) == 1
        if not with_ids and not (returns and features.can_return_columns_from_insert):
            raise ImproperlyConfigured(f"{connection.vendor} cannot return the ids it inserts")
        query = InsertQuery(model, on_conflict=OnConflict.IGNORE if ignore else None)
        query.insert_values(self.fields, objs)
        compiler = query.get_compiler(connection=connection)
        if len(objs) <= VALUES_ROWS:
            # Django's PostgreSQL compiler sends several rows as one array per column (UNNEST),
            # to save the server planning a long VALUES list. These statements are compiled
            # once and prepared, so that saves nothing here, while psycopg dumps each array in
            # Python, element by element: an intake's two scope rows cost more as nine arrays
            # than as eighteen values. The base compiler's row-by-row form, as on SQLite
            # (ADR 0022).
            compiler.assemble_as_sql = SQLInsertCompiler.assemble_as_sql.__get__(compiler)
        compiler.returning_fields = [] if with_ids else [meta.pk]
        [(self.sql, params)] = compiler.as_sql()
        # Past VALUES_ROWS rows PostgreSQL inserts from one array per column (UNNEST), else
        # one placeholder per value, row after row: the parameters come in the same order.
        self.by_column = "UNNEST(" in self.sql
        expected = len(self.fields) if self.by_column else len(self.fields) * len(objs)
        if len(params) != expected:
            raise ImproperlyConfigured(f"unexpected INSERT for {meta.label}: {self.sql}")

    def _rows(self, objs: Sequence[Model], connection) -> list[list]:
        """Each object's values as its fields prepare them for the database, row by row."""
        rows = []
        for obj in objs:
            row = []
            for field in self.fields:
                value = field.pre_save(obj, True)
                if hasattr(value, "resolve_expression"):
                    raise TypeError(f"statements.insert takes values, not {value!r}")
                row.append(field.get_db_prep_save(value, connection))
            rows.append(row)
        return rows

    def params(self, objs: Sequence[Model], connection) -> list:
        rows = self._rows(objs, connection)
        if self.by_column:
            return [list(column) for column in zip(*rows, strict=True)]
        return [value for row in rows for value in row]


_INSERTS: dict[tuple, _Insert] = {}


def insert(
    objs: Sequence[Model], *, ignore_conflicts: bool = False, using: str = DEFAULT_DB_ALIAS
) -> list[Model]:
    """Write new objects of one model in one INSERT, as `bulk_create` would (each field's
    `pre_save` and `get_db_prep_save`, defaults, `auto_now_add`; the ids read back and set),
    with the SQL compiled once per model, number of rows and database.

    For the rows every petition received writes: `Model.save()` compiles its INSERT each time,
    about a sixth of an intake's CPU. No signals are sent, so a model with `pre_save` or
    `post_save` receivers is refused, as are expressions for values.

    `ignore_conflicts` (PostgreSQL, one object): `ON CONFLICT DO NOTHING`, the object
    returned written, or nothing when a unique value was taken; the transaction goes on.
    (SQLite's form, `INSERT OR IGNORE`, would also drop a row that breaks a NOT NULL or CHECK
    constraint without a word: refused there.)
    """
    if not objs:
        return []
    model = _new_of_one_model(objs, "statements.insert")
    connection = connections[using]
    if ignore_conflicts and (connection.vendor != "postgresql" or len(objs) != 1):
        raise ImproperlyConfigured("ignore_conflicts: one object, on PostgreSQL")
    key = (using, connection.vendor, model, len(objs), ignore_conflicts)
    compiled = _INSERTS.get(key)
    if compiled is None:
        compiled = _INSERTS.setdefault(key, _Insert(model, objs, connection, ignore_conflicts))
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params(objs, connection))
        ids = cursor.fetchall()
    if not ids and ignore_conflicts:
        return []
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
    return list(objs)


def _new_of_one_model(objs: Sequence[Model], what: str) -> type[Model]:
    """The model of `objs`, refused unless all are new (no id) and of that one model."""
    model = type(objs[0])
    if any(type(obj) is not model or obj.pk is not None for obj in objs):
        raise ValueError(f"{what} takes new objects (no id) of one model")
    return model


def _related(objs: Sequence[Model]) -> None:
    """Copy the ids of related objects saved (or given ids) since these were made into their
    foreign key columns, as `save()` and `bulk_create` do."""
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")


class _Rows(NamedTuple):
    """New objects of one model in a `Batch`."""

    objs: list[Model]
    ignore: bool  # ON CONFLICT DO NOTHING
    with_ids: bool  # ids drawn ahead and written


class _Sql(NamedTuple):
    """A statement of its own in a `Batch` (`add_sql`)."""

    sql: str
    params: list


class Batch:
    """New rows of several tables written together (ADR 0018).

    On PostgreSQL the rows are written by one statement at `write()`: each table's INSERT a
    data-modifying CTE of it, so an intake's eight INSERTs are one round trip and one
    statement for the server. Rows that others name get their ids first (`with_ids`: from
    the ids this process drew ahead, one read of the sequences per ~16 cases), and a row's
    foreign keys are taken from its related objects when the batch is written. Elsewhere
    (SQLite, in-process, no round trips) each INSERT runs as it is added, `with_ids` groups
    first, in order.

    The sub-statements of one statement do not see each other's rows: a trigger that reads
    another table of the batch finds nothing there (a reason to pass its values in, as
    `scope.start` does); foreign keys are checked at commit (Django's are deferred).
    """

    def __init__(self, using: str = DEFAULT_DB_ALIAS):
        self.using = using
        self.connection = connections[using]
        self.together = self.connection.vendor == "postgresql"
        self._parts: list[_Rows | _Sql] = []

    def atomic(self, *, alone: bool):
        """The transaction for writing this batch, as `transaction.atomic()`, or none when the
        batch is `alone` (nothing else is written meanwhile) on PostgreSQL and no transaction
        is open: its one statement is atomic by itself, and BEGIN and COMMIT would be two
        round trips more (ADR 0019). Drawing ids before it writes nothing (sequences are not
        transactional); what the caller reads meanwhile is read outside a transaction."""
        if alone and self.together and not self.connection.in_atomic_block:
            return contextlib.nullcontext()
        return transaction.atomic(using=self.using)

    def with_ids(self, *groups: Sequence[Model]) -> None:
        """Give each object of these groups (each of one model, new) its id now."""
        groups = tuple(list(group) for group in groups if group)
        for group in groups:
            _new_of_one_model(group, "Batch.with_ids (each group)")
        if not self.together:
            for group in groups:
                _related(group)
                insert(group, using=self.using)
            return
        ids = _draw_ids([(type(group[0]), len(group)) for group in groups], self.connection)
        for group, drawn in zip(groups, ids, strict=True):
            for obj, pk in zip(group, drawn, strict=True):
                obj.pk = pk
            self._parts.append(_Rows(group, False, True))

    def add(self, objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
        """New objects of one model, written with the batch (PostgreSQL) or now. With
        `ignore_conflicts` (PostgreSQL only, as `insert`), a row whose unique value is taken is
        skipped when the batch is written."""
        objs = list(objs)
        if not objs:
            return
        if not self.together:
            _related(objs)
            insert(objs, ignore_conflicts=ignore_conflicts, using=self.using)
            return
        _new_of_one_model(objs, "Batch.add")
        self._parts.append(_Rows(objs, ignore_conflicts, False))

    def add_sql(self, sql: str, params: Sequence) -> None:
        """An INSERT, UPDATE or DELETE of its own (PostgreSQL), written with the batch."""
        if not self.together:
            raise ImproperlyConfigured("Batch.add_sql is for PostgreSQL's batches")
        self._parts.append(_Sql(sql, list(params)))

    def write(self) -> None:
        """Write what was added (PostgreSQL: in one statement); the batch is empty after."""
        parts, self._parts = self._parts, []
        if not parts:
            return
        rows = [part for part in parts if isinstance(part, _Rows)]
        for part in rows:
            _related(part.objs)
        shape = tuple(
            part.sql
            if isinstance(part, _Sql)
            else (type(part.objs[0]), len(part.objs), part.ignore, part.with_ids)
            for part in parts
        )
        key = (self.using, self.connection.vendor, shape)
        sql = _BATCHES.get(key)
        if sql is None:
            sql = _BATCHES.setdefault(key, _numbered(self._compile(parts)))
        params: list = []
        for part in parts:
            if isinstance(part, _Sql):
                params.extend(part.params)
            else:
                params.extend(self._insert_of(part).params(part.objs, self.connection))
        with self.connection.raw_cursor() as cursor:  # townhall.core.postgresql
            cursor.execute(sql, params)
        for part in rows:
            for obj in part.objs:
                obj._state.adding, obj._state.db = False, self.using

    def _insert_of(self, part: "_Rows") -> "_Insert":
        model, count = type(part.objs[0]), len(part.objs)
        key = (self.using, self.connection.vendor, model, count, part.ignore, part.with_ids)
        compiled = _INSERTS.get(key)
        if compiled is None:
            made = _Insert(model, part.objs, self.connection, part.ignore, with_ids=part.with_ids)
            compiled = _INSERTS.setdefault(key, made)
        return compiled

    def _compile(self, parts: list) -> str:
        sqls = [p.sql if isinstance(p, _Sql) else self._insert_of(p).sql for p in parts]
        *first, last = sqls
        head = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(first))
        return f"WITH {head} {last}" if first else last


_BATCHES: dict[tuple, str] = {}
_PLACEHOLDER = re.compile(r"%([%s])")


def _numbered(sql: str) -> str:
    """Django's SQL with PostgreSQL's own placeholders: each %s numbered in order, %% a %
    (sent through a raw cursor, which psycopg does not parse again on each execution)."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m[1] == "%" else f"${next(numbers)}", sql)


_SEQUENCES: dict[tuple, str] = {}

IDS_AHEAD = 16
"""Ids this process draws ahead of need from each sequence a `Batch` takes ids from: one read
of the sequences per ~16 new cases instead of one per case (ADR 0019). Ids are then unique
but only roughly in creation order across processes (within the block): order by time, not
by id, where the order matters."""
_AHEAD: dict[tuple, list[int]] = {}  # (database, sequence) -> ids drawn and not used, ascending
_AHEAD_LOCK = threading.Lock()


def _draw_ids(groups: list[tuple[type[Model], int]], connection) -> list[list[int]]:
    """`count` new ids of each model's table (PostgreSQL), ascending, from the ids this process
    drew ahead; when one runs short, every one of them is topped up in one read."""
    with _AHEAD_LOCK:
        names = [_sequence(model, connection) for model, _ in groups]
        database = connection.settings_dict["NAME"]
        pools = [_AHEAD.setdefault((database, name), []) for name in names]
        if any(len(pool) < count for pool, (_, count) in zip(pools, groups, strict=True)):
            wanted = [
                count + IDS_AHEAD - len(pool)
                for pool, (_, count) in zip(pools, groups, strict=True)
            ]
            for pool, drawn in zip(pools, _nextvals(names, wanted, connection), strict=True):
                pool.extend(drawn)
                pool.sort()
        out = []
        for pool, (_, count) in zip(pools, groups, strict=True):
            out.append(pool[:count])
            del pool[:count]
        return out


def forget_ids() -> None:
    """Drop the ids drawn ahead (after a restore has reset the sequences)."""
    with _AHEAD_LOCK:
        _AHEAD.clear()


def _sequence(model: type[Model], connection) -> str:
    meta = model._meta
    key = (connection.alias, meta.db_table)
    if key not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
            _SEQUENCES[key] = cursor.fetchone()[0]
    return _SEQUENCES[key]


def _nextvals(names: list[str], counts: list[int], connection) -> list[list[int]]:
    """`counts` new values of each sequence, in one read."""
    arrays = ", ".join(
        "ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))" for _ in names
    )
    params = [value for pair in zip(names, counts, strict=True) for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {arrays}", params)  # noqa: S608 - placeholders only  # nosec B608
        return [list(ids) for ids in cursor.fetchone()]


class _Kept:
    """The SQL of the `size` most recently used keys (`compiled()`)."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self.lock:
            found = self.items.get(key, _MISSING)
            if found is not _MISSING:
                self.items.move_to_end(key)
                return found
        made = make()
        with self.lock:
            self.items[key] = made
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return made


_KEPT = _Kept(2048)


def compiled(key: Hashable, make: Callable[[], Any], *, using: str = DEFAULT_DB_ALIAS) -> Any:
    """What `make()` compiles (SQL and its parameters) for `key`, kept for the next call with
    the same key on the same database. `key` must hold every input `make` reads."""
    connection = connections[using]
    return _KEPT.get((using, connection.vendor, key), make)


def forget() -> None:
    """Drop every compiled statement (tests that change settings a query compiles in)."""
    with _KEPT.lock:
        _KEPT.items.clear()
    _INSERTS.clear()
    _BATCHES.clear()
    forget_ids()
    for statement in _STATEMENTS:
        with statement._lock:
            statement._shapes.clear()

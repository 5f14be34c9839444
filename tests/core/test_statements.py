"""Statements compiled once from the ORM and run again with new values (core/statements.py,
ADR 0015): the same rows as the queryset for every input, the values converted as the ORM
converts them, and an input that would reach the SQL transformed refused at compile time."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext

from townhall.accounts import policy
from townhall.core import statements
from townhall.core.statements import Statement
from townhall.notifications.models import Notification
from townhall.units.models import Agency, Unit

pytestmark = pytest.mark.django_db


def _by_code(code):
    return Unit.objects.filter(code=code).order_by("era", "pk").values_list("pk", "name", "era")


def test_the_rows_are_the_querysets_for_every_input_and_compiled_once(units):
    statement = Statement(_by_code)
    codes = list(Unit.objects.values_list("code", flat=True).distinct()[:25]) + ["no-such-code"]
    for code in codes:
        assert statement.rows(code) == list(_by_code(code))
    assert len(statement._shapes) == 1  # one shape: one string


def test_lists_are_compiled_once_per_length_and_read_element_by_element(units):
    statement = Statement(
        lambda pks: Unit.objects.filter(pk__in=pks).order_by("pk").values_list("pk", "code")
    )
    pks = list(Unit.objects.order_by("?").values_list("pk", flat=True)[:40])
    for n in (1, 3, 3, 7):
        for start in (0, 10, 20):
            chosen = pks[start : start + n]
            expected = list(
                Unit.objects.filter(pk__in=chosen).order_by("pk").values_list("pk", "code")
            )
            assert statement.rows(chosen) == expected
    assert len(statement._shapes) == 3


def test_values_are_converted_as_the_orm_converts_them(cast):
    """Dates and aware datetimes on SQLite too (the compiler's converters run on the rows)."""
    statement = Statement(
        lambda pk: Agency.objects.filter(pk=pk).values_list("unit__valid_from", "unit__name")
    )
    agency = Agency.objects.select_related("unit").exclude(unit__valid_from=None).first()
    ((valid_from, name),) = statement.rows(agency.pk)
    assert isinstance(valid_from, dt.date) and valid_from == agency.unit.valid_from
    assert name == agency.unit.name
    # The converters are worked out when the shape is compiled, not on every call.
    [compiled] = statement._shapes.values()
    compiled.compiler.get_converters = None  # would fail if called
    assert statement.rows(agency.pk) == [(valid_from, name)]
    [note] = statements.insert([_notification("converted")])
    aware = Statement(lambda pk: Notification.objects.filter(pk=pk).values_list("available_at"))
    for _ in range(2):
        assert aware.rows(note.pk) == [(dt.datetime(2027, 2, 5, 9, 30, tzinfo=dt.UTC),)]


def test_a_prefix_is_escaped_at_run_time_as_django_escapes_it(units):
    """startswith: the LIKE pattern is made from the input on every run, `%` and `_` escaped."""
    statement = Statement(
        lambda path: Unit.objects.filter(path__startswith=path).order_by("pk").values_list("pk")
    )
    province = Unit.objects.filter(parent=None).first()
    assert statement.rows(province.path) == list(
        Unit.objects.filter(path__startswith=province.path).order_by("pk").values_list("pk")
    )
    assert len(statement.rows(province.path)) > 1
    # "_" is a LIKE wildcard: unescaped, "three_level" would also match "threeXlevel".
    assert statement.rows(province.path.replace("_", "%")) == []


def test_the_policy_paths_work_as_a_range_on_sqlite_and_a_pattern_on_postgresql(cast):
    """The jurisdiction filter (`policy.paths_filter`) reaches SQLite as a range whose end is
    computed from the path: the statement computes it again for each run."""
    statement = Statement(
        lambda paths: Unit.objects.filter(policy.paths_filter(paths, "path"))
        .order_by("pk")
        .values_list("pk")
    )
    for unit in Unit.objects.exclude(parent=None).order_by("pk")[:5]:
        expected = list(
            Unit.objects.filter(policy.paths_filter([unit.path], "path"))
            .order_by("pk")
            .values_list("pk")
        )
        assert statement.rows([unit.path]) == expected
        assert (unit.pk,) in expected


def test_an_input_transformed_on_its_way_is_refused_when_compiled(units):
    """Upper-casing in Python: the probe never reaches the SQL as itself, so the statement is
    refused instead of ever running with a stale value."""
    statement = Statement(lambda code: Unit.objects.filter(code=code.upper()).values_list("pk"))
    with pytest.raises(ImproperlyConfigured, match="do not reach the SQL"):
        statement.rows("abc")
    # Done in SQL instead (a database function), the input reaches it unchanged.
    fine = Statement(
        lambda era, pk: Unit.objects.annotate(up=Upper("era"))
        .filter(up=era, pk=pk)
        .values_list("pk")
    )
    unit = Unit.objects.first()
    assert fine.rows(unit.era.upper(), unit.pk) == [(unit.pk,)]
    assert fine.rows(unit.era, unit.pk) == []


def test_inputs_must_be_integers_strings_or_lists_of_them(units):
    statement = Statement(lambda day: Unit.objects.filter(valid_from=day).values_list("pk"))
    with pytest.raises(TypeError, match="integers, strings"):
        statement.rows(dt.date(2025, 7, 1))
    with pytest.raises(TypeError, match="integers, strings"):
        statement.rows(True)


def test_fixed_choices_give_shapes_of_their_own(units):
    def build(code, *, newest_first):
        order = "-pk" if newest_first else "pk"
        return Unit.objects.filter(code__startswith=code).order_by(order).values_list("pk")

    statement = Statement(build)
    prefix = Unit.objects.first().code[:1]
    up = statement.rows(prefix, newest_first=False)
    down = statement.rows(prefix, newest_first=True)
    assert up == list(reversed(down)) and len(up) > 1
    assert len(statement._shapes) == 2


def test_one_statement_is_one_query_and_forget_compiles_again(units):
    statement = Statement(_by_code)
    statement.rows("01")
    with CaptureQueriesContext(connection) as queries:
        statement.rows("02")
    assert len(queries) == 1
    statements.forget()
    assert statement._shapes == {}


def test_compiled_keeps_what_it_made_per_key(units):
    made = []

    def make(code):
        made.append(code)
        return _by_code(code).query.sql_with_params()

    first = statements.compiled(("test", "01"), lambda: make("01"))
    again = statements.compiled(("test", "01"), lambda: make("01"))
    other = statements.compiled(("test", "02"), lambda: make("02"))
    assert first == again and first != other
    assert made == ["01", "02"]


def test_an_empty_string_is_a_shape_of_its_own(units):
    """An empty prefix matches everything: its own query, not the pattern of a probe."""
    statement = Statement(lambda path: Unit.objects.filter(path__startswith=path).values_list("pk"))
    some = Unit.objects.exclude(parent=None).first()
    assert len(statement.rows(some.path)) < Unit.objects.count()
    assert len(statement.rows("")) == Unit.objects.count()
    assert len(statement.rows(some.path)) < Unit.objects.count()


# --- compiled INSERTs ------------------------------------------------------------------------
def _stored(model, pk, *skip):
    """A row as the ORM reads it back, without the columns that differ by design."""
    values = model.objects.filter(pk=pk).values().get()
    return {k: v for k, v in values.items() if k not in ("id", *skip)}


def test_an_insert_stores_what_save_stores(cast):
    from tests.petitions.helpers import intake
    from townhall.petitions.models import CaseEvent
    from townhall.petitions.services import petition_receive

    case = petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
    ).case
    made = {
        "case": case,
        "at": dt.datetime(2027, 2, 5, 9, 30, tzinfo=dt.UTC),
        "actor": cast.kim_thanh_clerk,
        "action": "noted",
        "from_status": "received",
        "to_status": "received",
        "note": "Ghi chú có dấu: Đầm Chợ",
        "data": {"tracking_code": "TH-1", "list": [1, "hai"]},
    }
    [inserted] = statements.insert([CaseEvent(**made)])
    saved = CaseEvent.objects.create(**made)
    assert inserted.pk and inserted.pk != saved.pk and not inserted._state.adding
    assert _stored(CaseEvent, inserted.pk) == _stored(CaseEvent, saved.pk)
    # Defaults, an encrypted field and auto_now_add, as save() writes them.
    fields = {"channel": "sms", "recipient": "0912345678", "body": "b", "purpose": "p"}
    now = dt.datetime(2027, 2, 5, 9, 30, tzinfo=dt.UTC)
    [a] = statements.insert([Notification(dedupe_key="a", available_at=now, **fields)])
    b = Notification.objects.create(dedupe_key="b", available_at=now, **fields)
    assert Notification.objects.get(pk=a.pk).recipient == "0912345678"
    assert _stored(Notification, a.pk, "dedupe_key", "created_at", "recipient") == _stored(
        Notification, b.pk, "dedupe_key", "created_at", "recipient"
    )
    assert a.created_at is not None
    assert Notification.objects.get(pk=a.pk).created_at == a.created_at


def test_several_rows_are_one_statement_with_their_ids_in_order(cast):
    from tests.petitions.helpers import intake
    from townhall.petitions.models import CaseScope
    from townhall.petitions.services import petition_receive

    case = petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
    ).case
    for run, n in enumerate((2, 3, 3)):
        paths = [f"zz/{run}/{k}/{case.pk}" for k in range(n)]
        with CaptureQueriesContext(connection) as queries:
            rows = statements.insert([CaseScope(case=case, path=p) for p in paths])
        assert len(queries) == 1
        assert [CaseScope.objects.get(pk=r.pk).path for r in rows] == paths
    # per row count (the keys of `insert`; a Batch's have one more part)
    assert len([k for k in statements._INSERTS if k[2] is CaseScope and len(k) == 5]) == 2
    # A few rows are listed row by row (VALUES); more, on PostgreSQL, one array per column.
    for n in (statements.VALUES_ROWS, statements.VALUES_ROWS + 1):
        paths = [f"zz/many{n}/{k}/{case.pk}" for k in range(n)]
        with CaptureQueriesContext(connection) as queries:
            rows = statements.insert([CaseScope(case=case, path=p) for p in paths])
        [sql] = [q["sql"] for q in queries.captured_queries]
        by_column = connection.vendor == "postgresql" and n > statements.VALUES_ROWS
        assert ("UNNEST(" in sql) is by_column
        assert [CaseScope.objects.get(pk=r.pk).path for r in rows] == paths


def test_an_insert_refuses_what_it_cannot_write_as_save_would():
    from django.db.models.functions import Now

    from townhall.petitions.models import Topic
    from townhall.units import selectors  # noqa: F401 - watches Unit (core/reference.py)
    from townhall.units.models import Unit as WatchedUnit

    with pytest.raises(ValueError, match="new objects"):
        statements.insert([Topic(pk=5, code="x", name="x")])
    with pytest.raises(ValueError, match="one model"):
        statements.insert([Topic(code="x", name="x"), WatchedUnit(code="y")])
    # Units are kept per process and emptied by their save signal: no silent skip of it.
    with pytest.raises(ImproperlyConfigured, match="signal"):
        statements.insert([WatchedUnit(code="y", name="y")])
    with pytest.raises(TypeError, match="values"):
        statements.insert(
            [Notification(channel="sms", recipient="1", body="b", purpose="p", available_at=Now())]
        )
    assert statements.insert([]) == []


def _notification(key, body="b"):
    return Notification(
        channel="sms",
        recipient="0912345678",
        body=body,
        purpose="p",
        dedupe_key=key,
        available_at=dt.datetime(2027, 2, 5, 9, 30, tzinfo=dt.UTC),
    )


def test_an_insert_may_skip_a_taken_unique_value_on_postgresql_only():
    if connection.vendor != "postgresql":
        with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
            statements.insert([_notification("k")], ignore_conflicts=True)
        return
    [first] = statements.insert([_notification("k", "một")], ignore_conflicts=True)
    assert statements.insert([_notification("k", "hai")], ignore_conflicts=True) == []
    [other] = statements.insert([_notification("k2")], ignore_conflicts=True)  # still usable
    assert first.pk and other.pk and not first._state.adding
    assert Notification.objects.get(dedupe_key="k").body == "một"
    with pytest.raises(ImproperlyConfigured, match="one object"):
        statements.insert([_notification("a"), _notification("b")], ignore_conflicts=True)


# --- Batch (ADR 0018) -------------------------------------------------------------------------
def _twin_case(case, reference):
    from townhall.petitions.models import Case

    fields = [
        f.name for f in Case._meta.concrete_fields if f.name not in ("id", "reference", "version")
    ]
    return Case(reference=reference, **{name: getattr(case, name) for name in fields})


def test_a_batch_writes_what_save_writes_and_names_the_ids_it_drew(cast):
    from tests.petitions.helpers import intake
    from townhall.petitions.models import Case, CaseEvent
    from townhall.petitions.services import petition_receive

    case = petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
    ).case
    batched, saved = _twin_case(case, "VV-2027-BATCH01"), _twin_case(case, "VV-2027-SAVED01")
    at = dt.datetime(2027, 2, 5, 9, 30, tzinfo=dt.UTC)
    batch = statements.Batch()
    with CaptureQueriesContext(connection) as queries:
        batch.with_ids([batched])
        assert batched.pk is not None  # drawn (PostgreSQL) or inserted (SQLite) already
        event = CaseEvent(case=batched, at=at, action="noted", note="Đầm Chợ", data={"a": [1]})
        batch.add([event])
        batch.write()
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2)
    saved.save()
    twin = CaseEvent.objects.create(
        case=saved, at=at, action="noted", note="Đầm Chợ", data={"a": [1]}
    )
    assert not batched._state.adding and not event._state.adding
    skip = ("reference", "created_at", "updated_at")
    assert _stored(Case, batched.pk, *skip) == _stored(Case, saved.pk, *skip)
    assert _stored(CaseEvent, CaseEvent.objects.get(case=batched).pk, "case_id") == _stored(
        CaseEvent, twin.pk, "case_id"
    )
    assert statements.Batch().write() is None  # an empty batch writes nothing


def test_a_batch_skips_a_taken_unique_value_on_postgresql_and_goes_on(cast):
    statements.insert([_notification("taken", "một")])
    batch = statements.Batch()
    if connection.vendor != "postgresql":
        with pytest.raises(ImproperlyConfigured):
            batch.add_sql("DELETE FROM notifications_notification", [])
        return
    batch.add([_notification("taken", "hai")], ignore_conflicts=True)
    batch.add([_notification("new")], ignore_conflicts=True)
    batch.write()
    assert Notification.objects.get(dedupe_key="taken").body == "một"
    assert Notification.objects.filter(dedupe_key="new").exists()


def test_a_batch_refuses_objects_with_ids_or_of_two_models(cast):
    from townhall.petitions.models import Topic

    batch = statements.Batch()
    with pytest.raises(ValueError, match="new objects"):
        batch.with_ids([Topic(pk=5, code="x", name="x")])
    with pytest.raises(ValueError, match="one model"):
        batch.with_ids([Topic(code="x", name="x"), Unit(code="y")])
    if connection.vendor == "postgresql":
        with pytest.raises(ValueError, match="one model"):
            batch.add([Topic(code="x", name="x"), Unit(code="y")])

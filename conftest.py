"""Shared by tests/ and e2e/: put the reference data back after a flush, before the next test
that expects it.

pytest-django runs the transactional tests (live server, `transaction=True`) after the others,
as Django does, because each one ends with a flush that empties every table, the units the
session loaded and the rows the data migrations seed included. Under pytest-xdist (`make test`
runs two workers) a worker receives whole modules, so a module that mixes both kinds can put
a flushed database in front of ordinary tests; these hooks reload the reference data then,
and only then (never in a serial run, where no ordinary test follows a transactional one).
"""

from collections import Counter

import pytest


def _database_use(item: pytest.Item) -> str:
    """How a test uses the database, as pytest-django sorts them (`pytest_collection_modifyitems`):
    "none", "rollback" (a transaction rolled back) or "flush" (committed, then flushed)."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return "rollback" if issubclass(cls, TestCase) else "flush"
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        from pytest_django.plugin import (
            validate_django_db,  # reads the marker as pytest-django does
        )

        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return "flush"
    if "transactional_db" in fixtures or "live_server" in fixtures:
        return "flush"
    if marker is not None or "db" in fixtures:
        return "rollback"
    return "none"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test needs a node id of its own: pytest-xdist tells tests apart by node id, and of
    tests sharing one it runs one and reports nothing wrong. schemathesis (4.x) gives the test
    of every API operation the function's node id (tests/reliability/test_fuzz_api.py: one
    operation of ~60 ran), so each gets its operation appended, as its name already has; any
    other shared id stops the run. Tests marked `long` go first. (Here because pytest calls
    this hook from the root conftest only.)"""
    from _pytest.nodeid import coerce_node_id  # pytest 9 keeps the id as a NodeId

    for item in items:
        label = getattr(item, "operation_label", None)
        if label and type(item).__name__ == "SchemathesisFunction" and "[" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}[{label}]")
    # The long ones first (stable: pytest-django then puts the transactional tests last, as
    # before): a worker starts on the demo while the other shares out the rest.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
    shared = [nodeid for nodeid, n in Counter(i.nodeid for i in items).items() if n > 1]
    if shared:
        raise pytest.UsageError(f"{len(shared)} node ids are shared by several tests: {shared[:3]}")


_flushed = False  # a transactional test ran since the reference data were last loaded


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    global _flushed
    _flushed = _flushed or _database_use(item) == "flush"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before the test's fixtures (and a `TestCase`'s `setUpClass`) open its transaction. The
    reference rows a process keeps (core/reference.py) are forgotten: the previous test's were
    rolled back or flushed without a signal; so are the compiled statements (core/statements.py),
    which a test's settings may have shaped."""
    global _flushed
    use = _database_use(item)
    if use != "none":
        from townhall.core import statements
        from townhall.core.reference import clear_all

        clear_all()
        statements.forget()
    if not _flushed or use != "rollback":
        return
    from pytest_django.plugin import blocking_manager_key

    from tests.reference import seed_reference_data

    with item.config.stash[blocking_manager_key].unblock():
        seed_reference_data()
    _flushed = False


# --- the figures the reliability tests report, printed at the end of the run -----------------
# Under xdist each worker holds its own; they travel to the controller in `workeroutput`.
_FROM_WORKERS: list[str] = []


def _figure_lines() -> list[str]:
    from tests.reliability.harness import figure_lines

    return figure_lines()


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["figures"] = _figure_lines()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    _FROM_WORKERS.extend(getattr(node, "workeroutput", {}).get("figures", []))


def pytest_terminal_summary(terminalreporter) -> None:
    if hasattr(terminalreporter.config, "workeroutput"):
        return
    lines = _FROM_WORKERS or _figure_lines()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)

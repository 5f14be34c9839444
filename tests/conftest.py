"""Shared fixtures: every test database holds the real administrative units of both eras."""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Loaded once per session from the real packages; tests roll back around them.
    with django_db_blocker.unblock():
        call_command("units_load", verbosity=0)


@pytest.fixture
def units(db):
    from tests.cast import UnitBook

    return UnitBook()


@pytest.fixture
def cast(db):
    """The shared cast: owners, a read-only colleague and outsiders from another district."""
    from tests.cast import Cast

    return Cast.build()

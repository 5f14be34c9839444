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


@pytest.fixture(autouse=True)
def _second_factor_passed_for_test_logins(monkeypatch):
    """Test-only: a session opened with `Client.force_login` or `Client.login` counts as having
    passed the second factor (TOTP), as if the leader or administrator had entered their code.
    Logins through the real form (POST /accounts/login/) still have to pass it;
    tests/web/test_two_factor.py tests the gate itself."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from townhall.accounts.two_factor import SESSION_KEY, session_flag

    def mark(client) -> None:
        session = client.session
        user_id = session.get("_auth_user_id")
        if user_id is not None:
            session[SESSION_KEY] = session_flag(get_user_model().objects.get(pk=user_id))
            session.save()

    force_login, login = Client.force_login, Client.login

    def force_login_passed(self, user, backend=None):
        force_login(self, user, backend)
        mark(self)

    def login_passed(self, **credentials):
        done = login(self, **credentials)
        if done:
            mark(self)
        return done

    monkeypatch.setattr(Client, "force_login", force_login_passed)
    monkeypatch.setattr(Client, "login", login_passed)

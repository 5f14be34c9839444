"""One real server per test session, on a database of its own (see harness.py).

The crash, retry and load tests share it: provisioning (migrate, units, staff) takes ~20 s.
The crash test kills it and leaves it restarted.
"""

import os

import pytest

from .harness import provision, report


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    base_url = os.environ.get("DATABASE_URL") or "sqlite:///var/test.sqlite3"
    workdir = tmp_path_factory.mktemp("reliability")
    live = provision(base_url, workdir)
    report(
        f"[reliability] {live.db.vendor} server database {live.db.name} ready in "
        f"{live.provision_seconds:.1f} s; gunicorn on 127.0.0.1:{live.port}"
        + (
            f"; journal mode after migrate: {live.db.journal_mode_after_migrate}"
            if live.db.vendor == "sqlite"
            else ""
        )
    )
    try:
        yield live
    finally:
        live.server.stop()
        live.db.drop()

"""Settings read from the environment: production refuses to start on a missing or bad value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOWNHALL = [sys.executable, "-m", "townhall.cli"]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 30 + "-production-secret-0123456789abcdefghijklmn",
    "FIELD_ENCRYPTION_KEY": "f1ZSPX6mSRo0qRTs4Bu8UQdFrp7Y0b6dO1R8xkR0uMU=",
    "ALLOWED_HOSTS": "townhall.example.vn",
    "DATABASE_URL": "sqlite:///var/check-deploy.sqlite3",
}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    clean.pop("DATABASE_URL", None)
    clean.update(env)
    return subprocess.run(
        TOWNHALL + args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_variables():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"])
def test_a_missing_production_secret_stops_the_process_naming_it(variable):
    env = {**PRODUCTION, variable: ""}
    result = run(["check"], env)
    assert result.returncode != 0
    assert f"{variable} must be set" in result.stderr


def test_a_malformed_database_url_stops_the_process_naming_it():
    result = run(["check"], {**PRODUCTION, "DATABASE_URL": "mysql//nowhere"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_a_malformed_boolean_names_the_variable():
    result = run(["check"], {**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_healthz_is_503_when_the_database_is_unreachable():
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    env = {
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
        "TOWNHALL_TESTING": "1",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.stdout.startswith("503"), result.stdout + result.stderr
    assert '"database": "unreachable"' in result.stdout


def test_a_malformed_encryption_key_stops_the_process_naming_it():
    result = run(["check"], {**PRODUCTION, "FIELD_ENCRYPTION_KEY": "not-a-key"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY: key number 1 is not a Fernet key" in result.stderr


def test_migrating_an_sqlite_file_switches_it_to_wal(tmp_path):
    import sqlite3

    db = tmp_path / "wal.sqlite3"
    result = run(["migrate", "-v0"], {"DATABASE_URL": f"sqlite:///{db}", "DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

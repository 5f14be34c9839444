"""The real server for reliability tests: a fresh database, gunicorn, a plain HTTP client.

Nothing here goes through Django's test client or pytest-django's test database. A
`ServerDatabase` is a database of its own (on PostgreSQL `townhall_crash_<pid>`, created with
psycopg and dropped afterwards; on SQLite a WAL file in a temporary folder), chosen from the
vendor of the current `DATABASE_URL` so the tests run on the database the suite runs on. It is
migrated, loaded with the administrative units and given staff users by subprocesses of the
`townhall` command, exactly as an operator would. A `Server` runs gunicorn with production
settings (DEBUG off) in its own process group, so `kill()` can SIGKILL the master and every
worker at once. Checks read the database with plain SQL, not through the server.

Traffic goes only to 127.0.0.1, on a port picked free by the kernel.
"""

import contextlib
import dataclasses
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOWNHALL = str(BIN / "townhall")
GUNICORN = str(BIN / "gunicorn")
HOST = "127.0.0.1"

# `make soak` sets TOWNHALL_SOAK=1: the same tests, longer (more requests, more kills).
SOAK = os.environ.get("TOWNHALL_SOAK", "").strip().lower() in {"1", "true", "yes", "on"}

# Figures the tests report (requests, kills, latencies...), printed at the end of the run.
REPORT: list[str] = []
FUZZ = {"requests": 0, "5xx": 0, "operations": set()}


def report(line: str) -> None:
    REPORT.append(line.strip())
    print(line)


def figure_lines() -> list[str]:
    """What this process's tests reported, the fuzzer's totals last (the root conftest.py
    prints them at the end of the run, gathered from every xdist worker)."""
    lines = list(REPORT)
    if FUZZ["requests"]:
        lines.append(
            f"[fuzz] {FUZZ['requests']} generated requests over {len(FUZZ['operations'])} "
            f"operations, {FUZZ['5xx']} answered 5xx"
        )
    return lines


# The staff of the server's database (made by SETUP_SCRIPT, tokens by `townhall token create`).
CLERK = "rel.clerk"
LEADER = "rel.leader"
ADMIN = "rel.admin"

# Run by `townhall shell -c` against the server's database, in one process (each Django start
# costs seconds): migrate, load the units, make the staff, and create one bearer token each with
# the real `townhall token create` command. The last line printed is the tokens, as JSON.
SETUP_SCRIPT = f"""
import io, json
from django.core.management import call_command
from townhall.accounts.models import Membership, Role, User
from townhall.units.models import Agency, AgencyKind, Era, Unit

call_command("migrate", interactive=False, verbosity=0)
call_command("units_load", verbosity=0)
kim_thanh = Agency.objects.create(
    unit=Unit.objects.get(era=Era.THREE_LEVEL, code="293"),
    name="Ủy ban nhân dân huyện Kim Thành",
    kind=AgencyKind.PEOPLES_COMMITTEE,
)
province = Agency.objects.create(
    unit=Unit.objects.get(era=Era.THREE_LEVEL, code="30"),
    name="Ủy ban nhân dân tỉnh Hải Dương",
    kind=AgencyKind.PEOPLES_COMMITTEE,
)
tokens = {{}}
for username, role, agency in [
    ({CLERK!r}, Role.CLERK, kim_thanh),
    ({LEADER!r}, Role.LEADER, kim_thanh),
    ({ADMIN!r}, Role.ADMINISTRATOR, province),
]:
    user = User.objects.create_user(username=username, password=None, role=role)
    Membership.objects.create(user=user, agency=agency)
    out = io.StringIO()
    call_command("token_create", username, name="reliability", stdout=out)
    tokens[username] = out.getvalue().strip().splitlines()[-1]
print(json.dumps(tokens))
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def townhall(*args: str, env: dict, timeout: float = 180) -> str:
    """Run `townhall ARGS` as a subprocess; its standard output, or an error with its output."""
    done = subprocess.run(
        [TOWNHALL, *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"townhall {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


# --- the database ---------------------------------------------------------------------------
class ServerDatabase:
    """A database of its own for a server, on the vendor of the current DATABASE_URL."""

    def __init__(self, base_url: str, workdir: Path):
        self.workdir = workdir
        config = dj_database_url.parse(base_url)
        self.vendor = "postgresql" if "postgresql" in config["ENGINE"] else "sqlite"
        if self.vendor == "postgresql":
            self.name = f"townhall_crash_{os.getpid()}"
            self._pg = {
                "host": config.get("HOST") or HOST,
                "port": int(config.get("PORT") or 5432),
                "user": config.get("USER") or "postgres",
                "password": config.get("PASSWORD") or None,
            }
            parts = urllib.parse.urlsplit(base_url)
            self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.name = str(workdir / "townhall.sqlite3")
            self.url = f"sqlite:///{self.name}"
        self.journal_mode_after_migrate = ""
        self._session = None  # a connection kept open by session(), for many checks in a row

    # -- life cycle
    def create(self) -> None:
        if self.vendor == "postgresql":
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                conn.execute(f"CREATE DATABASE \"{self.name}\" ENCODING 'UTF8' TEMPLATE template0")

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def after_migrate(self) -> None:
        """SQLite: record the journal mode `migrate` left, and make sure it is WAL."""
        if self.vendor != "sqlite":
            return
        conn = sqlite3.connect(self.name)
        try:
            self.journal_mode_after_migrate = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if self.journal_mode_after_migrate.lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        finally:
            conn.close()

    @contextlib.contextmanager
    def _admin(self):
        import psycopg

        conn = psycopg.connect(dbname="postgres", autocommit=True, **self._pg)
        try:
            yield conn
        finally:
            conn.close()

    # -- plain SQL for the checks
    @contextlib.contextmanager
    def connect(self):
        if self.vendor == "postgresql":
            import psycopg

            conn = psycopg.connect(dbname=self.name, autocommit=True, **self._pg)
        else:
            conn = sqlite3.connect(self.name, timeout=30, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Run the queries inside on one connection (checking thousands of petitions)."""
        with self.connect() as conn:
            self._session = conn
            try:
                yield
            finally:
                self._session = None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """SQL written with `%s` placeholders, for either vendor."""
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        if self._session is not None:
            return self._execute(self._session, sql, params)
        with self.connect() as conn:
            return self._execute(conn, sql, params)

    @staticmethod
    def _execute(conn, sql: str, params: tuple) -> list[tuple]:
        cursor = conn.cursor()
        cursor.execute(sql, params)
        return list(cursor.fetchall())

    @contextlib.contextmanager
    def slow_writes(self) -> Iterator[None]:
        """Hold a lock that makes every petition intake wait (a slow database), then let go."""
        with self.connect() as conn:
            if self.vendor == "postgresql":
                conn.autocommit = False
                conn.execute("LOCK TABLE petitions_case IN EXCLUSIVE MODE")
                try:
                    yield
                finally:
                    conn.rollback()
            else:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                finally:
                    conn.execute("ROLLBACK")


# --- the server -----------------------------------------------------------------------------
class Server:
    """gunicorn townhall.wsgi with 2 sync workers, in a process group of its own."""

    def __init__(self, env: dict, workdir: Path, *, workers: int = 2):
        self.env = env
        self.workdir = workdir
        self.workers = workers
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.kills = 0
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.workdir / "gunicorn.log"

    def start(self, *, timeout: float = 60) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    GUNICORN,
                    "townhall.wsgi",
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"{HOST}:{self.port}",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "5",
                ],
                cwd=PROJECT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        self.wait_ready(timeout=timeout)

    def wait_ready(self, *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                status, _, _ = request(self.port, "GET", "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout} s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL the master and every worker (the whole process group), and wait for it."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the workers too
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclasses.dataclass
class Live:
    """A provisioned database and a running server, with the staff's bearer tokens."""

    db: ServerDatabase
    server: Server
    tokens: dict[str, str]
    provision_seconds: float

    @property
    def port(self) -> int:
        return self.server.port

    def headers(self, username: str = CLERK, key: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.tokens[username]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers


def server_env(database_url: str, workdir: Path) -> dict:
    """Production settings (DEBUG off), on plain HTTP on loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        TOWNHALL_TESTING="false",
        SECRET_KEY="reliability-" + Fernet.generate_key().decode(),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        TOWNHALL_VAR_DIR=str(workdir),
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="townhall.settings",
    )
    return env


def provision(base_url: str, workdir: Path) -> Live:
    """A fresh database, migrated, with units and staff, and gunicorn serving it."""
    started = time.monotonic()
    db = ServerDatabase(base_url, workdir)
    db.create()
    try:
        env = server_env(db.url, workdir)
        output = townhall("shell", "-c", SETUP_SCRIPT, env=env, timeout=600)
        tokens = json.loads(output.strip().splitlines()[-1])
        db.after_migrate()
        server = Server(env, workdir)
        server.start()
    except BaseException:
        db.drop()
        raise
    return Live(db, server, tokens, time.monotonic() - started)


# --- a plain HTTP client ----------------------------------------------------------------------
def request(
    port: int,
    method: str,
    path: str,
    *,
    body: dict | bytes | None = None,
    headers: dict | None = None,
    timeout: float = 30,
) -> tuple[int, dict, bytes]:
    """One request on a new connection: (status, lower-cased headers, body). Raises OSError or
    http.client.HTTPException when the connection fails."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        payload = None
        sent = dict(headers or {})
        if body is not None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def send_and_drop(port: int, path: str, body: dict, headers: dict) -> None:
    """Send a whole POST, then close the connection without reading the answer (a client that
    lost its connection)."""
    payload = json.dumps(body).encode("utf-8")
    head = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head += ["Content-Type: application/json", f"Content-Length: {len(payload)}", "", ""]
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall("\r\n".join(head).encode("utf-8") + payload)
        sock.shutdown(socket.SHUT_WR)


CONNECTION_ERRORS = (OSError, http.client.HTTPException)


# --- petitions ------------------------------------------------------------------------------
def petition_body(marker: str, *, submitters: int = 1, seq: int = 0) -> dict:
    """A complaint whose text starts with `marker` (so the case title holds it too), from
    submitters who all have a phone (an SMS is queued for each) and, for the second, an email."""
    people = [
        {
            "name": f"Nguyễn Văn {marker[-4:]}",
            "phone": f"09{seq % 100_000_000:08d}",
            "id_number": f"0300{seq % 100_000_000:08d}",
            "address": "Khu Đầm Chợ, thị trấn Phú Thái",
        }
    ]
    if submitters > 1:
        people.append(
            {
                "name": "Trần Thị Bình",
                "phone": f"03{seq % 100_000_000:08d}",
                "email": f"binh.{seq}@example.vn",
                "address": "Phú Thái",
            }
        )
    return {
        "kind": "complaint",
        "channel": "mail",
        "unit": "10750",
        "received_at": "2022-10-03T09:00:00",
        "topic": "land",
        "text": f"{marker} Đề nghị giải quyết dứt điểm việc chồng lấn ranh giới giữa khu dân cư "
        "mới Đầm Chợ và đường đi trong khu dân cư cũ ở thị trấn Phú Thái.",
        "submitters": people,
    }


@dataclasses.dataclass
class Stored:
    """What the database holds for one marker: every piece that must come (or go) together."""

    petitions: list[tuple[int, str, int]]  # (petition id, tracking code, case id)
    cases_titled: int  # cases whose title carries the marker
    submitters: int
    phones: int  # submitters with a phone number (their SMS must be queued)
    sms: int  # SMS rows queued for those cases with purpose tracking_code
    emails: int
    received_events: int
    record_status: int | None  # the Idempotency-Key record's stored status, if any

    @property
    def absent(self) -> bool:
        return (
            not self.petitions
            and self.cases_titled == 0
            and self.submitters == 0
            and self.sms == 0
            and self.record_status is None
        )


def stored(db: ServerDatabase, marker: str, key: str, submitters: int) -> Stored:
    like = f"{marker} %"
    petitions = [
        (int(pk), code, int(case))
        for pk, code, case in db.query(
            "SELECT id, tracking_code, case_id FROM petitions_petition WHERE text LIKE %s",
            (like,),
        )
    ]
    (cases_titled,) = db.query("SELECT count(*) FROM petitions_case WHERE title LIKE %s", (like,))[
        0
    ]
    people, phones = db.query(
        "SELECT count(*), count(CASE WHEN s.phone_key <> '' THEN 1 END) "
        "FROM petitions_submitter s JOIN petitions_petition p ON s.petition_id = p.id "
        "WHERE p.text LIKE %s",
        (like,),
    )[0]
    counts = dict(
        db.query(
            "SELECT channel, count(*) FROM notifications_notification WHERE purpose = "
            "'tracking_code' AND case_id IN (SELECT case_id FROM petitions_petition "
            "WHERE text LIKE %s) GROUP BY channel",
            (like,),
        )
    )
    (received,) = db.query(
        "SELECT count(*) FROM petitions_caseevent WHERE action = 'received' AND case_id IN "
        "(SELECT case_id FROM petitions_petition WHERE text LIKE %s)",
        (like,),
    )[0]
    record = db.query("SELECT response_status FROM api_idempotencyrecord WHERE key = %s", (key,))
    return Stored(
        petitions=petitions,
        cases_titled=int(cases_titled),
        submitters=int(people),
        phones=int(phones),
        sms=int(counts.get("sms", 0)),
        emails=int(counts.get("email", 0)),
        received_events=int(received),
        record_status=int(record[0][0]) if record else None,
    )


def assert_whole(found: Stored, *, submitters: int, what: str) -> None:
    """One petition, its case, all its submitters, an SMS (and e-mail) per person, its key."""
    assert len(found.petitions) == 1, f"{what}: {len(found.petitions)} petitions, expected 1"
    assert found.cases_titled == 1, f"{what}: {found.cases_titled} cases, expected 1"
    assert found.received_events == 1, f"{what}: {found.received_events} 'received' events"
    assert found.submitters == submitters, f"{what}: {found.submitters}/{submitters} submitters"
    assert found.sms == found.phones == submitters, f"{what}: {found.sms} SMS queued"
    assert found.emails == (1 if submitters > 1 else 0), f"{what}: {found.emails} e-mails"
    assert found.record_status == 201, f"{what}: Idempotency-Key record {found.record_status}"


def global_consistency(db: ServerDatabase) -> dict:
    """Whole-database checks that hold whatever was killed when: no orphans anywhere."""
    checks = {
        "cases without a petition": "SELECT count(*) FROM petitions_case c WHERE NOT EXISTS "
        "(SELECT 1 FROM petitions_petition p WHERE p.case_id = c.id) AND c.merged_into_id IS NULL",
        "petitions without a submitter": "SELECT count(*) FROM petitions_petition p WHERE NOT "
        "EXISTS (SELECT 1 FROM petitions_submitter s WHERE s.petition_id = p.id)",
        "cases without a received event": "SELECT count(*) FROM petitions_case c WHERE NOT EXISTS "
        "(SELECT 1 FROM petitions_caseevent e WHERE e.case_id = c.id AND e.action = 'received')",
        "notifications without a case": "SELECT count(*) FROM notifications_notification n "
        "WHERE n.case_id IS NULL OR NOT EXISTS "
        "(SELECT 1 FROM petitions_case c WHERE c.id = n.case_id)",
        "idempotency records left unfinished": "SELECT count(*) FROM api_idempotencyrecord "
        "WHERE response_status = 0",
    }
    return {name: int(db.query(sql)[0][0]) for name, sql in checks.items()}


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]

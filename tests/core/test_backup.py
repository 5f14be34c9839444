"""`townhall backup` / `townhall restore`: every row and every attachment comes back exactly.

Transactional tests (the restore runs real transactions and the flush empties the database), so
each one loads the units and the seeded reference data itself, and the database is flushed
after it.
"""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import uuid
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from townhall.core import backup, crypto
from townhall.notifications.models import Notification
from townhall.petitions import selectors, services
from townhall.petitions.models import Attachment, Case, ConfidentialRead, Submitter

from ..cast import Cast
from ..petitions.helpers import at, intake, resident
from ..reference import seed_reference_data

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]
DENOUNCER = services.SubmitterData(
    name="Nguyễn Thị Hồng Nhung",
    id_number="030190004321",
    phone="0987654321",
    address="Thôn Đông, xã Cổ Dũng",
    email="hong.nhung@example.vn",
)
SECRETS = ["Nguyễn Thị Hồng Nhung", "030190004321", "0987654321", "Thôn Đông", "hong.nhung@"]


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def media(tmp_path):
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=root):
        yield root


@pytest.fixture
def world(transactional_db, media):
    """Petitions with submitters and attachments, a denunciation read by its handler, a case
    walked to 'assigned', the outbox, groups and permissions: all through the real services."""
    seed_reference_data()
    cast = Cast.build()
    clerk, leader, handler = cast.kim_thanh_clerk, cast.kim_thanh_leader, cast.kim_thanh_handler
    first = services.petition_receive(
        intake=intake(
            cast.kim_thanh_committee,
            attachments=[
                SimpleUploadedFile("don-khieu-nai.png", png_bytes(), "image/png"),
                SimpleUploadedFile("bien-ban.pdf", PDF, "application/pdf"),
            ],
        ),
        actor=clerk,
    )
    services.petition_receive(
        intake=intake(
            cast.kim_thanh_committee,
            submitters=[resident(i) for i in range(1, 6)],
            when=at(2022, 10, 4),
        ),
        actor=clerk,
        case=first.case,
    )
    denunciation = services.petition_receive(
        intake=intake(
            cast.kim_thanh_committee,
            kind="denunciation",
            text="Tố cáo cán bộ địa chính xã nhận tiền để xác nhận sai nguồn gốc đất.",
            submitters=[DENOUNCER],
            attachments=[SimpleUploadedFile("to-cao.pdf", PDF + b"%2\n", "application/pdf")],
            when=at(2022, 11, 2),
        ),
        actor=clerk,
    ).case
    case = services.case_acknowledge(case=denunciation, actor=clerk)
    case = services.case_accept(case=case, actor=leader)
    case = services.case_assign(
        case=case, actor=leader, agency=cast.kim_thanh_committee, handler=handler
    )
    selectors.submitters_for(handler, case, purpose="case_page")
    editors = Group.objects.create(name="Biên tập")
    editors.permissions.add(*Permission.objects.filter(codename__endswith="_topic"))
    clerk.groups.add(editors)
    clerk.user_permissions.add(Permission.objects.get(codename="view_case"))
    assert Attachment.objects.count() == 3
    assert ConfidentialRead.objects.count() == 1
    assert Notification.objects.filter(channel="email").exists()
    return cast


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every backed-up table, raw (ciphertext as stored), in primary-key order."""
    qn = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for model in backup.backup_models():
            meta = model._meta
            table, pk = qn(meta.db_table), qn(meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608
            rows[meta.db_table] = cursor.fetchall()
    return rows


def media_sums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def wipe(media: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media, ignore_errors=True)
    assert not Case.objects.exists() and not Submitter.objects.exists()


def data_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data").glob("*.jsonl"))}


def test_a_backup_restores_every_row_and_every_attachment_exactly(world, media, tmp_path):
    before, files_before = snapshot(), media_sums(media)
    attachment_sums = dict(Attachment.objects.values_list("file", "sha256"))
    assert attachment_sums and all(files_before[name] == s for name, s in attachment_sums.items())
    archive = tmp_path / "townhall.tar.gz"

    call_command("backup", str(archive), verbosity=0)

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile(backup.MANIFEST))
        data = b"".join(tar.extractfile(n).read() for n in names if n.endswith(".jsonl"))
    # The manifest: schema, vendor, a row count and checksum per table, every media file.
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["schema"]["petitions"].startswith("0")
    counts = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert counts == {table: len(rows) for table, rows in before.items()}
    assert counts["petitions_submitter"] == 7 and counts["units_unit"] > 14_000
    assert {m["path"]: m["sha256"] for m in manifest["media"]} == files_before
    assert {f"media/{name}" for name in files_before} <= names
    # Ciphertext only: no personal data in clear anywhere in the dump, the tokens are there.
    for secret in SECRETS:
        assert secret.encode() not in data
    token = next(backup.logical_rows(Submitter))["name"]
    assert token.startswith("gAAAAA") and token.encode() in data

    wipe(media)
    call_command("restore", str(archive), verbosity=0)

    after = snapshot()
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert after[table] == rows, f"{table} differs after the restore"
    assert media_sums(media) == files_before
    # The application reads it as before: decryption, blind-index look-ups, files.
    person = Submitter.objects.get(phone_key=crypto.blind_index("0987 654 321"))
    assert (person.name, person.email) == (DENOUNCER.name, DENOUNCER.email)
    for attachment in Attachment.objects.all():
        with attachment.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == attachment.sha256
    # Sequences follow the restored keys: new rows get new ids on both databases.
    newest = Case.objects.order_by("-pk").first().pk
    receipt = services.petition_receive(
        intake=intake(world.kim_thanh_committee, when=at(2022, 12, 1)), actor=None
    )
    assert receipt.case.pk > newest


def test_a_restore_refuses_a_database_with_data_and_force_replaces_it(world, media, tmp_path):
    before, files_before = snapshot(), media_sums(media)
    copy = tmp_path / "backup-dir"
    call_command("backup", str(copy), verbosity=0)
    assert (copy / backup.MANIFEST).is_file()

    with pytest.raises(CommandError, match="not empty") as refused:
        call_command("restore", str(copy), verbosity=0)
    assert "not empty: " in str(refused.value) and "--force" in str(refused.value)
    assert snapshot() == before  # nothing touched

    services.petition_receive(
        intake=intake(world.kim_thanh_committee, when=at(2022, 12, 1)), actor=None
    )
    assert snapshot() != before
    call_command("restore", str(copy), "--force", verbosity=0)
    assert snapshot() == before
    assert media_sums(media) == files_before


@pytest.mark.parametrize("tamper", ["attachment", "attachment and manifest", "data"])
def test_a_restore_refuses_a_tampered_backup_and_writes_nothing(world, media, tmp_path, tamper):
    copy = tmp_path / "backup-dir"
    call_command("backup", str(copy), verbosity=0)
    if tamper.startswith("attachment"):
        victim = next((copy / "media").rglob("*.png"))
        content = bytearray(victim.read_bytes())
        content[-5] ^= 0x01
        victim.write_bytes(bytes(content))
        if tamper == "attachment and manifest":  # the rows' own sha256 still catch it
            manifest = json.loads((copy / backup.MANIFEST).read_text())
            for item in manifest["media"]:
                if item["path"].endswith(".png"):
                    item["sha256"] = hashlib.sha256(content).hexdigest()
            (copy / backup.MANIFEST).write_text(json.dumps(manifest))
    else:
        victim = copy / "data" / "petitions.submitter.jsonl"
        lines = victim.read_text().splitlines(keepends=True)
        row = json.loads(lines[0])
        row["petition_id"] = row["petition_id"] + 1
        lines[0] = json.dumps(row, ensure_ascii=False) + "\n"
        victim.write_text("".join(lines))
    wipe(media)

    with pytest.raises(CommandError, match="(?i)sha-?256") as refused:
        call_command("restore", str(copy), verbosity=0)
    assert victim.relative_to(copy).as_posix().split("/", 1)[1] in str(refused.value)
    assert not Case.objects.exists() and not Submitter.objects.exists()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_backup_names_a_new_destination(world, tmp_path):
    dest = tmp_path / "exists"
    dest.mkdir()
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(dest), verbosity=0)


# --- across databases -----------------------------------------------------------------------
PG_URL = os.environ.get("TOWNHALL_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


def _other_database(tmp_path: Path):
    """A DATABASE_URL of the other vendor (a new SQLite file, or a new PostgreSQL database),
    and a function that drops it; None when PostgreSQL is not reachable."""
    if connection.vendor == "postgresql":
        return f"sqlite:///{tmp_path / 'other.sqlite3'}", lambda: None
    import psycopg
    from dj_database_url import parse

    config = parse(PG_URL)
    name = f"townhall_restore_{uuid.uuid4().hex[:12]}"
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 3,
    }
    try:
        with psycopg.connect(**params) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return None

    def drop():
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    host = f"{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}"
    user = config["USER"] or "postgres"
    return f"postgres://{user}@{host}/{name}", drop


def _townhall(database_url: str, media: Path, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media)}
    env["FIELD_ENCRYPTION_KEY"] = ",".join(settings.FIELD_ENCRYPTION_KEYS)
    done = subprocess.run(
        [sys.executable, "manage.py", *args, "--verbosity", "0"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_backup_restores_on_the_other_database_vendor(world, media, tmp_path):
    other = _other_database(tmp_path)
    if other is None:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    url, drop = other
    here, there = tmp_path / "here", tmp_path / "there"
    call_command("backup", str(here), verbosity=0)
    try:
        other_media = tmp_path / "other-media"
        _townhall(url, other_media, "migrate", "--no-input")
        _townhall(url, other_media, "restore", str(here))
        _townhall(url, other_media, "backup", str(there))
    finally:
        drop()
    mine, theirs = backup.read_manifest(here), backup.read_manifest(there)
    assert mine["database"]["vendor"] != theirs["database"]["vendor"]
    assert [(t["table"], t["rows"]) for t in mine["tables"]] == [
        (t["table"], t["rows"]) for t in theirs["tables"]
    ]
    # Every value of every row is the same (JSON columns compared as values: PostgreSQL's
    # jsonb may reorder keys), every token byte for byte, every file by checksum.
    json_columns = {
        t["file"]: [c["name"] for c in t["columns"] if c["kind"] == "json"] for t in mine["tables"]
    }
    for table in mine["tables"]:
        left = (here / table["file"]).read_text("utf-8").splitlines()
        right = (there / table["file"]).read_text("utf-8").splitlines()
        assert len(left) == len(right) == table["rows"]
        for a, b in zip(left, right, strict=True):
            a, b = json.loads(a), json.loads(b)
            for column in json_columns[table["file"]]:
                a[column] = json.loads(a[column]) if a[column] is not None else None
                b[column] = json.loads(b[column]) if b[column] is not None else None
            assert a == b, f"{table['table']} row {a.get('id')} differs across databases"
    assert {m["path"]: m["sha256"] for m in theirs["media"]} == media_sums(media)

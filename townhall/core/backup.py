"""Logical backup and restore of the whole Townhall database and its attachments.

A backup is a tar.gz file or a directory (the same layout either way)::

    manifest.json                       format, created_at, database vendor, schema, tables, media
    data/<app_label>.<model>.jsonl      one JSON object per row, {column: value}, ordered by pk
    media/<path under MEDIA_ROOT>       every file under MEDIA_ROOT, byte for byte

Rows are read with raw SQL (never through the models), so encrypted columns hold the stored
Fernet tokens: a backup contains ciphertext only, and restoring needs the same keys in
`FIELD_ENCRYPTION_KEYS` (not the backup's business: keys are never written into it). Values
are written in a vendor-neutral form so that a backup made on SQLite restores on PostgreSQL and
the other way round:

- datetimes as ISO 8601 in UTC with microseconds, dates and times as ISO 8601;
- booleans as JSON booleans, UUIDs and decimals as strings, binary as base64;
- JSONField columns as their JSON text (a string), so SQL NULL and JSON null stay distinct;
- EncryptedTextField columns as the stored token, copied as-is both ways.

Each value is read through the database backend's converters and written back through the
field's `to_python` + `get_db_prep_value`, exactly as the ORM would, except for encrypted fields
(no decryption, no re-encryption) and JSON fields (parsed once, adapted by the field).

The manifest records the latest applied migration per app (a restore needs the same schema),
the row count and SHA-256 of every data file, and the size and SHA-256 of every media file.
`restore` checks all of them before it writes anything, inserts every row in one transaction
(foreign keys are deferred until commit on both databases), resets PostgreSQL sequences,
compares the row counts with the manifest, and only then commits.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string

from townhall.core import reference, statements
from townhall.core.crypto import EncryptedTextField

FORMAT = "townhall-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_DIR = "data"
MEDIA_DIR = "media"

# Besides the project's own apps (townhall.*): users' groups and permissions, content types
# (which permissions and the admin log point at) and the admin's change log. Sessions and
# django-axes' login attempts are transient and left out: a restore logs everyone out.
EXTRA_APP_LABELS = ("contenttypes", "auth", "admin")

# Tables a fresh `migrate` fills by itself: content types and permissions (after every
# migrate), and whatever a data migration seeds (found by `migration_seeded()`). A restore
# replaces their rows with the backup's (foreign keys in the backup point at the backup's ids),
# so they do not make a freshly migrated database count as "not empty".
ALWAYS_SEEDED = frozenset({"contenttypes.contenttype", "auth.permission"})

FETCH_SIZE = 2000
INSERT_BATCH = 1000
PROGRESS_MIN_ROWS = 5000  # a progress bar only for tables at least this large
CHUNK = 1024 * 1024

Progress = Callable[..., object]  # tqdm-like: progress(total=, desc=, unit=) -> bar


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# --- what is backed up ----------------------------------------------------------------------
def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def backup_models() -> list[type[models.Model]]:
    """Every managed model of the project's apps and of EXTRA_APP_LABELS (many-to-many tables
    included), parents before children. Caches computed from other rows (a model with
    `derived_cache = True`: the reports' monthly figures) are left out: the restored rows
    mark them stale, and they are recomputed from those rows."""
    chosen = []
    for config in apps.get_app_configs():
        if not (config.name.startswith("townhall.") or config.label in EXTRA_APP_LABELS):
            continue
        for model in config.get_models(include_auto_created=True):
            meta = model._meta
            derived = getattr(model, "derived_cache", False)
            if meta.managed and not meta.proxy and not meta.swapped and not derived:
                chosen.append(model)
    return _dependency_order(chosen)


def _dependency_order(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    """Topological order by foreign key (self-references and cycles are fine: foreign keys
    are checked at commit), ties broken by label so the order is stable."""
    by_label = {_label(m): m for m in chosen}
    needs: dict[str, set[str]] = {}
    for label, model in by_label.items():
        needs[label] = {
            _label(f.related_model)
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None
        } & (by_label.keys() - {label})
    ordered: list[str] = []
    remaining = dict(needs)
    while remaining:
        ready = sorted(label for label, deps in remaining.items() if not deps - set(ordered))
        if not ready:  # a cycle: take the alphabetically first and go on
            ready = [min(remaining)]
        for label in ready:
            ordered.append(label)
            del remaining[label]
    return [by_label[label] for label in ordered]


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _kind(f: models.Field) -> str:
    if isinstance(f, EncryptedTextField):
        return "encrypted"
    if isinstance(f, models.JSONField):
        return "json"
    if f.get_internal_type() == "BinaryField":
        return "binary"
    return "value"


def _code_strings(code) -> set[str]:
    found = set()
    for const in code.co_consts:
        if isinstance(const, str):
            found.add(const.lower())
        elif hasattr(const, "co_consts"):
            found |= _code_strings(const)
    return found


def migration_seeded(models_: list[type[models.Model]] | None = None) -> set[str]:
    """Labels of the models a fresh `migrate` puts rows in: ALWAYS_SEEDED, and every model a
    data migration (RunPython) names, as in `apps.get_model("petitions", "Topic")`."""
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    seeded = set(ALWAYS_SEEDED)
    models_ = models_ or backup_models()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app_label, _name), migration in loader.disk_migrations.items():
        for operation in migration.operations:
            code = getattr(getattr(operation, "code", None), "__code__", None)
            if not isinstance(operation, RunPython) or code is None:
                continue
            strings = _code_strings(code)
            for model in models_:
                meta = model._meta
                if meta.object_name.lower() in strings and (
                    meta.app_label == app_label or meta.app_label in strings
                ):
                    seeded.add(_label(model))
    return seeded


def applied_schema(connection) -> dict[str, str]:
    """The latest applied migration of each app, from django_migrations."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    # Later rows overwrite earlier ones: the last applied migration of each app wins.
    return dict(recorder.migration_qs.order_by("id").values_list("app", "name"))


# --- reading rows (backup) ------------------------------------------------------------------
def _converters(f: models.Field, table: str, connection) -> tuple[object, list]:
    """What the ORM applies to a raw value of `f`, minus decryption and JSON parsing."""
    col = f.get_col(table)
    if _kind(f) != "value":
        return col, []
    return col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)


def _to_json(f: models.Field, value, converters: tuple[object, list], connection):
    if value is None:
        return None
    kind = _kind(f)
    if kind == "encrypted":
        return value  # the stored token, as it is
    if kind == "json":
        return value if isinstance(value, str) else json.dumps(value)
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    col, functions = converters
    for convert in functions:
        value = convert(value, col, connection)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _from_json(f: models.Field, value, connection):
    """A JSON Lines value back to what the database adapter takes for `f`."""
    if value is None:
        return None
    kind = _kind(f)
    if kind == "encrypted":
        return value  # copied as stored: no decryption, no re-encryption
    if kind == "json":
        return f.get_db_prep_value(json.loads(value), connection, prepared=False)
    if kind == "binary":
        return f.get_db_prep_value(base64.b64decode(value), connection, prepared=False)
    return f.get_db_prep_value(f.to_python(value), connection, prepared=False)


def _select_sql(model, connection) -> str:
    qn = connection.ops.quote_name
    meta = model._meta
    cols = ", ".join(qn(f.column) for f in _columns(model))
    return f"SELECT {cols} FROM {qn(meta.db_table)} ORDER BY {qn(meta.pk.column)}"  # noqa: S608  # nosec B608


def _count(model, connection) -> int:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {qn(model._meta.db_table)}")  # noqa: S608  # nosec B608
        return cursor.fetchone()[0]


def _raw_rows(model, connection) -> Iterator[tuple]:
    """Every row of the model's table as the driver returns it, streamed (a server-side cursor
    on PostgreSQL)."""
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(_select_sql(model, connection))
        while True:
            rows = cursor.fetchmany(FETCH_SIZE)
            if not rows:
                return
            yield from rows
    finally:
        cursor.close()


def logical_rows(model, connection=None) -> Iterator[dict]:
    """Every row of the model's table as it goes into a backup: {column: JSON value}."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    fields = _columns(model)
    table = model._meta.db_table
    converters = [_converters(f, table, connection) for f in fields]
    for raw in _raw_rows(model, connection):
        yield {
            f.column: _to_json(f, value, conv, connection)
            for f, value, conv in zip(fields, raw, converters, strict=True)
        }


@contextmanager
def _snapshot(connection):
    """One consistent view of every table for the length of the backup, without blocking
    writers: REPEATABLE READ, READ ONLY on PostgreSQL; a deferred read transaction on SQLite
    (WAL readers do not block writers; Django's own BEGIN IMMEDIATE would)."""
    if connection.in_atomic_block:  # already in a transaction (tests): read inside it
        yield
        return
    if connection.vendor == "postgresql":
        with connection.cursor():  # connect (and health-check) before the transaction starts
            pass
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic(using=connection.alias):
        yield


# --- files ----------------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _media_files(root: Path) -> list[tuple[str, Path]]:
    """(posix path relative to MEDIA_ROOT, absolute path) of every regular file, sorted."""
    if not root.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise BackupError(f"the manifest names an unsafe path {name!r}: refusing the backup")
    return path


class _HashingReader:
    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


# --- backup ---------------------------------------------------------------------------------
@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    media_files: int
    media_bytes: int
    missing_media: list[str] = field(default_factory=list)


def is_archive(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


def backup(
    dest: Path | str,
    *,
    using: str = DEFAULT_DB_ALIAS,
    progress: Progress | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> BackupResult:
    """Write a backup to `dest` (a .tar.gz/.tgz file, or else a new directory)."""
    dest = Path(dest).absolute()
    if dest.exists():
        raise BackupError(f"{dest} already exists: choose a new name (a backup never overwrites)")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a directory")
    connection = connections[using]
    archive = is_archive(dest)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        manifest, referenced = _dump_tables(staging, connection, progress, log)
        media_root = Path(settings.MEDIA_ROOT)
        files = _media_files(media_root)
        if archive:
            partial = staging.with_name(staging.name + ".tar.gz")
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(staging / DATA_DIR, arcname=DATA_DIR)
                manifest["media"] = [_tar_media(tar, rel, path) for rel, path in files]
                _finish_manifest(manifest, referenced, log)
                body = _manifest_bytes(manifest)
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o600
                tar.addfile(info, _BytesReader(body))
            os.replace(partial, dest)
            shutil.rmtree(staging)
        else:
            manifest["media"] = [_copy_media(staging, rel, path) for rel, path in files]
            _finish_manifest(manifest, referenced, log)
            (staging / MANIFEST).write_bytes(_manifest_bytes(manifest))
            os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for leftover in dest.parent.glob(f".{dest.name}.*.partial.tar.gz"):
            leftover.unlink(missing_ok=True)
        raise
    return BackupResult(
        path=dest,
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"]),
        media_files=len(manifest["media"]),
        media_bytes=sum(m["size"] for m in manifest["media"]),
        missing_media=manifest["missing_media"],
    )


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.pos + size
        chunk, self.pos = self.data[self.pos : end], min(end, len(self.data))
        return chunk


def _manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _dump_tables(staging: Path, connection, progress, log) -> tuple[dict, set[str]]:
    (staging / DATA_DIR).mkdir()
    tables = []
    referenced: set[str] = set()  # media paths the rows point at (FileField values)
    with _snapshot(connection):
        schema = applied_schema(connection)
        for model in backup_models():
            meta = model._meta
            name = f"{DATA_DIR}/{meta.label_lower}.jsonl"
            file_columns = [f.column for f in _columns(model) if isinstance(f, models.FileField)]
            total = _count(model, connection) if progress else 0
            bar = (
                progress(total=total, desc=meta.db_table, unit="row")
                if progress and total >= PROGRESS_MIN_ROWS
                else None
            )
            digest, rows = hashlib.sha256(), 0
            with open(staging / name, "wb") as out:
                for row in logical_rows(model, connection):
                    line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
                    out.write(line)
                    digest.update(line)
                    rows += 1
                    referenced.update(row[c] for c in file_columns if row[c])
                    if bar is not None:
                        bar.update(1)
            if bar is not None:
                bar.close()
            tables.append(
                {
                    "model": meta.label_lower,
                    "table": meta.db_table,
                    "file": name,
                    "rows": rows,
                    "sha256": digest.hexdigest(),
                    "columns": [
                        {"name": f.column, "type": f.get_internal_type(), "kind": _kind(f)}
                        for f in _columns(model)
                    ],
                }
            )
            log(f"  {meta.db_table}: {rows} rows")
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "database": {
            "vendor": connection.vendor,
            "version": ".".join(str(p) for p in connection.get_database_version()),
        },
        "django": django.get_version(),
        "schema": schema,
        "tables": tables,
    }
    return manifest, referenced


def _finish_manifest(manifest: dict, referenced: set[str], log) -> None:
    present = {m["path"] for m in manifest["media"]}
    missing = sorted(referenced - present)
    manifest["missing_media"] = missing
    for name in missing[:20]:
        log(f"  warning: a row points at {name}, which is not under MEDIA_ROOT")


def _tar_media(tar: tarfile.TarFile, rel: str, path: Path) -> dict:
    info = tar.gettarinfo(str(path), arcname=f"{MEDIA_DIR}/{rel}")
    with open(path, "rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return {"path": rel, "size": info.size, "sha256": reader.digest.hexdigest()}


def _copy_media(staging: Path, rel: str, path: Path) -> dict:
    target = staging / MEDIA_DIR / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    shutil.copystat(path, target)
    return {"path": rel, "size": size, "sha256": digest.hexdigest()}


# --- restore --------------------------------------------------------------------------------
@dataclass
class RestoreResult:
    tables: int
    rows: int
    media_files: int
    media_written: int
    source_vendor: str
    target_vendor: str
    counts: dict[str, int] = field(default_factory=dict)


@contextmanager
def opened(src: Path | str) -> Iterator[Path]:
    """The backup as a directory: itself, or a tar.gz extracted to a temporary directory."""
    src = Path(src)
    if src.is_dir():
        yield src
        return
    if not src.is_file():
        raise BackupError(f"{src} does not exist")
    with tempfile.TemporaryDirectory(prefix="townhall-restore-") as tmp:
        try:
            with tarfile.open(src, "r:*") as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(
                f"{src} is neither a backup directory nor a readable backup archive: {exc}"
            ) from None
        yield Path(tmp)


def read_manifest(root: Path) -> dict:
    try:
        manifest = json.loads((root / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"no {MANIFEST} in the backup: not a Townhall backup") from None
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} is not a Townhall backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {manifest.get('format_version')} is not supported "
            f"(this Townhall reads version {FORMAT_VERSION})"
        )
    return manifest


def verify(root: Path, manifest: dict) -> None:
    """Every data and media file is there with the size and SHA-256 the manifest says."""
    for table in manifest["tables"]:
        path = root / _safe_relative(table["file"])
        if not path.is_file():
            raise BackupError(f"{table['file']} is missing from the backup")
        if sha256_file(path) != table["sha256"]:
            raise BackupError(
                f"{table['file']} does not match its SHA-256 in the manifest: the backup is "
                "damaged or was altered; refusing to restore it"
            )
    for item in manifest["media"]:
        path = root / MEDIA_DIR / _safe_relative(item["path"])
        if not path.is_file():
            raise BackupError(f"media file {item['path']} is missing from the backup")
        if path.stat().st_size != item["size"] or sha256_file(path) != item["sha256"]:
            raise BackupError(
                f"media file {item['path']} does not match its SHA-256 in the manifest: the "
                "backup is damaged or was altered; refusing to restore it"
            )


def _check_schema(manifest: dict, models_: list, connection) -> None:
    target = applied_schema(connection)
    if not target:
        raise BackupError("the target database is not migrated: run `townhall migrate` first")
    differences = []
    for app in sorted({m._meta.app_label for m in models_}):
        wanted, have = manifest["schema"].get(app), target.get(app)
        if wanted != have:
            differences.append(f"{app}: backup {wanted or '(none)'}, database {have or '(none)'}")
    if differences:
        raise BackupError(
            "the database schema differs from the backup's; migrate the target to the backup's "
            "migrations (`townhall migrate <app> <migration>`), restore, then migrate forward. "
            + "; ".join(differences)
        )
    by_label = {t["model"]: t for t in manifest["tables"]}
    for model in models_:
        entry = by_label.get(_label(model))
        if entry is None:
            raise BackupError(f"the backup has no table for {_label(model)}")
        if [c["name"] for c in entry["columns"]] != [f.column for f in _columns(model)]:
            raise BackupError(f"{model._meta.db_table}: the backup's columns differ from the model")
    unknown = sorted(by_label.keys() - {_label(m) for m in models_})
    if unknown:
        raise BackupError(f"the backup holds tables this Townhall does not know: {unknown}")


def tables_with_rows(connection, models_=None, *, ignore_seeded: bool = True) -> dict[str, int]:
    """{table: rows} of the backed-up tables that hold rows (seeded ones left out)."""
    found = {}
    models_ = models_ or backup_models()
    seeded = migration_seeded(models_) if ignore_seeded else set()
    for model in models_:
        if _label(model) in seeded:
            continue
        count = _count(model, connection)
        if count:
            found[model._meta.db_table] = count
    return found


def _check_media_targets(manifest: dict, media_root: Path, force: bool) -> None:
    if force:
        return
    clashes = []
    for item in manifest["media"]:
        target = media_root / _safe_relative(item["path"])
        if target.exists() and sha256_file(target) != item["sha256"]:
            clashes.append(item["path"])
    if clashes:
        raise BackupError(
            f"{len(clashes)} file(s) under MEDIA_ROOT differ from the backup's (first: "
            f"{clashes[0]}); move them away or restore with --force to overwrite them"
        )


def _insert_sql(model, fields, connection) -> str:
    qn = connection.ops.quote_name
    cols = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {qn(model._meta.db_table)} ({cols}) VALUES ({marks})"  # noqa: S608  # nosec B608


def _file_checks(model, media: dict[str, dict]):
    """For a model with a FileField and a `sha256` column (attachments): the row's own checksum
    must match the file's, a second line of defence against an altered backup."""
    columns = {f.name: f.column for f in _columns(model)}
    file_fields = [f for f in _columns(model) if isinstance(f, models.FileField)]
    if "sha256" not in columns or len(file_fields) != 1:
        return None
    file_col, sum_col = file_fields[0].column, columns["sha256"]

    def check(row: dict) -> None:
        name = row.get(file_col)
        if name and name in media and media[name]["sha256"] != row.get(sum_col):
            raise BackupError(
                f"{model._meta.db_table} row {row.get(model._meta.pk.column)}: its sha256 does "
                f"not match the backed-up file {name}; refusing to restore"
            )

    return check


def _load_table(model, entry: dict, root: Path, connection, media, progress) -> int:
    fields = [f for f in _columns(model) if not getattr(f, "generated", False)]
    sql = _insert_sql(model, fields, connection)
    check = _file_checks(model, media)
    total = entry["rows"]
    bar = (
        progress(total=total, desc=model._meta.db_table, unit="row")
        if progress and total >= PROGRESS_MIN_ROWS
        else None
    )
    rows, batch = 0, []
    with (
        open(root / _safe_relative(entry["file"]), encoding="utf-8") as handle,
        connection.cursor() as cursor,
    ):
        for line in handle:
            row = json.loads(line)
            if check:
                check(row)
            batch.append([_from_json(f, row[f.column], connection) for f in fields])
            rows += 1
            if len(batch) >= INSERT_BATCH:
                cursor.executemany(sql, batch)
                if bar is not None:
                    bar.update(len(batch))
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            if bar is not None:
                bar.update(len(batch))
    if bar is not None:
        bar.close()
    if rows != total:
        raise BackupError(f"{entry['file']} holds {rows} rows, the manifest says {total}")
    return rows


def _write_media(root: Path, manifest: dict, media_root: Path) -> int:
    written = 0
    for item in manifest["media"]:
        rel = _safe_relative(item["path"])
        target = media_root / rel
        if target.exists() and sha256_file(target) == item["sha256"]:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring")
        digest = hashlib.sha256()
        with open(root / MEDIA_DIR / rel, "rb") as src, open(partial, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != item["sha256"]:  # changed since verify(): never install it
            partial.unlink(missing_ok=True)
            raise BackupError(f"media file {item['path']} changed while being restored")
        os.replace(partial, target)
        written += 1
    return written


def restore(
    src: Path | str,
    *,
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    progress: Progress | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> RestoreResult:
    """Restore a backup into an empty, migrated database (or, with `force`, flush it first)."""
    connection = connections[using]
    with opened(src) as root:
        manifest = read_manifest(root)
        models_ = backup_models()
        _check_schema(manifest, models_, connection)
        verify(root, manifest)
        if not force:
            busy = tables_with_rows(connection, models_)
            if busy:
                listed = ", ".join(f"{t} ({n} rows)" for t, n in list(busy.items())[:5])
                raise BackupError(
                    f"the target database is not empty: {listed}"
                    + (f" and {len(busy) - 5} more tables" if len(busy) > 5 else "")
                    + ". Restore into a freshly migrated database, or pass --force to delete "
                    "everything in this one first"
                )
        media_root = Path(settings.MEDIA_ROOT)
        _check_media_targets(manifest, media_root, force)
        media = {m["path"]: m for m in manifest["media"]}
        entries = {t["model"]: t for t in manifest["tables"]}
        counts: dict[str, int] = {}
        with transaction.atomic(using=using):
            if force:
                log("  flushing the database (--force)")
                call_command(
                    "flush",
                    interactive=False,
                    verbosity=0,
                    database=using,
                    inhibit_post_migrate=True,
                )
            with connection.cursor() as cursor:
                qn = connection.ops.quote_name
                for model in reversed(models_):  # seeded rows: replaced by the backup's
                    cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608  # nosec B608
            for model in models_:
                entry = entries[_label(model)]
                counts[model._meta.db_table] = _load_table(
                    model, entry, root, connection, media, progress
                )
                log(f"  {model._meta.db_table}: {counts[model._meta.db_table]} rows")
            reset = connection.ops.sequence_reset_sql(no_style(), models_)
            if reset:
                with connection.cursor() as cursor:
                    for statement in reset:
                        cursor.execute(statement)
            for model in models_:
                expected = entries[_label(model)]["rows"]
                actual = _count(model, connection)
                if actual != expected:
                    raise BackupError(
                        f"{model._meta.db_table}: {actual} rows after the restore, the manifest "
                        f"says {expected}; nothing was kept"
                    )
            connection.check_constraints(table_names=[m._meta.db_table for m in models_])
            written = _write_media(root, manifest, media_root)
    ContentType.objects.clear_cache()
    reference.clear_all()  # the rows this process kept are the replaced database's
    statements.forget_ids()  # and the ids it drew ahead, from sequences now reset
    return RestoreResult(
        tables=len(models_),
        rows=sum(counts.values()),
        media_files=len(manifest["media"]),
        media_written=written,
        source_vendor=manifest["database"]["vendor"],
        target_vendor=connection.vendor,
        counts=counts,
    )

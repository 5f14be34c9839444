"""Re-encrypt every encrypted column under the first key, without downtime.

The procedure (docs: operations, "Rotating FIELD_ENCRYPTION_KEY"):

1. Generate a key and deploy `FIELD_ENCRYPTION_KEY=NEW,OLD` to every app server and worker
   (newest first). From then on new values are encrypted under NEW and every value, old or new,
   still decrypts: nothing stops.
2. Run `townhall rotate_keys`. It walks every EncryptedTextField column of every model in
   batches (`--batch-size`, 500 by default); each batch is one short transaction that locks only
   its own rows (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's IMMEDIATE transaction), re-encrypts
   the stored tokens that are not yet under NEW with `crypto.rotate` (raw SQL: one decryption and
   one encryption per value, never through the model), and recomputes the blind indexes that
   are keyed by the first key (`Submitter.person_key`, `phone_key`). Live requests run between
   batches.
3. `townhall rotate_keys --check` must then report nothing left to do.
4. Deploy `FIELD_ENCRYPTION_KEY=NEW` (OLD removed) and destroy OLD.

It is idempotent and resumable: a value already under NEW is left as it is, so an interrupted
run (or a batch stopped by an unreadable value) is finished by running it again. A value that no
configured key opens stops the run with its table, column and row id, never its content.

While step 2 runs, a blind-index look-up computed under NEW misses the rows not yet re-indexed
(the portal's phone look-up, duplicate-person counts) until their batch is done: the window is
the length of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from townhall.core import crypto
from townhall.core.crypto import EncryptedTextField

DEFAULT_BATCH_SIZE = 500


class RotationError(Exception):
    """A value that cannot be rotated; the message names where it is, never what it is."""


def submitter_blind_indexes(
    *, name: str, id_number: str, phone: str, address: str
) -> tuple[str, str]:
    """`(person_key, phone_key)` of a submitter: the formula intake uses."""
    return crypto.person_blind_indexes(name=name, id_number=id_number, phone=phone, address=address)


@dataclass
class ColumnReport:
    table: str
    column: str
    rotated: int = 0  # re-encrypted under the first key (or, with --check, would be)
    current: int = 0  # already under the first key
    empty: int = 0  # NULL or "": nothing to encrypt

    @property
    def label(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass
class RotationReport:
    columns: list[ColumnReport] = field(default_factory=list)
    rows: int = 0
    indexes_checked: int = 0
    indexes_updated: int = 0  # rows whose blind index changed (or, with --check, would)

    @property
    def rotated(self) -> int:
        return sum(c.rotated for c in self.columns)

    @property
    def current(self) -> int:
        return sum(c.current for c in self.columns)

    @property
    def done(self) -> bool:
        return self.rotated == 0 and self.indexes_updated == 0


@dataclass(frozen=True)
class _Target:
    model: type
    columns: tuple[str, ...]  # encrypted columns
    blind: bool  # recompute Submitter's blind indexes


def encrypted_targets() -> list[_Target]:
    """Every model with an EncryptedTextField, and its encrypted columns."""
    from townhall.petitions.models import Submitter

    targets = []
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        columns = tuple(f.column for f in meta.concrete_fields if isinstance(f, EncryptedTextField))
        if columns:
            targets.append(_Target(model, columns, blind=model is Submitter))
    return sorted(targets, key=lambda t: t.model._meta.db_table)


def rotate_all(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    check: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[..., object] | None = None,
) -> RotationReport:
    """Re-encrypt every stored token under the first key and recompute the blind indexes; with
    `check`, only count what would change (writes nothing)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    crypto.encrypt("")  # validates the configured keys (ImproperlyConfigured names a bad one)
    first = Fernet(keys[0])
    report = RotationReport()
    for target in encrypted_targets():
        _rotate_table(target, first, batch_size, check, connections[using], progress, report)
    return report


def _rotate_table(target, first, batch_size, check, connection, progress, report) -> None:
    meta = target.model._meta
    qn = connection.ops.quote_name
    table, pk = meta.db_table, meta.pk.column
    columns = list(target.columns)
    reports = {c: ColumnReport(table, c) for c in columns}
    report.columns.extend(reports.values())
    blind = {}
    if target.blind:
        blind = {
            name: meta.get_field(name).column
            for name in ("name", "id_number", "phone", "address", "person_key", "phone_key")
        }
    selected = list(dict.fromkeys([pk, *columns, *blind.values()]))
    head = f"SELECT {', '.join(qn(c) for c in selected)} FROM {qn(table)}"  # noqa: S608  # nosec B608
    tail = f" ORDER BY {qn(pk)} LIMIT %s"
    if connection.features.has_select_for_update and not check:
        tail += " FOR UPDATE"  # this batch's rows only, for this batch's short transaction
    first_batch, next_batch = head + tail, f"{head} WHERE {qn(pk)} > %s{tail}"
    written = [*columns, *([blind["person_key"], blind["phone_key"]] if blind else [])]
    update = (
        f"UPDATE {qn(table)} SET {', '.join(f'{qn(c)} = %s' for c in written)} "  # noqa: S608  # nosec B608
        f"WHERE {qn(pk)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")  # noqa: S608  # nosec B608
        total = cursor.fetchone()[0]
    bar = progress(total=total, desc=table, unit="row") if progress and total >= 1000 else None
    last = None
    try:
        while True:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                if last is None:
                    cursor.execute(first_batch, [batch_size])
                else:
                    cursor.execute(next_batch, [last, batch_size])
                rows = cursor.fetchall()
                if not rows:
                    break
                changes = []
                for raw in rows:
                    row = dict(zip(selected, raw, strict=True))
                    new, plain = _rotate_row(row, columns, first, reports, table, pk)
                    if blind:
                        keys = submitter_blind_indexes(
                            name=plain[blind["name"]],
                            id_number=plain[blind["id_number"]],
                            phone=plain[blind["phone"]],
                            address=plain[blind["address"]],
                        )
                        report.indexes_checked += 1
                        if keys != (row[blind["person_key"]], row[blind["phone_key"]]):
                            report.indexes_updated += 1
                            new[blind["person_key"]], new[blind["phone_key"]] = keys
                    if new:
                        changes.append([new.get(c, row[c]) for c in written] + [row[pk]])
                if changes and not check:
                    cursor.executemany(update, changes)
                report.rows += len(rows)
                last = rows[-1][0]
            if bar is not None:
                bar.update(len(rows))
    finally:
        if bar is not None:
            bar.close()


def _rotate_row(row, columns, first: Fernet, reports, table, pk) -> tuple[dict, dict]:
    """{column: new token} for the tokens not yet under the first key, and the plaintexts of
    the row (for the blind indexes)."""
    new, plain = {}, {}
    for column in columns:
        token = row[column]
        if token is None or token == "":  # an empty cell, not a password  # nosec B105
            reports[column].empty += 1
            plain[column] = ""
            continue
        try:
            plain[column] = first.decrypt(token).decode("utf-8")
            reports[column].current += 1
            continue
        except (InvalidToken, ValueError, TypeError):
            pass
        try:
            rotated = crypto.rotate(token)
        except crypto.DecryptionError:
            raise RotationError(
                f"{table}.{column}, row {pk}={row[pk]}: the stored value opens under none of the "
                f"{len(settings.FIELD_ENCRYPTION_KEYS)} key(s) in FIELD_ENCRYPTION_KEY (damaged, "
                "or encrypted under a key no longer configured). This batch was not written; "
                "earlier batches are kept. Put the missing key back (last in the list) or "
                "repair that value, then run the command again: it resumes where it stopped."
            ) from None
        plain[column] = first.decrypt(rotated).decode("utf-8")
        new[column] = rotated
        reports[column].rotated += 1
    return new, plain

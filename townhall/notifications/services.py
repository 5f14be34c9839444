"""Queue notifications inside the caller's transaction; `townhall tick` delivers them."""

from django.db import IntegrityError, connection, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from .models import Channel, Notification


def notification_queue(
    *,
    channel: str,
    recipient: str,
    body: str,
    purpose: str,
    dedupe_key: str,
    subject: str = "",
    case=None,
    available_at=None,
) -> Notification | None:
    """Add one notification to the outbox; a second call with the same key adds nothing."""
    if not recipient:
        return None
    if channel not in Channel.values:
        raise ValueError(f"unknown notification channel {channel!r}")
    notification = Notification(
        channel=channel,
        recipient=recipient,
        subject=subject[:200],
        body=body,
        purpose=purpose,
        dedupe_key=dedupe_key[:200],
        case=case,
        available_at=available_at or timezone.now(),
    )
    if connection.vendor == "postgresql":
        return _insert_unless_queued(notification)
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        return None
    return notification


def _insert_unless_queued(notification: Notification) -> Notification | None:
    """PostgreSQL: one `INSERT … ON CONFLICT DO NOTHING RETURNING id`, the statement the ORM
    compiles for `bulk_create(ignore_conflicts=True)` with the id asked back. A key already
    queued returns no row and leaves the caller's transaction as it was, where catching the
    IntegrityError needs a savepoint around the INSERT: two more round trips on every
    petition received (docs/benchmarks.md). The only unique column is `dedupe_key`."""
    meta = Notification._meta
    query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    query.insert_values([f for f in meta.concrete_fields if not f.primary_key], [notification])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    notification.pk = row[0]
    notification._state.adding, notification._state.db = False, connection.alias
    return notification

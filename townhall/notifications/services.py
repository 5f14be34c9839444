"""Queue notifications inside the caller's transaction; `townhall tick` delivers them."""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from townhall.core import statements

from .models import Channel, Notification

_CHANNELS = frozenset(Channel.values)  # `Choices.values` builds a list at every read


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
    batch: statements.Batch | None = None,
) -> Notification | None:
    """Add one notification to the outbox; a second call with the same key adds nothing.

    With `batch` (PostgreSQL), the row is written with the batch, and skipped there if its key
    was taken; the notification is returned unwritten."""
    if not recipient:
        return None
    if channel not in _CHANNELS:
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
    if batch is not None and batch.together:
        batch.add([notification], ignore_conflicts=True)
        return notification
    if connection.vendor == "postgresql":
        # One INSERT ... ON CONFLICT DO NOTHING RETURNING id: a key already queued returns no
        # row and leaves the caller's transaction as it was, where catching the IntegrityError
        # needs a savepoint, two more round trips per notification (ADR 0016).
        written = statements.insert([notification], ignore_conflicts=True)
        return written[0] if written else None
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        return None
    return notification

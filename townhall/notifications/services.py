"""Queue notifications inside the caller's transaction; `townhall tick` delivers them."""

from django.db import IntegrityError, transaction
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
    try:
        with transaction.atomic():
            return Notification.objects.create(
                channel=channel,
                recipient=recipient,
                subject=subject[:200],
                body=body,
                purpose=purpose,
                dedupe_key=dedupe_key[:200],
                case=case,
                available_at=available_at or timezone.now(),
            )
    except IntegrityError:
        return None

"""Delivering the outbox: claim due notifications, send them, record what happened.

The guarantee, as implemented
-----------------------------
*Nothing is lost.* A notification is a row written by `notification_queue` inside the same
transaction as the case change that causes it: both commit or neither does. Once committed, the
row stays `pending` (or `sending`) until a worker records `sent` or, after
`max_attempts()` tries, `failed` (which staff can see and requeue in the admin).

*At least once, not exactly once.* `outbox_deliver` works in three steps:

1. **Claim**, in one short transaction: pick due rows (`pending` with `available_at <= now`, or
   `sending` whose lease `claimed_until` has lapsed because the worker that claimed it died),
   locked with `SELECT … FOR UPDATE SKIP LOCKED` where the database supports it (PostgreSQL:
   concurrent workers take disjoint batches without waiting). On SQLite the project's
   IMMEDIATE transactions make the claim a single serialised writer. Each claimed row gets
   `state=sending`, `attempts += 1`, a lease `claimed_until = now + lease` and a fresh
   `claim_token`; the UPDATE re-checks "still due", so even without row locks two workers can
   never hold the same claim.
2. **Send**, outside any transaction (no lock or connection is held while a provider is slow).
   Just before each send the worker renews that row's lease, conditionally on still holding
   its `claim_token`; if it lost the claim (its batch ran past the lease and another worker
   took the row) it skips the row instead of sending it a second time.
3. **Record**: `sent` with `sent_at` on success; on an error, back to `pending` with an
   exponential back-off in `available_at` and the error in `last_error`, or `failed` once
   `attempts` reaches `max_attempts()`. A failure is recorded only while the worker still
   holds the claim, a success always (it is a fact), never overwriting an earlier `sent`.

The one window left: a worker that dies (or loses the database) *after* the provider accepted a
message and *before* step 3 committed leaves the row `sending`; when its lease lapses the row is
claimed again and the message goes out a second time. To let the far end drop that duplicate,
every send carries the notification's stable reference (`Notification.reference`, built from its
id): SMS backends that accept a `reference` keyword get it (a provider that deduplicates by
client message id drops the resend), and emails carry it as their `Message-ID` (mail clients
collapse messages with the same Message-ID) and an `X-Townhall-Notification` header.

A row whose worker died on it `max_attempts()` times (a message that crashes the sender, say)
is not claimed again but marked `failed`, saying it may or may not have gone out.

Settings (all optional): `TOWNHALL_NOTIFICATION_LEASE_SECONDS` (300),
`TOWNHALL_NOTIFICATION_MAX_ATTEMPTS` (10), `TOWNHALL_NOTIFICATION_RETRY_SECONDS` (60: the
first back-off, doubled on each further failure, at most 6 hours). Set `EMAIL_TIMEOUT` in
production so that a hung SMTP server cannot outlast the lease.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .backends import SMSBackend, accepts_reference, get_sms_backend
from .models import Channel, Notification, State

logger = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=6)
ERROR_MAX_CHARS = 2000
CRASHED_ERROR = (
    "A worker stopped while sending it on its last attempt; it may or may not have been "
    "delivered. Requeue it from the admin to try again."
)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "TOWNHALL_NOTIFICATION_LEASE_SECONDS", 300))


def max_attempts() -> int:
    return getattr(settings, "TOWNHALL_NOTIFICATION_MAX_ATTEMPTS", 10)


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    first = getattr(settings, "TOWNHALL_NOTIFICATION_RETRY_SECONDS", 60)
    seconds = first * 2 ** min(max(attempts - 1, 0), 20)
    return min(dt.timedelta(seconds=seconds), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0  # failed this time, back to pending for a later try
    failed: int = 0  # given up: too many attempts (including rows whose worker died)
    skipped: int = 0  # lost the claim to another worker before sending

    def __str__(self) -> str:
        return f"sent={self.sent} retried={self.retried} failed={self.failed}"


def _due(now: dt.datetime) -> Q:
    pending = Q(state=State.PENDING, available_at__lte=now)
    abandoned = Q(state=State.SENDING, claimed_until__lt=now)
    return pending | abandoned


def _claim(*, limit: int, now: dt.datetime, report: DeliveryReport) -> list[Notification]:
    token = uuid.uuid4()
    with transaction.atomic():
        # Rows a worker died on too often: give up rather than crash the next worker too.
        report.failed += Notification.objects.filter(
            state=State.SENDING, claimed_until__lt=now, attempts__gte=max_attempts()
        ).update(
            state=State.FAILED,
            claimed_until=None,
            claim_token=None,
            last_error=CRASHED_ERROR,
        )
        candidates = Notification.objects.filter(_due(now)).order_by("available_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Notification.objects.filter(_due(now), pk__in=ids).update(
            state=State.SENDING,
            attempts=F("attempts") + 1,
            claimed_until=now + lease(),
            claim_token=token,
        )
    claimed = list(Notification.objects.filter(claim_token=token).order_by("available_at", "pk"))
    report.claimed += len(claimed)
    return claimed


def _renew(notification: Notification, now: dt.datetime) -> bool:
    """Extend this worker's lease on the row; False if another worker holds it now."""
    return bool(
        Notification.objects.filter(
            pk=notification.pk, state=State.SENDING, claim_token=notification.claim_token
        ).update(claimed_until=now + lease())
    )


def _email_domain() -> str:
    address = parseaddr(getattr(settings, "DEFAULT_FROM_EMAIL", ""))[1]
    return address.rpartition("@")[2] or "townhall.invalid"


def _send(notification: Notification, *, sms_backend: SMSBackend, email_connection) -> None:
    reference = notification.reference
    if notification.channel == Channel.SMS:
        if accepts_reference(sms_backend):
            sms_backend.send(notification.recipient, notification.body, reference=reference)
        else:
            sms_backend.send(notification.recipient, notification.body)
    elif notification.channel == Channel.EMAIL:
        EmailMessage(
            subject=notification.subject or "Townhall",
            body=notification.body,
            to=[notification.recipient],
            connection=email_connection,
            headers={
                "Message-ID": f"<{reference}@{_email_domain()}>",
                "X-Townhall-Notification": reference,
            },
        ).send()
    else:
        raise ValueError(f"unknown notification channel {notification.channel!r}")


def _error_text(exc: Exception, notification: Notification) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if notification.recipient:
        # Providers echo the address back; the recipient is encrypted at rest, keep it so.
        text = text.replace(notification.recipient, "<recipient>")
    return text[:ERROR_MAX_CHARS]


def _record_failure(
    notification: Notification, exc: Exception, now: dt.datetime, report: DeliveryReport
) -> None:
    error = _error_text(exc, notification)
    given_up = notification.attempts >= max_attempts()
    changes = {"claimed_until": None, "claim_token": None, "last_error": error}  # nosec B105
    if given_up:
        changes["state"] = State.FAILED
    else:
        changes["state"] = State.PENDING
        changes["available_at"] = now + retry_delay(notification.attempts)
    mine = Notification.objects.filter(
        pk=notification.pk, state=State.SENDING, claim_token=notification.claim_token
    )
    if mine.update(**changes):
        if given_up:
            report.failed += 1
        else:
            report.retried += 1
    logger.warning(
        "notification %s (%s, %s) attempt %s failed%s: %s",
        notification.pk,
        notification.purpose,
        notification.channel,
        notification.attempts,
        "; giving up" if given_up else "",
        error,
    )


def _record_sent(notification: Notification, now: dt.datetime, report: DeliveryReport) -> None:
    # Whoever holds the claim now, the message went out: say so (but keep a first sent_at).
    Notification.objects.filter(pk=notification.pk).exclude(state=State.SENT).update(
        state=State.SENT, sent_at=now, claimed_until=None, claim_token=None, last_error=""
    )
    report.sent += 1


def outbox_deliver(*, limit: int = 100, now: dt.datetime | None = None) -> DeliveryReport:
    """Send up to `limit` due notifications; safe to run in many processes at once.

    `now` pins the clock (tests); by default each step reads the current time. See the module
    docstring for what is guaranteed.
    """
    clock = (lambda: now) if now is not None else timezone.now
    # Built before claiming anything: a wrong SMS_BACKEND or EMAIL_BACKEND fails loudly here
    # instead of burning the attempts of every notification.
    sms_backend = get_sms_backend()
    email_connection = get_connection()
    report = DeliveryReport()
    claimed = _claim(limit=limit, now=clock(), report=report)
    for notification in claimed:
        if not _renew(notification, clock()):
            report.skipped += 1
            continue
        try:
            _send(notification, sms_backend=sms_backend, email_connection=email_connection)
        except Exception as exc:  # any provider error: retried later, never lost
            _record_failure(notification, exc, clock(), report)
        else:
            _record_sent(notification, clock(), report)
    return report

"""`Idempotency-Key` for every POST under /api/v1/: a retried request returns the first answer.

Design: the key is reserved in the same database transaction as the write.

1. The decorated view runs inside `transaction.atomic()`. It first looks for a record with the
   same (user, key). If one exists, the stored status and body are returned unchanged (with the
   header `Idempotent-Replayed: true`), or a 422 problem when the key was used with a different
   body, path or method. Nothing is executed again.
2. Otherwise it inserts the record (the reservation) in a savepoint, *before* running the
   operation. The unique constraint on (user, key) is the lock:
   - PostgreSQL: a concurrent twin's INSERT blocks on the unique index until the first
     transaction ends. If the first commits, the twin gets an IntegrityError, rolls back its
     savepoint, reads the now-committed record and replays it; if the first rolls back, the
     twin's INSERT succeeds and it does the work itself.
   - SQLite: transactions are BEGIN IMMEDIATE (settings), so writers are serialised and the
     twin's look-up in step 1 already sees the committed record.
3. The operation runs (its services nest as savepoints), then the record is completed with the
   response status and body, and everything commits together: there is never a committed write
   without its record, nor a record without its write, even if the process dies in between.
4. Only 2xx answers are kept. An error (4xx, raised or returned) rolls the reservation back with
   everything else, because nothing was written: the client may fix the request and retry with
   the same key.

Response bodies are encrypted at rest (they hold the citizen's tracking secret). Records can be
purged after a retention period with `purge()`.
"""

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .errors import Problem
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as the IETF draft suggests
RETENTION = dt.timedelta(days=7)

OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Any unique string (a UUID is a good choice). A retry with the same key and "
    "the same body returns the first answer and changes nothing; the same key with a different "
    "body is refused with 422. Kept for at least 7 days.",
}
OPENAPI_EXTRA = {"parameters": [OPENAPI_PARAMETER]}


def fingerprint(body: bytes) -> str:
    """SHA-256 of the body; JSON is canonicalised first, so key order and spacing do not count."""
    try:
        canonical = json.dumps(
            json.loads(body or b"null"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def _replay(record: IdempotencyRecord, request: HttpRequest, request_hash: str) -> HttpResponse:
    if record.method != request.method or record.path != request.path:
        raise Problem(
            422,
            f"Idempotency-Key already used for {record.method} {record.path}; "
            "send a new key with each new request",
            field=HEADER,
        )
    if record.request_hash != request_hash:
        raise Problem(
            422,
            "Idempotency-Key reused with a different body; send a new key with each new request",
            field=HEADER,
        )
    response = HttpResponse(
        record.response_body, status=record.response_status, content_type="application/json"
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _find(user, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Make a POST view honour `Idempotency-Key`. The view must return an HttpResponse and run
    behind bearer authentication (`request.auth` is the user)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None:
            return view(request, *args, **kwargs)
        if not _VALID_KEY.match(key):
            raise Problem(
                422,
                f"An {HEADER} is 1 to 255 visible ASCII characters (a UUID is a good choice)",
                field=HEADER,
            )
        user = request.auth
        request_hash = fingerprint(request.body)
        with transaction.atomic():
            record = _find(user, key)
            if record is None:
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            user=user,
                            key=key,
                            method=request.method,
                            path=request.path[:400],
                            request_hash=request_hash,
                        )
                except IntegrityError:
                    # A concurrent twin committed first (PostgreSQL): answer as it did.
                    record = _find(user, key)
                    if record is None:  # pragma: no cover - the twin rolled back in between
                        raise Problem(
                            409, f"A request with this {HEADER} is in progress; retry shortly"
                        ) from None
                    return _replay(record, request, request_hash)
                response = view(request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    record.response_status = response.status_code
                    record.response_body = response.content.decode("utf-8")
                    record.save(update_fields=["response_status", "response_body"])
                else:
                    transaction.set_rollback(True)
                return response
            return _replay(record, request, request_hash)

    return wrapper


def purge(*, older_than: dt.timedelta = RETENTION) -> int:
    """Delete records past the retention period; returns how many were deleted."""
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted

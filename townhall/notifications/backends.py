"""SMS backends, chosen by `settings.SMS_BACKEND` (a dotted path), like Django's email backends.

An SMS backend is any class whose instances have `send(phone, body)`; it may also accept a
keyword `reference`, the notification's idempotency reference (stable across retries of the
same notification), which a provider that deduplicates by client reference can use to drop a
resend. `send` returns when the provider has accepted the message and raises on any failure; the
outbox (`delivery.py`) retries it later.

Email needs nothing here: it goes through Django's `EMAIL_BACKEND`.
"""

import inspect
import sys
import threading
from dataclasses import dataclass
from typing import ClassVar, Protocol, TextIO, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@runtime_checkable
class SMSBackend(Protocol):
    def send(self, phone: str, body: str) -> None:
        """Hand one SMS to the provider; return when it is accepted, raise when it is not."""


class BaseSMSBackend:
    """A convenient base: keyword options from `get_sms_backend(**options)` are accepted."""

    def __init__(self, **options) -> None:
        self.options = options

    def send(self, phone: str, body: str, *, reference: str = "") -> None:
        raise NotImplementedError("an SMS backend must implement send(phone, body)")


class ConsoleSMSBackend(BaseSMSBackend):
    """Writes each SMS to a stream (stdout by default): the development default."""

    def __init__(self, stream: TextIO | None = None, **options) -> None:
        super().__init__(**options)
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, phone: str, body: str, *, reference: str = "") -> None:
        stream = self.stream or sys.stdout  # looked up late, so a redirected stdout is used
        with self._lock:
            stream.write(f"SMS to {phone}" + (f" [{reference}]" if reference else "") + "\n")
            stream.write(f"{body}\n{'-' * 40}\n")
            stream.flush()


@dataclass(frozen=True)
class SMS:
    phone: str
    body: str
    reference: str = ""


class LocMemSMSBackend(BaseSMSBackend):
    """Keeps every SMS in `LocMemSMSBackend.outbox` (shared by all instances), for tests."""

    outbox: ClassVar[list[SMS]] = []

    def send(self, phone: str, body: str, *, reference: str = "") -> None:
        type(self).outbox.append(SMS(phone=phone, body=body, reference=reference))


def get_sms_backend(path: str | None = None, **options) -> SMSBackend:
    """An instance of `path` (default `settings.SMS_BACKEND`); ImproperlyConfigured if it is not
    an importable class with a `send` method."""
    path = path or getattr(settings, "SMS_BACKEND", "") or ""
    if not path:
        raise ImproperlyConfigured("SMS_BACKEND is empty: set it to a dotted path to a class")
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"SMS_BACKEND {path!r} cannot be imported: {exc}") from exc
    backend = backend_class(**options)
    if not callable(getattr(backend, "send", None)):
        raise ImproperlyConfigured(f"SMS_BACKEND {path!r} has no send(phone, body) method")
    return backend


def accepts_reference(backend: SMSBackend) -> bool:
    """Whether `backend.send` takes the `reference` keyword (or any keyword)."""
    try:
        parameters = inspect.signature(backend.send).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        or (p.name == "reference" and p.kind is not inspect.Parameter.POSITIONAL_ONLY)
        for p in parameters
    )

"""Reference tables read by every intake and transition, kept in each process for a short time.

The topics, the administrative units and the deadline rules change a few times a year (an
administrator's edit, `townhall units_load`), and intake read each of them again on every
request: three of its sixteen statements, about a quarter of its CPU (docs/decisions/0013).
Each `Reference` holds what its loader returned for `REFERENCE_CACHE_SECONDS` (60 by default;
0 turns it off), the way Django keeps its `Site` and `ContentType` rows per process.

- A save or delete of a watched model through the ORM empties the holder in this process at
  once and again when the transaction commits (so a rolled-back edit read meanwhile is not kept).
- The other processes see the change when their copy expires: at most
  `REFERENCE_CACHE_SECONDS` later. Bulk writes (`units_load`, `QuerySet.update`) send no signal
  and are seen after the same delay.
- Nothing confidential and nothing the access policy decides is kept here: only rows every
  user may read. Tests empty every holder before each test (root conftest).
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_ALL: list["Reference"] = []


class Reference(Generic[T]):
    """What `load()` returns, reloaded when older than `REFERENCE_CACHE_SECONDS` or emptied."""

    def __init__(self, load: Callable[[], T]):
        self._load = load
        self._value: T | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self) -> T:
        ttl = settings.REFERENCE_CACHE_SECONDS
        if ttl <= 0:
            return self._load()
        with self._lock:
            if self._value is None or time.monotonic() - self._loaded_at > ttl:
                self._value = self._load()
                self._loaded_at = time.monotonic()
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._value = None

    def watch(self, *models) -> "Reference[T]":
        """Empty this holder when a row of one of `models` is saved or deleted here."""
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=model, weak=False)
        return self

    def _changed(self, **kwargs) -> None:
        self.clear()
        transaction.on_commit(self.clear, using=kwargs.get("using"))


def clear_all() -> None:
    """Empty every holder (tests, after `units_load`)."""
    for reference in _ALL:
        reference.clear()

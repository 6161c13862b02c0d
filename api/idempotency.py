"""`Idempotency-Key` for POST: a retried request gets the first answer instead of a second change.

Keys are scoped to the caller (org and subject), remembered for 24 hours in this server
process, and bound to the request they were first used with: reusing a key for a different
request is refused, and a retry that arrives while the first attempt is still running is
told so instead of racing it. Only accepted changes are remembered, so a failed attempt can
simply be retried. A replay is authorised again, as the first attempt was: the same subject may
come back with a token whose roles were taken away, or after the tenant moved to another org
(issue 22, 11), and then gets the refusal a new request would get, not the stored answer.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from api.errors import Conflict, FieldError, Unprocessable

T = TypeVar("T")
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class _Entry(Generic[T]):
    fingerprint: str
    result: T
    stored_at: float


class IdempotencyStore(Generic[T]):
    def __init__(self, ttl_seconds: float = 24 * 3600, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._done: OrderedDict[tuple[str, ...], _Entry[T]] = OrderedDict()
        self._running: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()

    def run(self, scope: tuple[str, ...], key: str | None, request: bytes, action: Callable[[], T],
            authorize: Callable[[], object]) -> tuple[T, bool]:
        """Run `action` once per (scope, key); returns (result, replayed). `authorize` raises when the caller may
        not make this request now; it runs before a replay too (`action` authorises itself)."""
        if key is None:
            return action(), False
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
            raise Unprocessable([FieldError(loc=["header", "idempotency-key"], field="header idempotency-key",
                                            msg=f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                                            type="value_error")])
        slot = (*scope, key)
        fingerprint = hashlib.sha256(request).hexdigest()
        with self._lock:
            self._expire()
            entry = self._done.get(slot)
            if entry is not None:
                if entry.fingerprint != fingerprint:
                    raise Unprocessable([FieldError(loc=["header", "idempotency-key"], field="header idempotency-key",
                                                    msg="this key was already used for a different request",
                                                    type="idempotency_key_reused")])
            elif slot in self._running:
                raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly")
            else:
                self._running.add(slot)
        if entry is not None:
            authorize()
            return entry.result, True
        try:
            result = action()
        finally:
            with self._lock:
                self._running.discard(slot)
        with self._lock:
            self._done[slot] = _Entry(fingerprint, result, self._clock())
            while len(self._done) > self._max:
                self._done.popitem(last=False)
        return result, False

    def _expire(self) -> None:
        cutoff = self._clock() - self._ttl
        while self._done:
            slot, entry = next(iter(self._done.items()))
            if entry.stored_at >= cutoff:
                break
            del self._done[slot]

"""Per-org rate limit: a token bucket per org, refilled continuously.

Each org may send `burst` requests at once and `per_minute` requests a minute sustained;
beyond that a request is refused with the number of seconds until the next one is allowed.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class OrgRateLimiter:
    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        """org -> (tokens, time of last refill)"""
        self._lock = threading.Lock()

    def acquire(self, org: str) -> int | None:
        """Take one token; None if allowed, else whole seconds to wait (for Retry-After)."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(org, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[org] = (tokens - 1.0, now)
                return None
            self._buckets[org] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self._rate))

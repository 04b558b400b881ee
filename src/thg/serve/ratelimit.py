"""Per-client rate limits: a token bucket per client address."""

from __future__ import annotations

import threading
import time

from thg.errors import InputError


class RateLimitError(InputError):
    """A client sent more than its share; the message says when to try again."""


class RateLimiter:
    """At most ``per_minute`` events per key, in bursts of up to ``per_minute`` (0 = no limit)."""

    def __init__(self, per_minute: int, what: str, clock=time.monotonic) -> None:
        self.per_minute, self.what, self.clock = per_minute, what, clock
        self._buckets: dict[str, tuple[float, float]] = {}   # key -> (tokens, time)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one token of ``key``, or raise :class:`RateLimitError`."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            if tokens < 1.0:
                wait = (1.0 - tokens) / rate
                self._buckets[key] = (tokens, now)
                raise RateLimitError(f"too many {self.what} from this address (at most {self.per_minute} a minute); "
                                     f"try again in {wait:.0f} s")
            self._buckets[key] = (tokens - 1.0, now)

"""Per-token rate limit: a token bucket for each bearer token, in this process.

Each token may make ``burst`` requests at once and then ``per_s`` a second on average;
a request over that is refused with 429 ``RATE_LIMITED`` and the whole seconds after
which one will pass again. Buckets live in memory: N processes allow N times the rate.
"""

import math
import threading
import time
from collections.abc import Callable

from bootstrap.settings import Settings
from ledger.domain.errors import RateLimited


class RateLimiter:
    """Token buckets keyed by token id; safe to share between request threads."""

    def __init__(
        self, per_s: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_s, self.burst, self.clock = per_s, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, as of)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> "RateLimiter":
        return cls(settings.rate_limit_per_s, settings.rate_limit_burst, clock)

    @property
    def enabled(self) -> bool:
        """``0`` for either setting switches the limit off."""
        return self.per_s > 0 and self.burst > 0

    def wait_s(self, key: str) -> float:
        """Takes one request from ``key``'s bucket: 0 if it may pass, else the seconds until
        it would (nothing is taken then)."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + max(0.0, now - then) * self.per_s)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.per_s

    def check(self, key: str) -> None:
        """Lets one request of ``key`` pass, or raises ``RateLimited``."""
        wait = self.wait_s(key)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise RateLimited(
                f"too many requests with this token (at most {self.burst} at "
                f"once, then {self.per_s:g} a second); retry in {retry_after} s",
                retry_after_s=retry_after,
            )

"""The optional client-side rate-limit throttle, fed by the replies' ``userRateLimit``."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["MAX_WINDOW_MS", "ThrottleState"]


#: The longest hold a reply's ``reset`` can cause: KuCoin's rate-limit windows are 30 s.
MAX_WINDOW_MS: Final = 30_000


@dataclass
class ThrottleState:
    """Client-side rate-limit throttle fed by ``userRateLimit`` of the replies.

    When the last reply said ``remaining <= reserve`` and its ``reset`` (ms until the
    window resets) has not elapsed, :meth:`wait_time` returns the seconds to hold the
    next request. A 429 reply (``RateLimitError``) holds until its reset as well.
    Order ops are never retried: the throttle only delays requests before they are
    written. A ``reset`` beyond :data:`MAX_WINDOW_MS` counts as that long.
    """

    reserve: int = 0
    remaining: int | None = None
    resume_at: float = 0.0  # monotonic time the window resets
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    held: int = 0  # requests that had to wait

    def update(self, rate_limit: Any) -> None:
        """Record the ``RateLimit(limit, remaining, reset)`` of a reply (None: ignored)."""
        if rate_limit is None:
            return
        remaining, reset = rate_limit.remaining, rate_limit.reset
        if remaining is None or reset is None:
            return
        self.hold(reset, remaining)

    def hold(self, reset_ms: int, remaining: int = 0) -> None:
        """Record ``remaining`` until the window resets in ``reset_ms`` (a 429 reply:
        none left, every request held)."""
        self.remaining = remaining
        self.resume_at = self.clock() + min(max(0, reset_ms), MAX_WINDOW_MS) / 1000.0

    def wait_time(self) -> float:
        """Seconds the next request should wait (0: send now)."""
        if self.remaining is None or self.remaining > self.reserve:
            return 0.0
        left = self.resume_at - self.clock()
        if left <= 0:
            self.remaining = None  # window over: unknown again until the next reply
            return 0.0
        return left

    def consume(self) -> None:
        """Count one request against the last known ``remaining``."""
        if self.remaining is not None:
            self.remaining -= 1

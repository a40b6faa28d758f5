"""Reconnect policy (backoff with jitter, rate cap) and its per-key state."""
from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

__all__ = ["RECONCILE_BACKOFF", "Backoff", "ReconnectPolicy"]


#: Delays between REST lookups of an order KuCoin does not find (yet).
RECONCILE_BACKOFF: Final = (0.25, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class ReconnectPolicy:
    """Exponential backoff with jitter, a cap ("equal jitter") and a rate cap.

    After ``n`` failed attempts in a row the next one waits
    ``c/2 + uniform(0, c/2)`` seconds with ``c = min(cap, initial * factor**(n-1))``:
    never less than half the ceiling (so no spin, even with unlucky draws), never more
    than ``cap``. The first attempt after a drop waits ``first_delay`` (default 0:
    reconnect at once) when the lost connection had proved itself (``healthy_after``);
    otherwise the drop counts as one more failed attempt. An authentication failure
    (bad key/sign/passphrase, clock skew) stops the loop (state ``disconnected``,
    the error in ``client.last_error``); a caller's next request tries again and
    raises that error itself.
    """

    initial: float = 0.1
    factor: float = 2.0
    cap: float = 30.0
    first_delay: float = 0.0
    #: Give up after this many failed attempts in a row (None = never).
    max_attempts: int | None = None
    #: A connection proves itself by answering a request or staying up this many
    #: seconds; one that ends sooner counts as a failed attempt (backoff goes on).
    healthy_after: float = 5.0
    #: At most this many connect attempts per key in any 60 s.
    max_per_minute: int = 60

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.cap < self.initial or self.first_delay < 0:
            raise ValueError("ReconnectPolicy needs initial > 0, factor >= 1, cap >= initial, "
                             "first_delay >= 0")
        if self.healthy_after < 0 or self.max_per_minute < 1:
            raise ValueError("ReconnectPolicy needs healthy_after >= 0, max_per_minute >= 1")

    def ceiling(self, attempt: int) -> float:
        """Upper bound of the delay before failed-attempt number ``attempt`` (1-based)."""
        return float(min(self.cap, self.initial * self.factor ** min(attempt - 1, 64)))

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Delay before the next try after ``attempt`` failed attempts (0 = first try)."""
        if attempt <= 0:
            return self.first_delay
        ceiling = self.ceiling(attempt)
        return ceiling / 2 + rng() * ceiling / 2


class Backoff:
    """The reconnect state of one socket, kept across drops until a connection proves
    itself: failed attempts in a row, and the attempt times of the last minute."""

    def __init__(self, policy: ReconnectPolicy, clock: Callable[[], float] = time.monotonic,
                 ) -> None:
        self.policy = policy
        self._clock = clock
        #: Failed attempts (and connections that ended before proving themselves) in a row.
        self.failures = 0
        self._attempts: deque[float] = deque()
        self._up_since: float | None = None
        #: The rate cap held an attempt back since the last healthy connection.
        self.capped = False

    def connected(self) -> None:
        """A connection opened (it has yet to prove itself)."""
        self._up_since = self._clock()

    def ended(self, answered: bool) -> None:
        """The open connection ended; ``answered``: it answered at least one request."""
        up = self._up_since
        self._up_since = None
        if answered or (up is not None and self._clock() - up >= self.policy.healthy_after):
            self.failures = 0
            self.capped = False
        else:
            self.failures += 1

    def failed(self) -> None:
        """A connect attempt failed."""
        self.failures += 1

    @property
    def exhausted(self) -> bool:
        """``max_attempts`` failures in a row."""
        limit = self.policy.max_attempts
        return limit is not None and self.failures >= limit

    def attempt_wait(self) -> float:
        """Seconds until the rate cap allows the next attempt (0: now)."""
        now = self._clock()
        attempts = self._attempts
        while attempts and attempts[0] <= now - 60.0:
            attempts.popleft()
        if len(attempts) < self.policy.max_per_minute:
            return 0.0
        return attempts[0] + 60.0 - now

    def attempt(self) -> None:
        """Record a connect attempt made now."""
        self._attempts.append(self._clock())

    def delay(self, rng: Callable[[], float] = random.random) -> tuple[float, bool]:
        """Seconds before the next reconnect attempt (backoff, rate cap), and whether
        the rate cap just began holding attempts back (log that once)."""
        cap_wait = self.attempt_wait()
        first = cap_wait > 0 and not self.capped
        if cap_wait > 0:
            self.capped = True
        return max(self.policy.delay(self.failures, rng), cap_wait), first

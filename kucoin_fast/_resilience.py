"""Reconnection policy, connection state, unknown-outcome records and the optional
client-side rate-limit throttle used by :class:`kucoin_fast.WebsocketAPIClient`.

Pure Python and off the hot path: nothing here runs per request unless the throttle
is enabled.
"""
from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

__all__ = [
    "KIND_CANCELLED",
    "KIND_CLOSED",
    "KIND_LOST",
    "KIND_TIMEOUT",
    "MAX_WINDOW_MS",
    "Backoff",
    "ConnectionState",
    "ReconnectPolicy",
    "ResolvedOutcome",
    "ThrottleState",
    "UnknownOutcome",
]


class ConnectionState:
    """Values of :attr:`WebsocketAPIClient.state` (plain strings)."""

    #: Never connected yet (the first call connects lazily).
    IDLE: Final = "idle"
    #: First connection attempt in progress.
    CONNECTING: Final = "connecting"
    #: Authenticated: requests are written at once.
    CONNECTED: Final = "connected"
    #: The connection dropped; the client is opening a new one (with backoff).
    RECONNECTING: Final = "reconnecting"
    #: Not connected and not trying: after a drop with ``auto_reconnect=False``, or
    #: after an authentication failure while reconnecting (see ``last_error``). The
    #: next call connects again.
    DISCONNECTED: Final = "disconnected"
    #: ``close()`` was called; the client stays closed.
    CLOSED: Final = "closed"


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


#: Why an outcome became unknown (``UnknownOutcome.kind``, ``ResolvedOutcome.kind``).
KIND_LOST: Final = "connection_lost"
KIND_CLOSED: Final = "client_closed"
KIND_TIMEOUT: Final = "timeout"
KIND_CANCELLED: Final = "cancelled"


class UnknownOutcome(NamedTuple):
    """Requests that were written and whose reply never reached their caller.

    ``kind``: ``connection_lost`` (the connection dropped with them pending; one
    record per drop), ``client_closed`` (``close()`` with them pending), ``timeout``
    (no reply by the deadline; one record per expiry) or ``cancelled`` (the awaiting
    task was cancelled, e.g. by ``asyncio.wait_for``; one record per request).
    ``client_oids``: the clientOids those requests carried *when they were sent*;
    ``ops``: the op of each (parallel to ``client_oids``: it tells
    :meth:`~kucoin_fast.WebsocketAPIClient.reconcile` which REST lookup to use);
    ``requests``: how many requests. ``at`` is the client's clock (``clock=``).

    Reconcile with KuCoin's REST lookups or the private order channel; never by
    re-sending blindly (a resend of a clientOid whose original was accepted is
    rejected with 300018 while that order is active). A late reply to a timed-out or
    cancelled request arrives as a :class:`ResolvedOutcome`.
    """

    ws_key: str
    at: float
    reason: str
    client_oids: tuple[str, ...]
    requests: int
    kind: str = KIND_LOST
    ops: tuple[str, ...] = ()


class ResolvedOutcome(NamedTuple):
    """The late reply to a request whose caller had given up (``kind`` ``timeout`` or
    ``cancelled``), or that the client's own close failed while its reply was on the
    way (``client_closed``): what KuCoin did with it after all.

    ``code``/``msg`` are KuCoin's; ``order_ids`` the orderIds the reply names (one
    per batch item, None where an item has none); ``response`` the whole
    :class:`~kucoin_fast.WSAPIResponse`.
    """

    ws_key: str
    at: float
    kind: str
    request_id: int
    op: str
    client_oids: tuple[str, ...]
    code: str
    msg: Any
    order_ids: tuple[Any, ...]
    response: Any

    @property
    def ok(self) -> bool:
        """True when KuCoin accepted the request (``200000``)."""
        return self.code == "200000"


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

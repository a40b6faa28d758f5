"""The one keepalive of every socket the library opens: a ping every ``interval`` seconds,
a pong deadline, the socket's abort when a pong is missed."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

__all__ = ["PING_INTERVAL_RANGE_MS", "PING_TIMEOUT_RANGE_MS", "Keepalive"]

#: The server-announced cadence is kept within these bounds (milliseconds): a 1 ms
#: interval must not flood the socket, a huge one must not hide a dead peer.
PING_INTERVAL_RANGE_MS = (100, 60000)
PING_TIMEOUT_RANGE_MS = (1000, 60000)


def _clamp(value_ms: Any, bounds: tuple[int, int]) -> tuple[float, bool]:
    """(seconds within ``bounds``, whether ``value_ms`` was outside)."""
    low, high = bounds
    return min(max(value_ms, low), high) / 1000.0, not low <= value_ms <= high


class Keepalive:
    """Pings one socket while it is up (see the module docstring).

    ``send_ping(number)`` writes ping ``number`` (1, 2, ...); ``on_missed(reason)`` is
    called once when no pong came within ``timeout`` of the oldest unanswered ping, and
    pinging stops. ``interval``/``timeout`` > 0 override what the server announces.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, send_ping: Callable[[int], None],
                 on_missed: Callable[[str], None], *, interval: float = 0.0,
                 timeout: float = 0.0, name: str = "", logger: logging.Logger | None = None,
                 ) -> None:
        self._loop = loop
        self._send_ping = send_ping
        self._on_missed = on_missed
        self._interval_override = float(interval or 0.0)
        self._timeout_override = float(timeout or 0.0)
        self._name = name
        self._logger = logger if logger is not None else logging.getLogger("kucoin_fast")
        #: Seconds between pings, and the pong deadline (the server's unless overridden).
        self.interval = 18.0
        self.timeout = 10.0
        self._ping_handle: asyncio.TimerHandle | None = None
        self._pong_handle: asyncio.TimerHandle | None = None
        #: The number of the latest ping sent, and ``time.time_ns()`` when it was.
        self.number = 0
        self.ping_ns = 0
        self._awaited = 0
        #: Pongs received.
        self.pongs = 0

    def start(self, interval_ms: Any = None, timeout_ms: Any = None) -> None:
        """Start pinging at the server's announced cadence (milliseconds; None: the
        default), kept within the ranges above (a value outside is logged once),
        unless the owner overrode it."""
        outside = False
        if self._interval_override > 0:
            self.interval = self._interval_override
        elif interval_ms is not None:
            self.interval, outside = _clamp(interval_ms, PING_INTERVAL_RANGE_MS)
        if self._timeout_override > 0:
            self.timeout = self._timeout_override
        elif timeout_ms is not None:
            self.timeout, out = _clamp(timeout_ms, PING_TIMEOUT_RANGE_MS)
            outside = outside or out
        if outside:
            self._logger.warning(
                "%s: the announced keepalive (pingInterval %s ms, pingTimeout %s ms) is "
                "outside %s ms / %s ms: pinging every %gs, pong timeout %gs", self._name,
                interval_ms, timeout_ms, PING_INTERVAL_RANGE_MS, PING_TIMEOUT_RANGE_MS,
                self.interval, self.timeout)
        self.stop()
        self._ping_handle = self._loop.call_later(self.interval, self._ping)

    def stop(self) -> None:
        """Cancel both timers (the socket ended or is closing)."""
        for handle in (self._ping_handle, self._pong_handle):
            if handle is not None:
                handle.cancel()
        self._ping_handle = self._pong_handle = None

    def on_pong(self, number: int | None = None) -> None:
        """A pong arrived, answering ping ``number`` (None: answers every ping)."""
        self.pongs += 1
        if (number is None or number >= self._awaited) and self._pong_handle is not None:
            self._pong_handle.cancel()
            self._pong_handle = None

    def _ping(self) -> None:
        self._ping_handle = None
        self.number += 1
        self.ping_ns = time.time_ns()
        if self._pong_handle is None:
            self._awaited = self.number
            self._pong_handle = self._loop.call_later(self.timeout, self._missed)
        self._ping_handle = self._loop.call_later(self.interval, self._ping)
        self._send_ping(self.number)

    def _missed(self) -> None:
        self._pong_handle = None
        self.stop()
        self._logger.debug("%s: no pong within %.3fs, the socket is dead", self._name,
                           self.timeout)
        self._on_missed(f"no pong within {self.timeout:g}s (keepalive)")

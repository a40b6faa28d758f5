"""Opt-in busy polling: keep the client awake while a reply is expected.

:class:`BusyPoller` polls the connection's socket with a zero timeout in short slices
(:data:`SLICE_S`) while a reply is outstanding, for up to ``budget`` seconds per
request; nothing is spun while idle. Why and at what price: docs/internals.md.
"""
from __future__ import annotations

import asyncio
import select
from time import perf_counter
from typing import Any, Final

#: Spin budget per request when ``busy_poll=True``: long enough to cover a loopback
#: or colocated round trip, short enough to bound the CPU burnt on a lost reply.
DEFAULT_BUDGET_S: Final = 0.0005
#: Longest stretch spent polling the socket before yielding to the event loop once.
SLICE_S: Final = 0.00002

_HAS_POLL: Final = hasattr(select, "poll")


class BusyPoller:
    """Spins after each request until a reply arrives or the budget is spent. One per
    client; a reply on the kicked connection ends the spin its kick started."""

    __slots__ = ("_active", "_conn", "_loop", "_poll", "_poll_fd", "_seen", "_until",
                 "budget", "kicks", "spins")

    def __init__(self, budget: float) -> None:
        if not budget > 0:
            raise ValueError("busy_poll budget must be a positive number of seconds")
        self.budget: Final = float(budget)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: Any = None
        self._seen = 0
        self._until = 0.0
        self._active = False
        self._poll: Any = None
        self._poll_fd = -1
        #: Slices spent spinning, and requests that started a spin (the mode's CPU cost).
        self.spins = 0
        self.kicks = 0

    def kick(self, conn: Any) -> None:
        """A request is about to be sent on ``conn``: spin until its next reply."""
        self._conn = conn
        self._seen = conn.replies
        self._until = perf_counter() + self.budget
        self.kicks += 1
        if not self._active:
            self._active = True
            self._loop = asyncio.get_running_loop()
            self._loop.call_soon(self._spin)

    def _socket_poller(self, conn: Any) -> Any:
        """A ``select.poll`` on the connection's socket (None where unavailable)."""
        transport = conn.transport
        if not _HAS_POLL or transport is None:
            return None
        sock = transport.underlying_transport.get_extra_info("socket")
        fd = -1 if sock is None else sock.fileno()
        if fd < 0:
            return None
        if fd != self._poll_fd:
            self._poll = select.poll()
            self._poll.register(fd, select.POLLIN)
            self._poll_fd = fd
        return self._poll

    def _spin(self) -> None:
        conn = self._conn
        if conn.replies != self._seen or perf_counter() >= self._until:
            self._active = False
            self._conn = None
            return
        self.spins += 1
        poller = self._socket_poller(conn)
        if poller is not None:
            # Tight poll until bytes are waiting (or the slice ends); the loop then
            # reads them in its next, non-blocking, iteration.
            end = min(self._until, perf_counter() + SLICE_S)
            poll = poller.poll
            while not poll(0) and perf_counter() < end:
                pass
        # Staying in the ready queue keeps the loop's own poll at a zero timeout.
        self._loop.call_soon(self._spin)  # type: ignore[union-attr]

"""One :class:`Slot` per ``ws_key``: everything the client knows about that connection.

The live connection, the most recent one (for stats after a loss), the state and its
"connected" event, the connect and reconnect tasks, the reconnect backoff, and the
connections being drained after a 501000 notice. "Connected" is stored once:
:attr:`Slot.live` is the authenticated, not-lost connection or None.
"""
from __future__ import annotations

import asyncio
from typing import Any

from .._protocol.results import ConnectionState
from .policy import Backoff

__all__ = ["Slot"]


class Slot:
    """The state of one ``ws_key`` (owned and mutated by the connector only)."""

    __slots__ = ("_event", "backoff", "connecting", "draining", "last", "live", "reconnecting", "state",
                 "ws_key")

    def __init__(self, ws_key: str, backoff: Backoff) -> None:
        self.ws_key = ws_key
        #: Failed attempts in a row and recent attempt times, kept across drops.
        self.backoff = backoff
        #: The authenticated connection requests go to (None while there is none).
        self.live: Any = None
        #: The most recent connection, live or not (stats after a loss).
        self.last: Any = None
        self.state: str = ConnectionState.IDLE
        #: The first-connect task callers share (None when no connect is running).
        self.connecting: asyncio.Task[Any] | None = None
        #: The reconnect loop (None when not reconnecting).
        self.reconnecting: asyncio.Task[Any] | None = None
        #: Connections retired by a 501000 notice, closed once their requests are done.
        self.draining: set[Any] = set()
        self._event: asyncio.Event | None = None

    @property
    def event(self) -> asyncio.Event:
        """Set while :attr:`live` is set (created on first use, on the running loop)."""
        if self._event is None:
            self._event = asyncio.Event()
            if self.live is not None:
                self._event.set()
        return self._event

    def set_state(self, state: str) -> bool:
        """Record ``state``; False when it is the current one already."""
        if self.state == state:
            return False
        self.state = state
        if self._event is not None:
            if state == ConnectionState.CONNECTED:
                self._event.set()
            else:
                self._event.clear()
        return True

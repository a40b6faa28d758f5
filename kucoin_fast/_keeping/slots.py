"""One :class:`Slot` per ``ws_key``: everything the client knows about that connection.

The live connection, the most recent one (for stats after a loss), the state and its
"connected" event, the connect and reconnect tasks, the reconnect backoff, and the
connections being drained after a 501000 notice. "Connected" is stored once:
:attr:`Slot.live` is the authenticated, not-lost connection or None.
"""
from __future__ import annotations

from typing import Any

from .supervisor import Supervisor

__all__ = ["Slot"]


class Slot:
    """The state of one ``ws_key`` (owned and mutated by the connector only)."""

    __slots__ = ("draining", "last", "live", "supervisor", "ws_key")

    def __init__(self, ws_key: str, supervisor: Supervisor) -> None:
        self.ws_key = ws_key
        #: The state, backoff and reconnect task of this key.
        self.supervisor = supervisor
        #: The authenticated connection requests go to (None while there is none).
        self.live: Any = None
        #: The most recent connection, live or not (stats after a loss).
        self.last: Any = None
        #: Connections retired by a 501000 notice, closed once their requests are done.
        self.draining: set[Any] = set()

    @property
    def state(self) -> str:
        """The key's :class:`~kucoin_fast.ConnectionState` (its supervisor's)."""
        return self.supervisor.state

"""The request path's slow lane: throttle, then connect on demand, then send.

Requests the core's dispatch does not send itself come here (docs/internals.md).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._protocol.errors import KucoinAPIError, RateLimitError
from .connector import Connector
from .throttle import ThrottleState

if TYPE_CHECKING:
    from .._core.busypoll import BusyPoller
    from .._core.connection import Connection, WSAPIResponse

__all__ = ["Admission"]


class Admission:
    """Admits one client's requests to a connection: held by the ``throttle`` (when
    there is one) while the rate-limit window is spent, sent on the ``ws_key``'s live
    connection, opened first through the ``connector`` when there is none, and after
    its write buffer drained when it is full. ``busy``: the busy poller to kick."""

    __slots__ = ("_busy", "_connector", "throttle")

    def __init__(self, connector: Connector, throttle: ThrottleState | None,
                 busy: BusyPoller | None) -> None:
        self._connector = connector
        self.throttle = throttle
        self._busy = busy

    async def call(self, op: str, args: Any, ws_key: str) -> WSAPIResponse:
        """Send one request and return its reply (raises what the connect, the
        throttle's hold or the request raises)."""
        throttle = self.throttle
        if throttle is not None:
            wait = throttle.wait_time()
            if wait > 0:
                throttle.held += 1
                await self._connector.hold(wait, op, args, ws_key)
        conn: Connection | None = self._connector.live.get(ws_key)
        if conn is None:
            conn = await self._connector.get_for(ws_key, op, args)
        if self._busy is not None:
            self._busy.kick(conn)
        if throttle is None:
            return await conn.call(op, args)
        return await _throttled_call(throttle, conn, op, args)


async def _throttled_call(throttle: ThrottleState, conn: Connection, op: str,
                          args: Any) -> WSAPIResponse:
    """``conn.call`` counted by the throttle, whose window the reply (or the refusal)
    updates."""
    throttle.consume()
    try:
        response = await conn.call(op, args)
    except RateLimitError as exc:
        rl = exc.rate_limit
        if rl is not None and rl.remaining is not None and rl.reset is not None:
            throttle.update(rl)
        elif exc.reset_ms is not None:
            throttle.hold(exc.reset_ms)
        raise
    except KucoinAPIError as exc:
        throttle.update(exc.rate_limit)
        raise
    throttle.update(response.rate_limit)
    return response

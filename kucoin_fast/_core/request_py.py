"""The request path of the pure-Python build (the oracle of :mod:`._await`).

Same decisions as the compiled :class:`Dispatch`, taken when the coroutine is first
awaited: the live connection's ``call`` when it is up and nothing holds requests back,
the client's own coroutine ``slow`` otherwise. The compiled build returns a coroutine
object of its own instead of nesting two ``async def``; what it does is the same.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["Dispatch"]


class Dispatch:
    """Routes one client's requests (see :class:`kucoin_fast._core.request.Dispatch`)."""

    __slots__ = ("_busy", "_live", "_not_connected", "_slow", "_throttled")

    def __init__(self, live: dict[str, Any], throttled: bool, busy: Any,
                 slow: Callable[[str, Any, str], Coroutine[Any, Any, Any]],
                 not_connected: Callable[[str, str, Any], Any]) -> None:
        self._live = live
        self._throttled = throttled
        self._busy = busy
        self._slow = slow
        self._not_connected = not_connected

    async def call(self, op: str, args: Any, ws_key: str) -> Any:
        """The coroutine a request method returns. Its first step picks the route, so
        a coroutine made before a reconnect goes out on the new connection."""
        conn = self._live.get(ws_key)
        if conn is not None and not self._throttled:
            if self._busy is not None:
                self._busy.kick(conn)
            return await conn.call(op, args)
        return await self._slow(op, args, ws_key)

    def send_prepared(self, ws_key: str, template: Any, price: Any, size: Any,
                      client_oid: Any, callback: Any) -> int:
        """A prepared order's synchronous send (``PreparedOrder.send``)."""
        conn = self._connection(ws_key, template.op, client_oid)
        return int(conn.send_prepared(template, price, size, client_oid, callback))

    def request_with_callback(self, ws_key: str, op: str, args: Any, callback: Any) -> int:
        """A synchronous send with a completion callback (no future)."""
        return int(self._connection(ws_key, op, args).request_with_callback(op, args, callback))

    def _connection(self, ws_key: str, op: str, args: Any) -> Any:
        conn = self._live.get(ws_key)
        if conn is None:
            self._not_connected(ws_key, op, args)
            raise AssertionError("not_connected returned")  # it raises
        if self._busy is not None:
            self._busy.kick(conn)
        return conn

"""The request path of the pure-Python build (the oracle of :mod:`.request`).

Same decisions as the compiled :class:`Dispatch`, taken when the coroutine is first
awaited: the live connection's entry points when it is up and nothing holds requests
back, the keeping layer's admission coroutine ``admit`` otherwise. The compiled build
returns a coroutine object of its own; what it does is the same.
"""
from __future__ import annotations

from asyncio import CancelledError
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from .._protocol.errors import ConnectionLostError
from .._protocol.ops import client_oids_of

if TYPE_CHECKING:
    from .connection import WSAPIResponse

__all__ = ["Dispatch", "not_connected"]

#: The keeping layer's coroutine for a request the dispatch does not send itself.
Admit = Callable[[str, Any, str], Coroutine[Any, Any, "WSAPIResponse"]]


def not_connected(ws_key: str, op: str, args: Any) -> ConnectionLostError:
    """The error of a synchronous send when ``ws_key`` has no live connection."""
    return ConnectionLostError(
        "not connected: await client.connect() first", op=op, ws_key=ws_key,
        sent=False, client_oids=client_oids_of(op, args))


class Dispatch:
    """Routes one client's requests (see :class:`kucoin_fast._core.request.Dispatch`)."""

    __slots__ = ("_admit", "_busy", "_direct", "_live")

    def __init__(self, live: dict[str, Any], busy: Any, admit: Admit,
                 direct: bool = True) -> None:
        self._live = live
        self._busy = busy
        self._admit = admit
        self._direct = direct

    async def call(self, op: str, args: Any, ws_key: str) -> Any:
        """The coroutine a request method returns. Its first step picks the route, so
        a coroutine made before a reconnect goes out on the new connection."""
        conn = self._live.get(ws_key)
        if conn is None or not self._direct or conn.write_paused:
            return await self._admit(op, args, ws_key)
        if self._busy is not None:
            self._busy.kick(conn)
        entry = conn.start_request(op, args)
        try:
            return await entry.waiter
        except CancelledError:
            conn.abandon_request(entry)
            raise

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
            raise not_connected(ws_key, op, args)
        if self._busy is not None:
            self._busy.kick(conn)
        return conn

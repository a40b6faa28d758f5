"""The private order-change stream: KuCoin's classic push WebSocket (spot doc §4), on
picows + simdjson like the WS API.

:class:`OrderEvents` (made by :meth:`WebsocketAPIClient.order_events`) keeps one push
connection per product family, reconnects with a fresh token after a drop, and yields
typed :class:`~kucoin_fast.OrderEvent` objects (``async for``) or calls a callback.
Connection steps, backpressure and parsing: docs/internals.md.
"""
from __future__ import annotations

import asyncio
import collections
import itertools
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

import simdjson
from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from .._core.keepalive import Keepalive
from .._core.redact import RedactingLogger
from .._keeping.policy import ReconnectPolicy
from .._keeping.supervisor import StateReport, Supervisor, WatchedTasks
from .._protocol.errors import AuthenticationError, ConnectError, ConnectTimeoutError
from .._protocol.results import ConnectionState, OrderEvent
from .rest import FUTURES, SPOT, RestClient

__all__ = ["EVENT_FIELDS", "TOPICS", "EventCache", "OrderEvents", "parse_frame"]

#: The order-change topics per family (all symbols); futures also has ``…:SYM,SYM``.
TOPICS: Final[Mapping[str, str]] = {FUTURES: "/contractMarket/tradeOrders",
                                    SPOT: "/spotMarket/tradeOrdersV2"}
#: The ``data`` members an :class:`OrderEvent` is built from, in its field order.
EVENT_FIELDS: Final = ("type", "status", "symbol", "orderId", "clientOid", "side",
                       "orderType", "price", "size", "filledSize", "remainSize",
                       "canceledSize", "matchPrice", "matchSize", "tradeId", "liquidity",
                       "orderTime", "ts")
_ids = itertools.count(1)


def parse_frame(parser: Any, payload: bytes, family: str) -> tuple[str, Any]:
    """(``type``, what it carries): ``("message", OrderEvent)``, ``("ack"|"pong"|
    "welcome", id)``, ``("error", (code, text))``, or ``("", None)`` for anything else.
    Every value is copied out of the parser before it returns."""
    try:
        doc = parser.parse(payload)
    except ValueError:
        return "", None
    if not isinstance(doc, simdjson.Object):
        return "", None
    kind = doc.get("type")
    if kind == "message":
        data = doc.get("data")
        if not isinstance(data, simdjson.Object):
            return "", None
        values = [data.get(name) for name in EVENT_FIELDS]
        for i, v in enumerate(values[:16]):
            if v is not None and not isinstance(v, str):
                values[i] = str(v)
        for i in (16, 17):
            if not isinstance(values[i], int):
                values[i] = None
        return kind, OrderEvent._make([family, str(doc.get("topic")), *values])
    if kind == "error":
        return kind, (doc.get("code"), str(doc.get("data")))
    if kind in ("ack", "pong", "welcome"):
        return kind, str(doc.get("id"))
    return "", None


class EventCache:
    """The latest event per clientOid (bounded): what ``reconcile`` merges."""

    def __init__(self, size: int = 65_536) -> None:
        self._size = size
        self._latest: collections.OrderedDict[str, OrderEvent] = collections.OrderedDict()

    def add(self, event: OrderEvent) -> None:
        """Remember ``event`` as its order's latest."""
        oid = event.client_oid
        if not oid:
            return
        latest = self._latest
        latest[oid] = event
        latest.move_to_end(oid)
        if len(latest) > self._size:
            latest.popitem(last=False)

    def get(self, client_oid: str) -> OrderEvent | None:
        """The latest event of ``client_oid``'s order, if one was seen."""
        return self._latest.get(client_oid)


class _Listener(WSListener):
    """picows listener of one push connection: hands text frames to its channel."""

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        mt = frame.msg_type
        if mt == WSMsgType.TEXT:  # protocol pings are answered by picows (auto pong)
            self.channel.on_text(frame.get_payload_as_bytes())
        elif mt == WSMsgType.CLOSE:
            transport.disconnect(True)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.channel.on_disconnected()


class _Channel:
    """One family's push connection, reconnected with a fresh token by its
    :class:`~kucoin_fast._keeping.supervisor.Supervisor`; owned by an :class:`OrderEvents`."""

    def __init__(self, stream: OrderEvents, family: str, topics: Sequence[str]) -> None:
        self.stream = stream
        self.family = family
        self.topics = tuple(topics)
        self.parser = simdjson.Parser()
        self.transport: WSTransport | None = None
        self._waiters: dict[str, asyncio.Future[Any]] = {}
        self._keepalive: Keepalive | None = None
        self._up = False  # subscribed, and the socket has not ended since
        self._end_reason = ""
        self._delivered_at_open = 0
        self.delivered = 0  # push messages delivered (a healthy connection's proof)
        self.supervisor = Supervisor(
            "push:" + family, stream.policy, tasks=stream.tasks, logger=stream.log,
            on_state=stream.report_state, connect_once=self.connect, is_up=lambda: self._up,
            is_closed=lambda: stream.closed, on_give_up=stream.fail, label="push " + family)

    @property
    def state(self) -> str:
        """The channel's :class:`~kucoin_fast.ConnectionState`."""
        return self.supervisor.state

    # ------------------------------------------------------------ frames
    def on_text(self, payload: bytes) -> None:
        kind, value = parse_frame(self.parser, payload, self.family)
        if kind == "message":
            self.delivered += 1
            self.stream.deliver(value)
        elif kind in ("ack", "welcome"):
            self._resolve(kind + ":" + value, value)
        elif kind == "pong" and self._keepalive is not None:
            self._keepalive.on_pong()
        elif kind == "error":
            code, text = value
            self._fail_waiters(ConnectError(f"push {self.family}: error {code}: {text}"))
            self._drop(f"error frame {code} {text}", True)

    def _resolve(self, key: str, value: Any) -> None:
        waiter = self._waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(value)

    def _fail_waiters(self, error: BaseException) -> None:
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(error)
        self._waiters.clear()

    def _drop(self, reason: str, clean: bool) -> None:
        """End the socket for ``reason`` (an error frame, a missed pong)."""
        self._end_reason = reason
        if self.transport is not None:
            self.transport.disconnect(clean)

    def on_disconnected(self) -> None:
        if self._keepalive is not None:
            self._keepalive.stop()
        self._fail_waiters(ConnectError(f"push {self.family}: connection closed"))
        if self._up:
            self._up = False
            self.supervisor.lost(self.delivered > self._delivered_at_open,
                                 self._end_reason or "connection closed")

    # ------------------------------------------------------------ one connection
    def _waiter(self, key: str) -> asyncio.Future[Any]:
        waiter = self._waiters[key] = asyncio.get_running_loop().create_future()
        return waiter

    async def _expect(self, key: str, timeout: float, waiter: asyncio.Future[Any]) -> Any:
        try:
            return await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            raise ConnectTimeoutError(f"push {self.family}: no {key.partition(':')[0]} "
                                      f"within {timeout:g}s") from None
        finally:
            self._waiters.pop(key, None)

    async def connect(self) -> None:
        """One connect attempt (under the supervisor's rate cap): fresh token, welcome,
        subscriptions; returns once subscribed."""
        await self.supervisor.attempt(self._open)

    async def _open(self) -> None:
        stream = self.stream
        bullet = await stream.rest.bullet_private(self.family)
        server = bullet["instanceServers"][0]
        token = bullet["token"]
        connect_id = os.urandom(8).hex()
        url = f"{server['endpoint']}?token={quote(token, safe='')}&connectId={connect_id}"
        # Blanked while this channel uses it (a slot: WS reconnects cannot push it out),
        # and for a few attempts after (a late log line of the previous connection).
        stream.redactor.set_slot_secrets(f"push:{id(self)}", token, url)
        stream.redactor.add_attempt_secrets(token, url)
        self._end_reason = ""
        welcome = self._waiter("welcome:" + connect_id)  # it may come with the upgrade
        try:
            self.transport, _ = await asyncio.wait_for(ws_connect(
                lambda: _Listener(self), url, ssl_context=stream.ssl_context,
                websocket_handshake_timeout=stream.connect_timeout,
                logger_name=stream.redactor, max_redirects=0, enable_auto_ping=False),
                stream.connect_timeout)
            await self._expect("welcome:" + connect_id, stream.connect_timeout, welcome)
            await self._subscribe()
        except BaseException:
            self._waiters.clear()
            if not welcome.done():
                welcome.cancel()
            if self.transport is not None:
                self.transport.disconnect(False)
            raise
        if stream.closed:  # close() came while connecting
            self._drop("the stream was closed", True)
            raise ConnectError(f"push {self.family}: the stream was closed while connecting")
        self._start_keepalive(server)
        self._up = True
        self._delivered_at_open = self.delivered
        self.supervisor.opened()

    async def _subscribe(self) -> None:
        for topic in self.topics:
            rid = str(next(_ids))
            ack = self._waiter("ack:" + rid)
            self.send({"id": rid, "type": "subscribe", "topic": topic,
                       "privateChannel": True, "response": True})
            await self._expect("ack:" + rid, self.stream.connect_timeout, ack)

    def _start_keepalive(self, server: Mapping[str, Any]) -> None:
        stream = self.stream
        if self._keepalive is None:
            self._keepalive = Keepalive(
                asyncio.get_running_loop(), self._send_ping,
                lambda reason: self._drop(reason, False), interval=stream.ping_interval or 0.0,
                timeout=stream.ping_timeout or 0.0, name="push " + self.family,
                logger=stream.log)
        self._keepalive.start(server.get("pingInterval"), server.get("pingTimeout"))

    def _send_ping(self, number: int) -> None:
        self.send({"id": str(next(_ids)), "type": "ping"})

    def send(self, message: Mapping[str, Any]) -> None:
        """Send one JSON message (subscribe, ping)."""
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.send(WSMsgType.TEXT, json.dumps(message, separators=(",", ":"))
                                .encode())

    def pause(self, paused: bool) -> None:
        """Stop (or resume) reading the socket: the consumer's backpressure."""
        tr = self.transport
        if tr is not None and not tr.is_disconnected:
            under = tr.underlying_transport
            under.pause_reading() if paused else under.resume_reading()

    def close(self) -> None:
        """Disconnect now (the reconnect task is cancelled by the stream)."""
        if self._keepalive is not None:
            self._keepalive.stop()
        if self.transport is not None:
            self.transport.disconnect(True)
        self.stream.redactor.set_slot_secrets(f"push:{id(self)}")


class OrderEvents:
    """The private order-change stream of one client (see the module docstring).

    Use ``async with client.order_events() as events: async for ev in events: ...``,
    or ``events = client.order_events(callback=fn); await events.start(); ...;
    await events.close()``. ``symbols`` (optional) keeps only those symbols' events
    (futures: the per-symbol topic; spot: filtered here, KuCoin's V2 topic has no
    symbol form). ``state`` is ``connected`` once every family's connection is
    subscribed; ``reconnects`` counts reconnects; ``error`` is the error that stopped it.
    ``on_state(name, state, error)`` reports each connection's state changes, as the
    client does its WS API connections' (``name``: ``push:futures``, ``push:spot``).
    """

    def __init__(self, rest: RestClient, families: Sequence[str], *,
                 symbols: Sequence[str] | None, callback: Callable[[OrderEvent], Any] | None,
                 policy: ReconnectPolicy, connect_timeout: float, redactor: RedactingLogger,
                 logger: logging.Logger, cache: EventCache | None, ssl_context: Any = None,
                 ping_interval: float | None = None, ping_timeout: float | None = None,
                 high_water: int = 10_000, on_state: StateReport | None = None) -> None:
        if not families or any(f not in TOPICS for f in families):
            raise ValueError(f"families must be a non-empty subset of {tuple(TOPICS)}")
        self.rest, self.policy, self.redactor, self.log = rest, policy, redactor, logger
        self.connect_timeout, self.ssl_context = connect_timeout, ssl_context
        self.ping_interval, self.ping_timeout = ping_interval, ping_timeout
        self.symbols = frozenset(symbols) if symbols else None
        self._callback, self._cache, self._high_water = callback, cache, high_water
        self._on_state = on_state
        self.tasks = WatchedTasks(logger, redactor, lambda exc, name: self.fail(exc))
        self.closed = False
        self._channels = [_Channel(self, f, [self._topic(f)]) for f in dict.fromkeys(families)]
        self._buffer: collections.deque[OrderEvent] = collections.deque()
        self._wake: asyncio.Event | None = None
        self._started = False
        self._paused = False
        self.error: BaseException | None = None
        #: Events received (all families).
        self.received = 0

    def _topic(self, family: str) -> str:
        if family == FUTURES and self.symbols:
            return TOPICS[FUTURES] + ":" + ",".join(sorted(self.symbols))
        return TOPICS[family]

    def __repr__(self) -> str:
        return (f"OrderEvents(families={[c.family for c in self._channels]}, "
                f"state={self.state!r}, received={self.received})")

    @property
    def reconnects(self) -> int:
        """Reconnect attempts made so far (all families)."""
        return sum(c.supervisor.attempts for c in self._channels)

    @property
    def state(self) -> str:
        """``connected`` when every channel is; else the first other channel state."""
        states = [c.state for c in self._channels]
        if self.closed:
            return ConnectionState.CLOSED
        return next((s for s in states if s != ConnectionState.CONNECTED),
                    ConnectionState.CONNECTED)

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Connect every channel; returns once all are subscribed (the connect timeout
        bounds the wait; the first connect error, e.g. authentication, is raised)."""
        if self._started:
            return
        self._started = True
        connects = [asyncio.ensure_future(c.connect()) for c in self._channels]
        try:
            await asyncio.wait_for(asyncio.gather(*connects), self.connect_timeout * 2)
        except BaseException as exc:
            for connect in connects:  # the other channels' attempts end before the close
                connect.cancel()
            await asyncio.gather(*connects, return_exceptions=True)
            if isinstance(exc, AuthenticationError):
                self.fail(exc)
            await self.close()
            if isinstance(exc, asyncio.TimeoutError):
                raise ConnectTimeoutError("the order-event stream did not connect within "
                                          f"{self.connect_timeout * 2:g}s") from None
            raise

    async def close(self) -> None:
        """Close every connection and stop; a waiting iterator ends."""
        self.closed = True
        for channel in self._channels:
            channel.close()
        await self.tasks.join(cancel=True)
        self._notify()

    async def __aenter__(self) -> OrderEvents:  # noqa: PYI034 (Self needs 3.11)
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------ channel reports
    def report_state(self, name: str, state: str, error: BaseException | None) -> None:
        """A channel's state changed: hand it to ``on_state``."""
        if self._on_state is not None:
            self._on_state(name, state, error)

    def fail(self, error: BaseException) -> None:
        """Stop the stream with ``error`` (raised to the consumer after the buffer)."""
        self.error = error
        self.closed = True
        for channel in self._channels:
            channel.close()
        self._notify()

    def deliver(self, event: OrderEvent) -> None:
        """One event from a channel's frame callback."""
        if self.symbols is not None and event.symbol not in self.symbols:
            return
        self.received += 1
        if self._cache is not None:
            self._cache.add(event)
        if self._callback is not None:
            try:
                self._callback(event)
            except Exception as exc:  # noqa: BLE001 - user code must not break the stream
                asyncio.get_running_loop().call_exception_handler({
                    "message": "kucoin_fast: order_events callback raised", "exception": exc})
            return
        self._buffer.append(event)
        if len(self._buffer) >= self._high_water and not self._paused:
            self._set_paused(True)
        self._notify()

    def _set_paused(self, paused: bool) -> None:
        self._paused = paused
        for channel in self._channels:
            channel.pause(paused)

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # ------------------------------------------------------------ iteration
    def __aiter__(self) -> OrderEvents:
        return self

    async def __anext__(self) -> OrderEvent:
        while not self._buffer:
            if self.closed:
                if self.error is not None:
                    raise self.error
                raise StopAsyncIteration
            if self._wake is None:
                self._wake = asyncio.Event()
            self._wake.clear()
            await self._wake.wait()
        event = self._buffer.popleft()
        if self._paused and len(self._buffer) <= self._high_water // 2:
            self._set_paused(False)
        return event

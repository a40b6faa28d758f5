"""(1) The raw picows floor: pre-built frames, callback-driven, a minimal id scan.

No dict, no JSON encoder or parser, no Future, no coroutine per request: each request is
the same pre-built frame with its 10-digit request number patched in (the ``id`` and the
``clientOid``), framed in place by picows, and the response callback sends the next one.
A response counts as good when it carries ``"code":"200000"`` (once per batch item too)
and, with one request in flight, echoes the id just sent. This is the cheapest
trustworthy thing Python on picows can do; every other client is reported against it.

Opt-in ``coalesce_writes`` (the floor for clients with that mode): frames are pre-built
complete (header + zero masking key, so the payload needs no XOR) and appended to one
buffer that is written to the socket once per loop iteration. A zero key is legal
framing but not what a production client should send; it keeps this a floor.
"""
from __future__ import annotations

import asyncio
from typing import Any

import orjson
from picows import WSMsgType, WSTransport

from .._kucoin import SPOT_SIZE, SPOT_SYMBOL, SYMBOL
from ._base import CallbackClient, CallbackDriver
from ._picows import HandshakeListener, close_transport, connect_listener

_HEADROOM = 14  # picows writes the WebSocket header in front of the payload, in place
_MARK = b"@@@@@@@@@@"  # 10-digit request-number slot in a template
_ID_END = 7 + len(_MARK)  # every response starts with {"id":"<10 digits>"
_OK = b'"code":"200000"'


def _ws_header(size: int) -> bytes:
    """Client text-frame header with a zero masking key (RFC 6455 §5.2)."""
    if size < 126:
        return bytes((0x81, 0x80 | size)) + b"\0\0\0\0"
    return bytes((0x81, 0x80 | 126)) + size.to_bytes(2, "big") + b"\0\0\0\0"


class FrameTemplate:
    """A constant frame with 10-byte slots for the request number."""

    def __init__(self, template: bytes) -> None:
        self._template = template
        self._slots = [k for k in range(len(template)) if template.startswith(_MARK, k)]
        self.buffer = bytearray(_HEADROOM + len(template))
        self._wire_parts = (_ws_header(len(template)) + template).split(_MARK)

    def wire(self, i: int) -> bytes:
        """The complete, already framed (zero-masked) bytes of request ``i``."""
        return (b"%010d" % i).join(self._wire_parts)

    def render(self, i: int) -> bytearray:
        """The frame of request ``i`` in the reusable buffer (client frames are masked in
        place, so the whole payload is rewritten for every send)."""
        buf = self.buffer
        buf[_HEADROOM:] = self._template
        digits = b"%010d" % i
        for k in self._slots:
            buf[_HEADROOM + k : _HEADROOM + k + 10] = digits
        return buf


def _template(op: str, args: Any) -> FrameTemplate:
    frame = orjson.dumps({"id": "ID", "op": op, "args": args})
    return FrameTemplate(frame.replace(b'"ID"', b'"' + _MARK + b'"'))


def _order_args(client_oid: str, side: str) -> dict[str, Any]:
    return {"clientOid": client_oid, "side": side, "symbol": SYMBOL, "type": "market",
            "size": 1, "leverage": 10}


def _limit_args(client_oid: str, side: str) -> dict[str, Any]:
    # Priced through any mark price, so it fills at once and nothing rests.
    return {"clientOid": client_oid, "side": side, "symbol": SYMBOL, "type": "limit",
            "price": "200000" if side == "buy" else "1000", "size": 1, "leverage": 10,
            "timeInForce": "GTC"}


def _spot_args(client_oid: str, side: str) -> dict[str, Any]:
    return {"clientOid": client_oid, "side": side, "symbol": SPOT_SYMBOL, "type": "market",
            "size": SPOT_SIZE}


def _anonymous_spot_args(client_oid: str, side: str) -> dict[str, Any]:
    # Flood mode repeats request numbers, and spot remembers every clientOid for 24 h.
    return {k: v for k, v in _spot_args(client_oid, side).items() if k != "clientOid"}


#: Order frames the floor can send (:meth:`PicowsFloorClient.use_orders`): kind -> (op,
#: body); ``spot`` is the ``spot`` workload mode's, ``spot-anonymous`` the same without a
#: clientOid (for :class:`Flood`).
ORDER_KINDS = {"market": ("futures.order", _order_args), "limit": ("futures.order", _limit_args),
               "spot": ("spot.order", _spot_args),
               "spot-anonymous": ("spot.order", _anonymous_spot_args)}


class Flood:
    """Throughput mode (for measuring a gateway, ``benchmarks.emulator_throughput``):
    batches of ``batch`` complete frames built once (request numbers, hence clientOids,
    repeat every ``batch * batches`` requests: market and crossing orders fill at once,
    so no duplicate is ever active), written while fewer than ``window`` requests are in
    flight, refilled once per loop iteration; replies are only counted and checked."""

    def __init__(self, transport: WSTransport, tpls: tuple[FrameTemplate, FrameTemplate],
                 oks: int, window: int, batch: int = 100, batches: int = 200) -> None:
        self._write = transport.underlying_transport.write
        self._frames = [b"".join(tpls[i & 1].wire(i) for i in range(k * batch, (k + 1) * batch))
                        for k in range(batches)]
        self._batch, self._window, self._oks = batch, window, oks
        self._next = 0
        self.sent = self.received = self.errors = 0
        self.running = True
        self._scheduled = False

    def pump(self) -> None:
        """Top the window up."""
        self._scheduled = False
        while self.running and self.sent - self.received < self._window:
            self._write(self._frames[self._next])
            self._next = (self._next + 1) % len(self._frames)
            self.sent += self._batch

    def on_reply(self, payload: bytes) -> None:
        """One reply: count it (only successes count as served) and refill soon."""
        self.received += 1
        if payload.count(_OK) != self._oks:
            self.errors += 1
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.pump)

    async def stop(self, timeout: float = 10.0) -> None:
        """Send nothing more and wait for the replies still in flight."""
        self.running = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.received < self.sent and loop.time() < deadline:
            await asyncio.sleep(0.01)


class _FloorListener(HandshakeListener):
    def __init__(self, client: PicowsFloorClient) -> None:
        super().__init__(client.creds)
        self.oid = client.workload.prefix + _MARK.decode()
        self.set_order_kind("spot" if client.spot else "market")
        self.tpls = self.order_tpls
        self.oks = 1  # "code":"200000" occurrences in a good response (1 + items for a batch)
        self.last_sent = 0
        self.driver = CallbackDriver(self.send)
        self.cork: bytearray | None = bytearray() if "coalesce_writes" in client.options else None
        self.flush_scheduled = False
        self.flood: Flood | None = None

    def use_batch(self, prefix: str, size: int) -> None:
        """Send ``futures.multi_order`` frames of ``size`` orders instead."""
        items = [_order_args(f"{prefix}m{_MARK.decode()}_{k}", "buy" if k & 1 else "sell")
                 for k in range(size)]
        tpl = _template("futures.multi_order", items)
        self.tpls, self.oks = (tpl, tpl), 1 + size

    def set_order_kind(self, kind: str) -> None:
        """The op and body of the single order frames (``ORDER_KINDS``)."""
        op, args = ORDER_KINDS[kind]
        #: Indexed by request number & 1: sell for even, buy for odd (position stays flat).
        self.order_tpls = (_template(op, args(self.oid, "sell")),
                           _template(op, args(self.oid, "buy")))

    def use_orders(self) -> None:
        """Back to single ``futures.order`` frames."""
        self.tpls, self.oks = self.order_tpls, 1

    def send(self, i: int) -> None:
        self.last_sent = i
        cork = self.cork
        if cork is not None:
            cork += self.tpls[i & 1].wire(i)
            if not self.flush_scheduled:
                self.flush_scheduled = True
                asyncio.get_running_loop().call_soon(self.flush)
            return
        buf = self.tpls[i & 1].render(i)
        self.transport.send_reuse_external_bytearray(WSMsgType.TEXT, buf, _HEADROOM)  # type: ignore[union-attr]

    def flush(self) -> None:
        """Write everything corked during this loop iteration at once."""
        self.flush_scheduled = False
        if self.cork:
            self.transport.underlying_transport.write(bytes(self.cork))  # type: ignore[union-attr]
            self.cork.clear()

    def on_response(self, payload: bytes) -> None:
        if self.flood is not None:
            self.flood.on_reply(payload)
            return
        driver = self.driver
        ok = payload.count(_OK) == self.oks
        if driver.latencies is None:
            driver.completed(ok)
        elif driver.sent_ns is None:
            # Sequential: exactly one in flight, so the id must be the one just sent.
            driver.completed(ok and payload[7:_ID_END] == b"%010d" % self.last_sent)
        else:
            # Pipelined latency: the echoed id says which request this answers.
            driver.completed(ok, int(payload[7:_ID_END]))

    def on_disconnected(self, exc: BaseException) -> None:
        self.driver.fail(exc)


class PicowsFloorClient(CallbackClient):
    """Theoretical floor for Python on picows (see module docstring)."""

    name = "picows_floor"
    description = "raw picows: pre-built frame, callback sends next, id/code byte scan"
    supported_options = frozenset({"coalesce_writes", "spot"})

    _transport: WSTransport | None = None
    _listener: _FloorListener

    async def connect(self) -> None:
        self._listener = _FloorListener(self)
        self.driver = self._listener.driver
        self._transport, _ = await connect_listener(self.url, self.creds, self._listener,
                                                   self.ssl_context)

    async def close(self) -> None:
        await close_transport(self._transport)

    async def multi_order(self, i: int, size: int) -> bool:
        return not await self.run_batches(i, 1, size, [])

    async def run_batches(self, start: int, n: int, size: int, latencies_ns: list[int]) -> int:
        self._listener.use_batch(self.workload.prefix, size)
        try:
            return await self.driver.run(start, n, 1, latencies_ns)
        finally:
            self._listener.use_orders()

    def flood(self, kind: str, window: int) -> Flood:
        """Switch this connection to :class:`Flood` (a load generator for measuring a
        gateway, not a client); ``kind``: ``market`` or ``limit`` orders, ``spot``
        (``spot.order`` market orders, no clientOid), or ``multi`` (``futures.multi_order``
        of 10 market orders)."""
        listener = self._listener
        if kind == "multi":
            listener.use_batch(self.workload.prefix, 10)
        else:
            listener.set_order_kind("spot-anonymous" if kind == "spot" else kind)
            listener.use_orders()
        assert self._transport is not None
        flood = listener.flood = Flood(self._transport, listener.tpls, listener.oks, window)
        flood.pump()
        return flood


CLIENT = PicowsFloorClient

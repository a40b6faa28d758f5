"""(1) The raw picows floor: pre-built frames, callback-driven, a minimal id scan.

No dict, no JSON encoder or parser, no Future, no coroutine per request: each request is
the same pre-built frame with its 10-digit request number patched in (the ``id`` and the
``clientOid``), and the response callback sends the next one. This is the cheapest
trustworthy thing Python on picows can do; every other client is reported against it.
"""
from __future__ import annotations

import asyncio
from time import perf_counter_ns
from typing import Any

import orjson
from picows import WSMsgType, WSTransport

from .._kucoin import SYMBOL
from ._base import BenchClient
from ._picows import HandshakeListener, close_transport, connect_listener

#: picows needs this much headroom before the payload to frame it in place.
_HEADROOM = 14
_MARK = b"@@@@@@@@@@"  # 10-digit request-number slot in a template
_ID_END = 7 + len(_MARK)  # responses start with {"id":"<10 digits>"
_OK = b'"code":"200000"'


class FrameTemplate:
    """A constant frame with 10-byte slots for the request number, masked/sent in place."""

    def __init__(self, template: bytes) -> None:
        self._template = template
        self._slots = [k for k in range(len(template)) if template.startswith(_MARK, k)]
        self.buffer = bytearray(_HEADROOM + len(template))

    def render(self, i: int) -> bytearray:
        """Write the frame for request ``i`` into the buffer (client frames are masked in
        place, so it is rebuilt for every send)."""
        buf = self.buffer
        buf[_HEADROOM:] = self._template
        digits = b"%010d" % i
        for k in self._slots:
            buf[_HEADROOM + k : _HEADROOM + k + 10] = digits
        return buf


def _template(op: str, args: Any) -> FrameTemplate:
    frame = orjson.dumps({"id": "ID", "op": op, "args": args}).replace(b'"ID"', b'"' + _MARK + b'"')
    return FrameTemplate(frame)


def _order_args(prefix: str, side: str) -> dict[str, Any]:
    return {"clientOid": prefix + _MARK.decode(), "side": side, "symbol": SYMBOL,
            "type": "market", "size": 1, "leverage": 10}


class _FloorListener(HandshakeListener):
    def __init__(self, client: PicowsFloorClient) -> None:
        super().__init__(client.creds)
        prefix = client.workload.prefix
        #: (template for odd request numbers, template for even ones): buy/sell alternate.
        self.order_tpls = (_template("futures.order", _order_args(prefix, "sell")),
                           _template("futures.order", _order_args(prefix, "buy")))
        self.batch_tpls: tuple[FrameTemplate, FrameTemplate] | None = None
        self.tpls = self.order_tpls
        self.oks = 1  # "code":"200000" occurrences in a good response (1 + items for a batch)
        self.done: asyncio.Future[None] | None = None
        self.next = self.end = self.outstanding = self.errors = 0
        self.sent_at = 0
        self.latencies: list[int] | None = None
        self.expect = b""

    def use_batch(self, prefix: str, size: int) -> None:
        """Switch to ``futures.multi_order`` frames of ``size`` orders."""
        items = [_order_args(f"{prefix}m", "buy" if k & 1 else "sell") for k in range(size)]
        for k, item in enumerate(items):
            item["clientOid"] += f"_{k}"
        tpl = _template("futures.multi_order", items)
        self.tpls, self.oks = (tpl, tpl), 1 + size

    def use_orders(self) -> None:
        """Switch back to single ``futures.order`` frames."""
        self.tpls, self.oks = self.order_tpls, 1

    def start(self, start: int, n: int, depth: int, latencies: list[int] | None) -> asyncio.Future[None]:
        """Send requests ``start..start+n-1`` keeping ``depth`` in flight."""
        self.done = asyncio.get_running_loop().create_future()
        self.next, self.end, self.latencies, self.errors = start, start + n, latencies, 0
        for _ in range(min(depth, n)):
            self.send_next()
        return self.done

    def send_next(self) -> None:
        i = self.next
        self.next = i + 1
        self.outstanding += 1
        buf = self.tpls[i & 1].render(i)
        self.expect = buf[_HEADROOM + 7 : _HEADROOM + _ID_END]
        self.sent_at = perf_counter_ns()
        self.transport.send_reuse_external_bytearray(WSMsgType.TEXT, buf, _HEADROOM)  # type: ignore[union-attr]

    def on_response(self, payload: bytes) -> None:
        now = perf_counter_ns()
        self.outstanding -= 1
        if payload.count(_OK) != self.oks:
            self.errors += 1
        latencies = self.latencies
        if latencies is not None:  # sequential: exactly one in flight, so the id must match
            latencies.append(now - self.sent_at)
            if payload[7:_ID_END] != self.expect:
                self.errors += 1
        if self.next < self.end:
            self.send_next()
        elif not self.outstanding and self.done is not None:
            self.done.set_result(None)

    def on_disconnected(self, exc: BaseException) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_exception(exc)


class PicowsFloorClient(BenchClient):
    """Theoretical floor for Python on picows (see module docstring)."""

    name = "picows_floor"
    description = "raw picows: pre-built frame, callback sends next, id/code byte scan"

    _transport: WSTransport | None = None
    _listener: _FloorListener

    async def connect(self) -> None:
        self._listener = _FloorListener(self)
        self._transport, _ = await connect_listener(self.url, self.creds, self._listener)

    async def close(self) -> None:
        await close_transport(self._transport)

    async def _run(self, start: int, n: int, depth: int, latencies: list[int] | None) -> int:
        await self._listener.start(start, n, depth, latencies)
        return self._listener.errors

    async def order(self, i: int) -> bool:
        return not await self._run(i, 1, 1, None)

    async def run_sequential(self, start: int, n: int, latencies_ns: list[int]) -> int:
        return await self._run(start, n, 1, latencies_ns)

    async def run_pipelined(self, start: int, n: int, depth: int) -> int:
        return await self._run(start, n, depth, None)

    async def multi_order(self, i: int, size: int) -> bool:
        return not await self.run_batches(i, 1, size, [])

    async def run_batches(self, start: int, n: int, size: int, latencies_ns: list[int]) -> int:
        listener = self._listener
        listener.use_batch(self.workload.prefix, size)
        try:
            return await self._run(start, n, 1, latencies_ns)
        finally:
            listener.use_orders()


CLIENT = PicowsFloorClient

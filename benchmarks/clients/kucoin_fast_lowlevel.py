"""(3) kucoin_fast's low-level path: prepared order templates + callback completion.

``client.prepare_order(template)`` validates and pre-encodes the static fields once;
``prepared.send(price, size, clientOid, callback)`` is synchronous and the callback runs
from the frame callback, which sends the next order (:class:`CallbackDriver`). Batches go
through ``client.request_with_callback("futures.multi_order", ...)``.
"""
from __future__ import annotations

from typing import Any

from . import _kf
from ._base import CallbackClient, CallbackDriver, batch_ok


class KucoinFastLowLevelClient(CallbackClient):
    """Prepared orders, callback completion, no future or coroutine per request."""

    name = "kucoin_fast_lowlevel"
    description = "kucoin_fast: prepare_order() + send(..., callback), callback sends next"
    supported_options = _kf.supported_options()

    _client: Any = None

    @classmethod
    def check_available(cls) -> None:
        _kf.require("prepare_order", "request_with_callback")

    @classmethod
    def note(cls) -> str:
        return _kf.build_note()

    async def connect(self) -> None:
        client = self._client = _kf.make_client(self)
        await client.connect(_kf.ws_key(self))
        # Indexed by request number & 1, like Workload.order: sell for even, buy for odd.
        if self.spot:
            self._sends = tuple(client.prepare_spot_order(_kf.spot_template(side)).send
                                for side in ("sell", "buy"))
        else:
            self._sends = tuple(client.prepare_order(_kf.order_template(side)).send
                                for side in ("sell", "buy"))
        self._size: Any = _kf.SPOT_SIZE if self.spot else 1
        self._prefix = self.workload.prefix
        self.driver = CallbackDriver(self._send_order)

    def _send_order(self, i: int) -> None:
        self._sends[i & 1](None, self._size, f"{self._prefix}{i}", self._on_order_result)

    def _on_order_result(self, result: Any) -> None:
        # Success is a WSAPIResponse; failures arrive as KucoinError instances.
        self.driver.completed(not isinstance(result, BaseException))

    async def run_pipelined(self, start: int, n: int, depth: int,
                            latencies_ns: list[int] | None = None) -> int:
        if latencies_ns is None:
            return await self.driver.run(start, n, depth, None)
        # Timing each request needs its number in the callback: one closure per request
        # (this window's CPU is not the reported CPU/request).
        sends, prefix, size = self._sends, self._prefix, self._size

        def send(i: int) -> None:
            sends[i & 1](None, size, f"{prefix}{i}",
                         lambda result: timed.completed(not isinstance(result, BaseException), i))

        timed = CallbackDriver(send)
        return await timed.run(start, n, depth, latencies_ns)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def multi_order(self, i: int, size: int) -> bool:
        return not await self.run_batches(i, 1, size, [])

    async def run_batches(self, start: int, n: int, size: int, latencies_ns: list[int]) -> int:
        client, batch = self._client, self.workload.batch
        driver: CallbackDriver

        def send(i: int) -> None:
            client.request_with_callback("futures.multi_order", batch(i, size), on_result)

        def on_result(result: Any) -> None:
            driver.completed(not isinstance(result, BaseException) and batch_ok(
                {"code": result.code, "data": result.data}))

        driver = CallbackDriver(send)
        return await driver.run(start, n, 1, latencies_ns)


CLIENT = KucoinFastLowLevelClient

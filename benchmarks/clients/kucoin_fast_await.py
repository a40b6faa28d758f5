"""(2) kucoin_fast through its awaitable API: ``await client.submit_futures_order(dict)``
(``spot`` mode: ``await client.submit_new_spot_order(dict)`` on the spot connection)."""
from __future__ import annotations

from typing import Any

from . import _kf
from ._base import BenchClient


class KucoinFastAwaitClient(BenchClient):
    """The public coroutine API, exactly as a user calls it (a fresh dict per order)."""

    name = "kucoin_fast_await"
    description = "kucoin_fast: await client.submit_futures_order(dict)"
    supported_options = _kf.supported_options()

    _client: Any = None

    @classmethod
    def check_available(cls) -> None:
        _kf.require("submit_futures_order", "submit_multiple_futures_orders")

    @classmethod
    def note(cls) -> str:
        return _kf.build_note()

    async def connect(self) -> None:
        self._client = _kf.make_client(self)
        await self._client.connect(_kf.ws_key(self))
        self._errors: Any = _kf.require().KucoinAPIError

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def order(self, i: int) -> bool:
        try:
            if self.spot:
                await self._client.submit_new_spot_order(self.workload.spot_order(i))
            else:
                await self._client.submit_futures_order(self.workload.order(i))
        except self._errors:
            return False
        return True

    async def multi_order(self, i: int, size: int) -> bool:
        result = await self._client.submit_multiple_futures_orders(self.workload.batch(i, size))
        return not result.failed


CLIENT = KucoinFastAwaitClient

"""(5) aiohttp + orjson: a reader task resolves one asyncio.Future per request."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson

from .._kucoin import challenge_reply, check_welcome, signed_url
from ._base import FutureClient


class AiohttpOrjsonClient(FutureClient):
    """aiohttp ``ws_connect``, ``send_str(orjson.dumps(..).decode())``, reader task + Futures."""

    name = "aiohttp_orjson"
    description = "aiohttp ws + orjson, reader task, asyncio.Future per request"

    _session: aiohttp.ClientSession | None = None
    _ws: aiohttp.ClientWebSocketResponse[bool] | None = None
    _reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._session = aiohttp.ClientSession()
        ws = self._ws = await self._session.ws_connect(
            signed_url(self.url, self.creds),
            ssl=self.ssl_context if self.ssl_context is not None else True)
        await ws.send_str(challenge_reply(await ws.receive_str(), self.creds))
        check_welcome(await ws.receive_str())
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        on_message = self._on_message
        try:
            async for msg in self._ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    on_message(orjson.loads(msg.data))
        finally:
            self._fail_pending(ConnectionError("gateway closed the connection"))

    def _send(self, request: dict[str, Any]) -> Any:
        return self._ws.send_str(orjson.dumps(request).decode())  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._session is not None:
            await self._session.close()


CLIENT = AiohttpOrjsonClient

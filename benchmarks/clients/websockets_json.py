"""(6) ``websockets`` + stdlib ``json``: what a typical user writes."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .._kucoin import challenge_reply, check_welcome, signed_url
from ._base import FutureClient


class WebsocketsJsonClient(FutureClient):
    """``websockets`` connection, ``json.dumps``/``loads``, reader task + Futures."""

    name = "websockets_json"
    description = "websockets + json, reader task, asyncio.Future per request"

    _ws: ClientConnection | None = None
    _reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        ws = self._ws = await connect(signed_url(self.url, self.creds), ssl=self.ssl_context)
        await ws.send(challenge_reply(await ws.recv(), self.creds))
        check_welcome(await ws.recv())
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        on_message = self._on_message
        try:
            async for raw in self._ws:
                on_message(json.loads(raw))
        finally:
            self._fail_pending(ConnectionError("gateway closed the connection"))

    def _send(self, request: dict[str, Any]) -> Any:
        return self._ws.send(json.dumps(request))  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


CLIENT = WebsocketsJsonClient

"""(4) Hand-rolled picows + orjson + asyncio.Future: what a careful user would write on picows."""
from __future__ import annotations

from typing import Any

import orjson
from picows import WSMsgType, WSTransport

from ._base import FutureClient
from ._picows import HandshakeListener, close_transport, connect_listener


class _Listener(HandshakeListener):
    def __init__(self, client: PicowsOrjsonClient) -> None:
        super().__init__(client.creds)
        self._on_message = client._on_message
        self._fail_pending = client._fail_pending

    def on_response(self, payload: bytes) -> None:
        self._on_message(orjson.loads(payload))

    def on_disconnected(self, exc: BaseException) -> None:
        self._fail_pending(exc)


class PicowsOrjsonClient(FutureClient):
    """picows transport, ``orjson.dumps``/``loads`` of whole dicts, a Future per request."""

    name = "picows_orjson"
    description = "picows + orjson dumps/loads + asyncio.Future per request"

    _transport: WSTransport | None = None

    async def connect(self) -> None:
        self._transport, _ = await connect_listener(self.url, self.creds, _Listener(self),
                                                   self.ssl_context)

    async def close(self) -> None:
        await close_transport(self._transport)

    def _send(self, request: dict[str, Any]) -> None:
        self._transport.send(WSMsgType.TEXT, orjson.dumps(request))  # type: ignore[union-attr]


CLIENT = PicowsOrjsonClient

"""picows plumbing shared by the picows-based clients: a listener that does KuCoin's
handshake itself, then hands every later text frame to :meth:`on_response`."""
from __future__ import annotations

import asyncio
import ssl

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from .._kucoin import Credentials, HandshakeError, challenge_reply, check_welcome, signed_url


class HandshakeListener(WSListener):
    """Signs the challenge, waits for the welcome, then routes frames to ``on_response``."""

    def __init__(self, creds: Credentials) -> None:
        super().__init__()
        self.creds = creds
        self.transport: WSTransport | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._handshaking = 2  # frames left: challenge, welcome

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not WSMsgType.TEXT:
            if frame.msg_type is WSMsgType.CLOSE:
                transport.disconnect()
            return
        if self._handshaking:
            self._on_handshake_frame(transport, frame.get_payload_as_bytes())
        else:
            self.on_response(frame.get_payload_as_bytes())

    def _on_handshake_frame(self, transport: WSTransport, payload: bytes) -> None:
        try:
            if self._handshaking == 2:
                transport.send(WSMsgType.TEXT, challenge_reply(payload, self.creds).encode())
            else:
                check_welcome(payload)
        except HandshakeError as exc:
            if not self.ready.done():
                self.ready.set_exception(exc)
            transport.disconnect()
            return
        self._handshaking -= 1
        if not self._handshaking:
            self.transport = transport
            self.ready.set_result(None)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        exc = ConnectionError("gateway closed the connection")
        if not self.ready.done():
            self.ready.set_exception(exc)
        self.on_disconnected(exc)

    def on_response(self, payload: bytes) -> None:
        """One response frame after the handshake."""
        raise NotImplementedError

    def on_disconnected(self, exc: BaseException) -> None:
        """The socket is gone: fail whatever is waiting."""


async def connect_listener(
    url: str, creds: Credentials, listener: HandshakeListener,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[WSTransport, HandshakeListener]:
    """Connect to the signed URL with ``listener`` and wait for the welcome."""
    transport, _ = await ws_connect(lambda: listener, signed_url(url, creds),
                                    ssl_context=ssl_context)
    await listener.ready
    return transport, listener


async def close_transport(transport: WSTransport | None) -> None:
    """Send a close frame and wait for the socket to go away."""
    if transport is None or transport.is_disconnected:
        return
    transport.send_close()
    transport.disconnect()
    await transport.wait_disconnected()

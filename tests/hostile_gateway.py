"""A KuCoin WS API gateway that misbehaves on purpose, for the fault tests.

It does the handshake (upgrade, compact challenge, welcome with configurable keepalive
values; signatures are not checked) and then runs a per-connection ``script`` that
chooses what every frame looks like: fragmented, oversized, with RSV bits, a notice,
a close or a reset. Framing comes from the suite's hand-written RFC 6455 server side.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.append(ROOT)

from benchmarks.gateways import _rfc6455 as rfc

OP_CONTINUATION, OP_TEXT, OP_CLOSE = rfc.OP_CONTINUATION, rfc.OP_TEXT, rfc.OP_CLOSE
OP_PING, OP_PONG = rfc.OP_PING, rfc.OP_PONG

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["OP_CONTINUATION", "OP_PING", "OP_PONG", "OP_TEXT", "HostileGateway", "Session",
           "fragmented", "frame"]

Script = Callable[["Session"], Awaitable[None]]


def frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0) -> bytes:
    """One server frame with free control of FIN, the RSV bits (0-7) and the opcode."""
    raw = bytearray(rfc.server_frame(opcode, payload))
    raw[0] = (0x80 if fin else 0) | (rsv & 7) << 4 | opcode
    return bytes(raw)


def fragmented(payload: bytes, parts: int, between: bytes = b"") -> bytes:
    """``payload`` as one text message in ``parts`` fragments (one frame when 1), with
    ``between`` (e.g. a ping frame) between each two of them."""
    size = max(1, -(-len(payload) // parts))
    chunks = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
    out = []
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        out.append(frame(OP_CONTINUATION if i else OP_TEXT, chunk, fin=last))
        if not last:
            out.append(between)
    return b"".join(out)


class Session:
    """One accepted connection: the client's messages in, any bytes out."""

    def __init__(self, gateway: HostileGateway, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.gateway = gateway
        self._reader = reader
        self.writer = writer
        self._frames = rfc.FrameReader(1 << 24)
        self._queue: list[tuple[int, bytes]] = []
        self.query: dict[str, str] = {}
        self.session_id = str(uuid.uuid4())
        self.challenge = b""  # the challenge's exact bytes
        self.signature = b""  # what the client answered to it
        self.pings = 0
        self.pongs: list[bytes] = []  # payloads of the client's WebSocket pongs

    def send(self, data: bytes) -> None:
        """Write raw bytes (frames built with :func:`frame`, or anything at all)."""
        if not self.writer.is_closing():
            self.writer.write(data)

    def send_text(self, payload: bytes | str | dict[str, Any], **kw: Any) -> None:
        """One text frame (a dict is JSON-encoded compactly)."""
        if isinstance(payload, dict):
            payload = json.dumps(payload, separators=(",", ":"))
        if isinstance(payload, str):
            payload = payload.encode()
        self.send(frame(OP_TEXT, payload, **kw))

    async def recv(self) -> tuple[int, bytes]:
        """The next message from the client (pings answered on the way); raises
        ``EOFError`` when the client is gone."""
        while not self._queue:
            data = await self._reader.read(65536)
            if not data:
                raise EOFError
            self._queue.extend(self._frames.messages(data))
        return self._queue.pop(0)

    def send_fragmented(self, payload: bytes, parts: int, between: bytes = b"") -> None:
        """``payload`` as one text message in ``parts`` fragments (see :func:`fragmented`)."""
        self.send(fragmented(payload, parts, between))

    async def close_code(self) -> int | None:
        """Read until the client's close frame: its code (None at EOF without one)."""
        try:
            while True:
                opcode, payload = await self.recv()
                if opcode == OP_CLOSE:
                    return int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
        except (EOFError, ConnectionError, rfc.ProtocolError):
            return None

    async def request(self) -> dict[str, Any]:
        """The next JSON request; JSON pings are answered with a pong."""
        while True:
            opcode, payload = await self.recv()
            if opcode == OP_PING:
                self.send(rfc.server_frame(rfc.OP_PONG, payload))
                continue
            if opcode == OP_PONG:
                self.pongs.append(payload)
                continue
            if opcode != OP_TEXT:
                if opcode == rfc.OP_CLOSE:
                    raise EOFError
                continue
            msg: dict[str, Any] = json.loads(payload)
            if msg.get("op") == "ping":
                self.pings += 1
                self.send_text({"id": msg["id"], "op": "pong",
                                "timestamp": int(time.time() * 1000)})
                continue
            return msg

    @staticmethod
    def reply(request: dict[str, Any], code: str = "200000", **fields: Any) -> bytes:
        """A reply to ``request`` in KuCoin's key order (``data`` by default an order ack)."""
        body: dict[str, Any] = {"id": request["id"], "op": request["op"], "code": code}
        args = request.get("args") or {}
        if "data" not in fields and "msg" not in fields and isinstance(args, dict):
            body["data"] = {"orderId": "o-" + str(request["id"]),
                            "clientOid": args.get("clientOid")}
        body.update(fields)
        now = int(time.time() * 1000)
        body.setdefault("inTime", now)
        body.setdefault("outTime", now)
        return json.dumps(body, separators=(",", ":")).encode()

    async def serve(self) -> None:
        """Answer every request with a success reply until the client leaves."""
        try:
            while True:
                self.send_text(self.reply(await self.request()))
        except (EOFError, ConnectionError):
            pass

    def close(self, code: int = 1001) -> None:
        """A close frame, then FIN."""
        self.send(rfc.close_frame(code))
        self.writer.close()

    def reset(self) -> None:
        """A TCP reset (SO_LINGER 0)."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


class HostileGateway:
    """``async with HostileGateway(script) as gw: gw.url ...``; ``script(session)`` runs
    after each welcome (default: answer every request). ``welcome`` overrides fields of
    the welcome frame (or makes them: ``welcome(session)``); ``after_welcome`` is
    written in the same TCP write as the welcome; ``handshake_fragments`` > 1 sends
    the challenge and the welcome as that many fragments each; ``refuse`` is sent
    instead of the challenge (a KuCoin error frame), then a close."""

    def __init__(self, script: Script | None = None, *,
                 welcome: dict[str, Any] | Callable[[Session], dict[str, Any]] | None = None,
                 after_welcome: bytes = b"", handshake_fragments: int = 1,
                 refuse: dict[str, Any] | None = None,
                 ssl: Any = None) -> None:
        self.script = script or Session.serve
        self.welcome = welcome or {}
        self.handshake_fragments = handshake_fragments
        self.after_welcome = after_welcome
        self.refuse = refuse
        self.upgrades = 0
        self._ssl = ssl
        self._server: asyncio.base_events.Server | None = None
        self.handshakes: list[float] = []  # monotonic time of each completed welcome
        self.sessions: list[Session] = []
        self.url = ""

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0, ssl=self._ssl)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"{'wss' if self._ssl else 'ws'}://127.0.0.1:{port}/v1/private"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for session in self.sessions:
            session.writer.transport.abort()
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(self, reader, writer)
        try:
            buf = bytearray()
            request = None
            while request is None:
                data = await reader.read(65536)
                if not data:
                    return
                buf += data
                request = rfc.parse_upgrade(buf)
            session.query = {k: v[0] for k, v in parse_qs(urlsplit(request.target).query).items()}
            writer.write(rfc.upgrade_response(request))
            self.upgrades += 1
            if self.refuse is not None:
                session.send_text(self.refuse)
                session.close(1000)
                return
            parts = self.handshake_fragments
            session.challenge = json.dumps({"sessionId": session.session_id,
                                            "timestamp": int(time.time() * 1000)},
                                           separators=(",", ":")).encode()
            session.send_fragmented(session.challenge, parts)
            _, session.signature = await session.recv()  # recorded, not checked
            extra = self.welcome(session) if callable(self.welcome) else self.welcome
            welcome = json.dumps({"sessionId": session.session_id, "data": "welcome",
                                  "pingInterval": 18000, "pingTimeout": 10000,
                                  **extra}).encode()
            session.send(fragmented(welcome, parts) + self.after_welcome)
            self.handshakes.append(time.monotonic())
            self.sessions.append(session)
            await self.script(session)
        except (EOFError, ConnectionError, rfc.ProtocolError, asyncio.CancelledError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

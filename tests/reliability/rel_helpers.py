"""Helpers of the reliability tests (imported as a top-level module; unique name).

* :class:`FaultProxy`: a small asyncio TCP proxy for socket-level faults the emulator
  cannot produce by itself: blackhole both directions (half-open peer), RST, FIN,
  fragmented writes (server->client bytes forwarded in tiny chunks, so WebSocket
  frames and TLS records arrive split across reads), and a fixed delay.
* TLS material from ``trustme`` (one CA per process): a server context for the
  emulator and a trusting client context.
* ``emulator()``, ``make_client()``, ``eventually()``, ``open_fds()``.
"""
from __future__ import annotations

import asyncio
import os
import socket
import ssl
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from kf_shared import IMPL_IDS, IMPLS, KEY, PASSPHRASE, SECRET, run_on, ws_frames  # noqa: F401 (re-exported)

from kucoin_fast import WebsocketAPIClient
from kucoin_fast.emulator import Account, Emulator

ACCOUNT = Account(KEY, SECRET, PASSPHRASE)

RESTING = {"clientOid": "rest-1", "side": "buy", "symbol": "XBTUSDTM", "type": "limit",
           "price": "50000", "qty": "0.01", "leverage": 10, "marginMode": "CROSS",
           "positionSide": "LONG"}
MARKET = {"clientOid": "mkt-1", "side": "buy", "symbol": "XBTUSDTM", "type": "market", "size": 1}


def order(coid: str, **fields: Any) -> dict[str, Any]:
    """A resting limit order with this clientOid."""
    return dict(RESTING, clientOid=coid, **fields)


def market(coid: str) -> dict[str, Any]:
    """A market order (fills at once) with this clientOid."""
    return dict(MARKET, clientOid=coid)


# ------------------------------------------------------------------------ TLS
@lru_cache(maxsize=1)
def _ca() -> Any:
    import trustme

    return trustme.CA()


def server_ssl_context(*names: str) -> ssl.SSLContext:
    """A server context with a certificate of the test CA for ``names``."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    _ca().issue_cert(*(names or ("127.0.0.1", "localhost"))).configure_cert(ctx)
    return ctx


def client_ssl_context() -> ssl.SSLContext:
    """A verifying client context that trusts the test CA (hostname checked)."""
    ctx = ssl.create_default_context()
    _ca().configure_trust(ctx)
    return ctx


def untrusted_server_ssl_context() -> ssl.SSLContext:
    """A server context whose certificate comes from a CA nobody trusts."""
    import trustme

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


# ------------------------------------------------------------------ emulator
@asynccontextmanager
async def emulator(tls: bool = False, **options: Any) -> AsyncIterator[Emulator]:
    """An in-process emulator (rate limit off unless given), plain or TLS."""
    options.setdefault("rate_limit", None)
    if tls:
        options.setdefault("ssl_context", server_ssl_context())
    async with Emulator(accounts=[ACCOUNT], **options) as ex:
        yield ex


def port_of(url: str) -> int:
    return int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])


def make_client(ex: Emulator | None = None, *, url: str | None = None, tls: bool | None = None,
                **options: Any) -> WebsocketAPIClient:
    """A client for ``ex`` (or ``url``); TLS clients trust the test CA."""
    ws_url = url if url is not None else ex.url  # type: ignore[union-attr]
    if tls is None:
        tls = ws_url.startswith("wss://")
    if tls:
        options.setdefault("ssl_context", client_ssl_context())
    options.setdefault("request_timeout", 10.0)
    options.setdefault("connect_timeout", 10.0)
    return WebsocketAPIClient(api_key=options.pop("api_key", KEY),
                              api_secret=options.pop("api_secret", SECRET),
                              api_passphrase=options.pop("api_passphrase", PASSPHRASE),
                              ws_url=ws_url, **options)


async def eventually(predicate: Any, timeout: float = 20.0, what: str = "") -> None:
    """Wait until ``predicate()`` is true (no timing assertions: generous timeout)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition never became true: {what or predicate}")
        await asyncio.sleep(0.01)


def client_frames(wire: bytes) -> list[tuple[bytes, bytes]]:
    """(mask key, unmasked payload) of every client frame in ``wire`` (the bytes a
    client sent, starting with its HTTP upgrade request)."""
    return ws_frames(wire[wire.index(b"\r\n\r\n") + 4:])


def open_fds() -> int:
    """Open file descriptors of this process."""
    return len(os.listdir("/proc/self/fd"))


# --------------------------------------------------------------------- proxy
class _Link:
    """One proxied connection: the client-side and server-side streams."""

    def __init__(self, down_writer: asyncio.StreamWriter, up_writer: asyncio.StreamWriter) -> None:
        self.down_writer = down_writer  # towards the client
        self.up_writer = up_writer  # towards the server
        self.task: asyncio.Future[Any] | None = None


class FaultProxy:
    """TCP proxy between the client and the emulator, with socket-level faults.

    Switches (change them at runtime):

    * ``blackhole``: read and discard both directions, send nothing, never close
      (a half-open TCP peer as the client sees it);
    * ``chunk_size``: forward server->client bytes in chunks of this many bytes, one
      write and one ``drain`` per chunk (WebSocket frames and TLS records split across
      reads); ``up_chunk_size`` does the same client->server;
    * ``delay_s``: sleep this long before forwarding each read;
    * ``pause_up()`` / ``resume_up()``: stop / restart reading from the client (its
      socket buffers fill up and picows calls ``pause_writing`` on the client).

    Actions: ``rst()`` (abort with SO_LINGER 0: the client sees ECONNRESET),
    ``fin()`` (half-close towards the client: EOF without a close frame; the
    server side is closed too).
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.blackhole = False
        self.chunk_size = 0
        self.up_chunk_size = 0
        self.delay_s = 0.0
        self.links: list[_Link] = []
        self.connections = 0
        #: Every client->server byte forwarded (for tests that inspect the wire).
        self.up_bytes = bytearray()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self._up_open = asyncio.Event()
        self._up_open.set()

    def pause_up(self) -> None:
        self._up_open.clear()

    def resume_up(self) -> None:
        self._up_open.set()

    async def __aenter__(self) -> FaultProxy:  # noqa: PYI034 (Self needs 3.11)
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def url(self, tls: bool = False) -> str:
        return f"{'wss' if tls else 'ws'}://127.0.0.1:{self.port}/v1/private"

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    downstream: bool) -> None:
        try:
            while True:
                if not downstream:
                    await self._up_open.wait()
                data = await reader.read(65536)
                if not data:
                    break
                if self.blackhole:
                    continue
                if not downstream:
                    self.up_bytes += data
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                chunk = self.chunk_size if downstream else self.up_chunk_size
                if chunk:
                    for i in range(0, len(data), chunk):
                        writer.write(data[i:i + chunk])
                        await writer.drain()
                else:
                    writer.write(data)
                    await writer.drain()
            if not self.blackhole and writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host,
                                                                 self.target_port)
        except OSError:
            writer.close()
            return
        link = _Link(writer, up_writer)
        self.links.append(link)
        link.task = asyncio.gather(self._pipe(reader, up_writer, False),
                                   self._pipe(up_reader, writer, True),
                                   return_exceptions=True)
        try:
            await link.task
        except asyncio.CancelledError:
            pass
        finally:
            for w in (writer, up_writer):
                w.close()

    def rst(self) -> None:
        """Reset every proxied connection (RST to the client, close to the server)."""
        for link in self.links:
            sock = link.down_writer.get_extra_info("socket")
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
            link.down_writer.transport.abort()
            link.up_writer.close()

    def fin(self) -> None:
        """Send FIN to the client (no close frame) and close the server side."""
        for link in self.links:
            if link.down_writer.can_write_eof():
                try:
                    link.down_writer.write_eof()
                except OSError:
                    pass
            link.up_writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for link in self.links:
            link.down_writer.close()
            link.up_writer.close()
            if link.task is not None:
                link.task.cancel()
        await asyncio.gather(*(link.task for link in self.links if link.task is not None),
                             return_exceptions=True)
        for link in self.links:
            for w in (link.down_writer, link.up_writer):
                try:
                    await w.wait_closed()
                except (OSError, ConnectionError):
                    pass
        if self.server is not None:
            await self.server.wait_closed()
            self.server = None

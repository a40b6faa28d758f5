"""The typed contracts between the client and the hot-path implementations.

:class:`ConnectionAPI` is what the client and the connector use of a connection;
:class:`ScannerAPI`, :class:`FrameBufferAPI` and :class:`WriterAPI` are the kit a
connection is built with. Each has two implementations, the compiled modules (typed
by their ``.pyi`` stubs) and the pure-Python ones; the checks at the bottom make mypy
verify that all of them conform, so the two builds cannot drift apart unnoticed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .connection import WSAPIResponse

__all__ = ["ConnectionAPI", "FrameBufferAPI", "ScannerAPI", "WriterAPI"]


class ConnectionAPI(Protocol):
    """One authenticated WS API connection (:class:`kucoin_fast._core.connection.Connection`)."""

    ws_key: str
    transport: Any
    handshake_done: Any
    write_paused: bool
    lost_client_oids: tuple[str, ...]
    lost_requests: int

    @property
    def is_ready(self) -> bool: ...
    @property
    def lost_reason(self) -> Any: ...
    @property
    def pending_count(self) -> int: ...
    def stats(self) -> dict[str, int]: ...
    def request(self, op: str, args: Any) -> Any: ...
    async def call(self, op: str, args: Any) -> WSAPIResponse: ...
    def request_with_callback(self, op: str, args: Any, callback: Any) -> int: ...
    def send_prepared(self, template: Any, price: Any, size: Any, client_oid: Any,
                      callback: Any) -> int: ...
    async def wait_writable(self, timeout: float) -> bool: ...
    def close(self) -> None: ...
    def abort(self, reason: str) -> None: ...


class ScannerAPI(Protocol):
    """The reply scanner (:mod:`._parse`, oracle :mod:`._parse_py`)."""

    @property
    def kind(self) -> int: ...
    @property
    def request_id(self) -> int: ...
    @property
    def code(self) -> str | None: ...
    @property
    def code_ok(self) -> bool: ...
    def scan_frame(self, frame: Any) -> int: ...
    def scan_bytes(self, payload: bytes) -> int: ...
    def scan_handshake(self, payload: bytes) -> int: ...
    def take_data(self) -> Any: ...
    def take_rate_limit(self) -> Any: ...
    def id_text(self, limit: int = ...) -> str: ...


class FrameBufferAPI(Protocol):
    """The request encoder's buffer (:mod:`._encode`, oracle :mod:`._encode_py`)."""

    ref: Any

    def request(self, request_id: int, op: str, args: Any) -> int: ...
    def prepared(self, request_id: int, template: Any, price: Any, size: Any,
                 client_oid: Any) -> int: ...
    def ping(self, ping_number: int) -> int: ...
    def text(self, payload: bytes) -> int: ...
    def getvalue(self) -> bytes: ...


class WriterAPI(Protocol):
    """The frame writer (:mod:`._encode`, oracle :mod:`._encode_py`)."""

    @property
    def queued(self) -> int: ...
    @property
    def written(self) -> int: ...
    @property
    def writes(self) -> int: ...
    def send(self, buf: Any) -> int: ...
    def flush(self) -> int: ...
    def discard(self) -> int: ...


if TYPE_CHECKING:  # mypy: every implementation conforms
    from . import connection as _connection
    from . import connection_c as _connection_c
    from . import encode as _encode
    from . import encode_py as _encode_py
    from . import parse as _parse
    from . import parse_py as _parse_py
    from . import writer as _writer
    from . import writer_py as _writer_py

    def _connections(a: _connection.Connection, b: _connection_c.Connection
                     ) -> tuple[ConnectionAPI, ConnectionAPI]:
        return a, b

    def _scanners(a: _parse.ReplyScan, b: _parse_py.ReplyScan) -> tuple[ScannerAPI, ScannerAPI]:
        return a, b

    def _buffers(a: _encode.FrameBuffer, b: _encode_py.FrameBuffer
                 ) -> tuple[FrameBufferAPI, FrameBufferAPI]:
        return a, b

    def _writers(a: _writer.Writer, b: _writer_py.Writer) -> tuple[WriterAPI, WriterAPI]:
        return a, b

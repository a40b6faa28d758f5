"""Both builds of the hot paths have one interface: mypy checks the compiled modules
(typed by their .pyi stubs) and the pure-Python ones against the same Protocols, so the
two builds cannot drift apart unnoticed."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_params_typing import _mypy

pytest.importorskip("mypy.api")

PROTOCOLS = """
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from kucoin_fast._core.connection import WSAPIResponse


class ConnectionAPI(Protocol):
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
    def start_request(self, op: str, args: Any) -> Any: ...
    def abandon_request(self, entry: Any) -> None: ...
    def request_with_callback(self, op: str, args: Any, callback: Any) -> int: ...
    def send_prepared(self, template: Any, price: Any, size: Any, client_oid: Any,
                      callback: Any) -> int: ...
    async def wait_writable(self, timeout: float) -> bool: ...
    def close(self) -> None: ...
    def abort(self, reason: str) -> None: ...


class ScannerAPI(Protocol):
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
    ref: Any

    def request(self, request_id: int, op: str, args: Any) -> int: ...
    def prepared(self, request_id: int, template: Any, price: Any, size: Any,
                 client_oid: Any) -> int: ...
    def ping(self, ping_number: int) -> int: ...
    def text(self, payload: bytes) -> int: ...
    def getvalue(self) -> bytes: ...


class WriterAPI(Protocol):
    @property
    def queued(self) -> int: ...
    @property
    def written(self) -> int: ...
    @property
    def writes(self) -> int: ...
    def send(self, buf: Any) -> int: ...
    def flush(self) -> int: ...
    def discard(self) -> int: ...


class DispatchAPI(Protocol):
    def call(self, op: str, args: Any, ws_key: str) -> Any: ...
    def send_prepared(self, ws_key: str, template: Any, price: Any, size: Any,
                      client_oid: Any, callback: Any) -> int: ...
    def request_with_callback(self, ws_key: str, op: str, args: Any, callback: Any) -> int: ...
"""

CONFORMS = PROTOCOLS + """
from kucoin_fast._core import connection, connection_c, encode, encode_py, parse, parse_py
from kucoin_fast._core import request, request_py, writer, writer_py


def connections(a: connection.Connection, b: connection_c.Connection
                ) -> tuple[ConnectionAPI, ConnectionAPI]:
    return a, b


def scanners(a: parse.ReplyScan, b: parse_py.ReplyScan) -> tuple[ScannerAPI, ScannerAPI]:
    return a, b


def buffers(a: encode.FrameBuffer, b: encode_py.FrameBuffer
            ) -> tuple[FrameBufferAPI, FrameBufferAPI]:
    return a, b


def writers(a: writer.Writer, b: writer_py.Writer) -> tuple[WriterAPI, WriterAPI]:
    return a, b


def dispatches(a: request.Dispatch, b: request_py.Dispatch) -> tuple[DispatchAPI, DispatchAPI]:
    return a, b


def dispatch_made_alike(live: dict[str, Any], admit: Any) -> None:
    request.Dispatch(live, None, admit, direct=False)
    request_py.Dispatch(live, None, admit, direct=False)
"""

# A writer without ``discard`` (a build that drifted): the check must report it.
DRIFTED = PROTOCOLS + """
class DriftedWriter:
    queued = 0
    written = 0
    writes = 0

    def send(self, buf: Any) -> int:
        return 0

    def flush(self) -> int:
        return 0


def writers(a: DriftedWriter) -> WriterAPI:
    return a
"""


def test_both_builds_conform(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, CONFORMS)
    assert status == 0, out


def test_a_drifted_build_is_an_error(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, DRIFTED)
    assert status == 1, out
    assert "discard" in out

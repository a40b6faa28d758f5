"""The pin on picows' private server protocol.

The emulator builds ``picows.picows.WSProtocol`` itself (``_server._pinned_protocol``)
so that refuse_mode "tcp" can close a connection before any HTTP byte: picows' public
``ws_create_server`` has no hook that early. These tests build it exactly as the
emulator does and fail with a message that says what to do when a picows release
changes it; the emulator itself then falls back to the public server, with a warning.
"""
from __future__ import annotations

import asyncio
import importlib.metadata
import logging
from typing import Any

import pytest
from emu_helpers import order, request, run, session, with_emu

from kucoin_fast.emulator import Emulator, _server

PICOWS = importlib.metadata.version("picows")
WHAT_TO_DO = ("update kucoin_fast/emulator/_server.py:_pinned_protocol from picows' own "
              "ws_create_server (picows/api.py), or serve with the public API only")


def _picows_logger() -> Any:
    return _server._PicowsLog(logging.getLogger("picows.server"), {})


def test_picows_is_within_the_pinned_range() -> None:
    major, minor = (int(x) for x in PICOWS.split(".")[:2])
    assert (2, 3) <= (major, minor) < (3, 0), f"picows {PICOWS} is outside >=2.3,<3"


def test_private_protocol_builds_exactly_as_the_emulator_builds_it() -> None:
    async def body() -> None:
        if _server.WSProtocol is None:
            pytest.fail(f"picows {PICOWS} no longer has picows.picows.WSProtocol: {WHAT_TO_DO}")
        try:
            proto = _server._pinned_protocol(lambda request: None, _picows_logger(), 4096)
        except TypeError as exc:
            pytest.fail(f"picows {PICOWS} changed WSProtocol's parameters ({exc}): {WHAT_TO_DO}")
        assert isinstance(proto, asyncio.BufferedProtocol)
        assert proto.transport is None and proto.listener is None
        assert _server._private_protocol_fits(lambda request: None, _picows_logger())
    run(body())


def test_tcp_refusal_sends_no_http_byte() -> None:
    """Only the private protocol can do this: the public server answers the upgrade."""
    async def body(ex: Emulator) -> None:
        ex.faults.refuse_connections = 1
        ex.faults.refuse_mode = "tcp"
        reader, writer = await asyncio.open_connection("127.0.0.1", ex.port)
        writer.write(b"GET /v1/private HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        assert await asyncio.wait_for(reader.read(), 2) == b""
        writer.close()
        assert ex.counters.connections_refused == 1
    with_emu(body)


class _ChangedProtocol:
    """A WSProtocol whose first parameter was renamed."""

    def __init__(self, hostport: object = None, **kwargs: object) -> None:
        if "host_port" in kwargs:
            raise TypeError("__init__() got an unexpected keyword argument 'host_port'")


def test_changed_signature_falls_back_to_the_public_server(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(_server, "WSProtocol", _ChangedProtocol)

    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            assert (await request(ws, "futures.order", order()))["code"] == "200000"
    with caplog.at_level(logging.WARNING, logger="kucoin_fast.emulator"):
        with_emu(body)
    assert any("public ws_create_server" in r.getMessage() for r in caplog.records)

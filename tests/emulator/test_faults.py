"""Every fault switch, set at runtime through ``ex.faults``."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import websockets
from emu_helpers import (
    closed,
    handshake,
    order,
    recv_json,
    request,
    resting,
    session,
    signed_url,
    with_emu,
)
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus

from kucoin_fast.emulator import MALFORMED_KINDS, Emulator, Faults


async def send_orders(ws: Any, n: int, prefix: str = "o", rest: bool = False) -> list[str]:
    ids = []
    for i in range(n):
        rid = f"{prefix}{i}"
        ids.append(rid)
        await ws.send(json.dumps({"id": rid, "op": "futures.order",
                                  "args": resting() if rest else order()}))
    return ids


async def no_message(ws: Any, timeout: float = 0.3) -> bool:
    try:
        await asyncio.wait_for(ws.recv(), timeout)
    except asyncio.TimeoutError:
        return True
    return False


def test_faults_validate_and_reset() -> None:
    f = Faults()
    assert f.reply_path_plain
    with pytest.raises(ValueError):
        f.drop_fraction = 2
    with pytest.raises(ValueError):
        f.malformed = "nonsense"
    with pytest.raises(ValueError):
        f.close_mode = "boom"
    f.latency_ms = 5
    assert not f.reply_path_plain
    f.reset()
    assert f.reply_path_plain and f.latency_ms == 0


def test_latency_and_jitter() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.latency_ms = 150
            t0 = time.monotonic()
            assert (await request(ws, "futures.order", order()))["code"] == "200000"
            assert time.monotonic() - t0 >= 0.14
            ex.faults.latency_ms = 0
            ex.faults.jitter_ms = 100
            ids = await send_orders(ws, 10)
            got = [(await recv_json(ws))["id"] for _ in ids]
            assert sorted(got) == sorted(ids)
            ex.faults.jitter_ms = 0
            assert ex.faults.reply_path_plain
            assert (await request(ws, "ping", None))["op"] == "pong"
    with_emu(body)


def test_drop_replies_still_executes() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.drop_fraction = 1.0
            await send_orders(ws, 3, rest=True)
            assert await no_message(ws)
            assert len(ex.open_orders()) == 3
            assert ex.counters.replies_dropped == 3
            ex.faults.drop_fraction = 0.0
            assert (await request(ws, "ping", None))["op"] == "pong"
    with_emu(body)


def test_drop_fraction_is_deterministic_with_seed() -> None:
    def pattern() -> list[str]:
        async def body(ex: Emulator) -> list[str]:
            async with session(ex) as ws:
                ex.faults.drop_fraction = 0.5
                await send_orders(ws, 40)
                await ws.send('{"id":"end","op":"ping"}')
                got = []
                while True:
                    r = await recv_json(ws)
                    if r["id"] == "end":
                        return got
                    got.append(r["id"])
        return with_emu(body, faults=Faults(seed=42))
    a, b = pattern(), pattern()
    assert a == b and 5 < len(a) < 35


def test_duplicate_replies() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.duplicate_fraction = 1.0
            await send_orders(ws, 2)
            raw = [await asyncio.wait_for(ws.recv(), 2) for _ in range(4)]
            assert raw[0] == raw[1] and raw[2] == raw[3] and raw[0] != raw[2]
            assert ex.counters.replies_duplicated == 2
    with_emu(body)


def test_reorder_reverse_and_partial_window() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.reorder_window = 4
            ex.faults.reorder_flush_ms = 300  # generous: the 4 requests must meet in time
            ids = await send_orders(ws, 6)
            got = [(await recv_json(ws))["id"] for _ in ids]
            # First window reversed; the partial window of 2 is released by the timer, reversed.
            assert got == ids[3::-1] + ids[:3:-1]
    with_emu(body)


def test_reorder_random_is_a_permutation() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.reorder_window = 8
            ex.faults.reorder_flush_ms = 300
            ex.faults.reorder_mode = "random"
            ids = await send_orders(ws, 8)
            got = [(await recv_json(ws))["id"] for _ in ids]
            assert sorted(got) == sorted(ids) and got != ids
    with_emu(body, faults=Faults(seed=7))


@pytest.mark.parametrize("mode,code", [("close", 1001), ("fin", 1006), ("rst", 1006)])
def test_close_after_n_requests_unanswered(mode: str, code: int) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            assert (await request(ws, "ping", None))["op"] == "pong"
            ex.faults.close_after = 3
            ex.faults.close_mode = mode
            await send_orders(ws, 3, rest=True)
            with pytest.raises(ConnectionClosed):
                while True:
                    msg = await asyncio.wait_for(ws.recv(), 2)
                    pytest.fail(f"unexpected reply {msg!r}")
            assert ws.close_code == code
        # Executed although unanswered: a resend of the clientOid would be 300018.
        assert len(ex.open_orders()) == 3
        assert ex.counters.fault_closes == 1
    with_emu(body)


def test_close_after_with_answers() -> None:
    async def body(ex: Emulator) -> None:
        ex.faults.close_after = 2
        ex.faults.close_answer = True
        async with session(ex) as ws:
            ids = await send_orders(ws, 2)
            assert [(await recv_json(ws))["id"] for _ in ids] == ids
            await closed(ws)
            assert ws.close_code == 1001
    with_emu(body)


def test_stall_before_challenge() -> None:
    async def body(ex: Emulator) -> None:
        ex.faults.stall_before_challenge = True
        async with websockets.connect(signed_url(ex.url)) as ws:
            assert await no_message(ws)  # not even the 400012 of the short handshake timeout
        ex.faults.stall_before_challenge = False
        ex.config.handshake_timeout_s = 10.0
        async with websockets.connect(signed_url(ex.url)) as ws:
            await handshake(ws)
    with_emu(body, handshake_timeout_s=0.1)


def test_stall_before_welcome() -> None:
    async def body(ex: Emulator) -> None:
        ex.faults.stall_before_welcome = True
        async with websockets.connect(signed_url(ex.url)) as ws:
            challenge = await asyncio.wait_for(ws.recv(), 2)
            from emu_helpers import SECRET, hsign
            assert isinstance(challenge, str)
            await ws.send(hsign(challenge, SECRET))
            assert await no_message(ws)
            assert ex.counters.sessions_authenticated == 0
    with_emu(body)


def _check_malformed(kind: str, first: Any, real: dict[str, Any], limit: int) -> None:
    if kind == "non_json" or kind == "truncated_json":
        assert isinstance(first, str)
        with pytest.raises(ValueError):
            json.loads(first)
        return
    if kind == "binary":
        assert isinstance(first, bytes) and json.loads(first) == real
        return
    if kind == "fragmented":  # websockets reassembles: the same JSON text
        assert isinstance(first, str) and json.loads(first) == real
        return
    assert isinstance(first, str)
    obj = json.loads(first)
    if kind == "wrong_types":
        assert obj["code"] == 200000 and isinstance(obj["inTime"], str)
    elif kind == "unknown_id":
        assert obj["id"].startswith("unknown-") and obj["id"] != real["id"]
    elif kind == "missing_id":
        assert "id" not in obj and obj["op"] == "futures.order"
    elif kind == "numeric_id":
        assert isinstance(obj["id"], int)
    elif kind == "oversized":
        assert len(first) >= limit


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_malformed_inject(kind: str) -> None:
    limit = 100_000

    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.malformed = kind
            ex.faults.oversized_bytes = limit
            await ws.send(json.dumps({"id": "m1", "op": "futures.order", "args": order()}))
            first = await asyncio.wait_for(ws.recv(), 2)
            real = await recv_json(ws)
            assert real["id"] == "m1" and real["code"] == "200000"
            _check_malformed(kind, first, real, limit)
            assert ex.counters.malformed_sent == 1
    with_emu(body)


@pytest.mark.parametrize("kind", ["unknown_id", "missing_id", "binary"])
def test_malformed_replace(kind: str) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.malformed = kind
            ex.faults.malformed_mode = "replace"
            await ws.send(json.dumps({"id": "m1", "op": "futures.order", "args": order()}))
            first = await asyncio.wait_for(ws.recv(), 2)
            assert await no_message(ws, 0.2)
            if kind == "binary":
                assert isinstance(first, bytes)
            else:
                assert json.loads(first).get("id") != "m1"
    with_emu(body)


def test_malformed_fraction_seeded() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.malformed = "unknown_id"
            ex.faults.malformed_fraction = 0.5
            await send_orders(ws, 20)
            await ws.send('{"id":"end","op":"ping"}')
            n = 0
            while (await recv_json(ws))["id"] != "end":
                n += 1
            assert 20 < n < 40 and n - 20 == ex.counters.malformed_sent
    with_emu(body, faults=Faults(seed=3))


def test_rate_limit_fraction() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.rate_limit_fraction = 1.0
            r = await request(ws, "futures.order", resting())
            assert r["code"] == "429000" and r["userRateLimit"]["remaining"] == 0
            assert r["userRateLimit"]["reset"] > 0
            assert ex.open_orders() == []
            assert (await request(ws, "ping", None))["op"] == "pong"
    with_emu(body)


@pytest.mark.parametrize("close", [False, True])
def test_shutdown_notice(close: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            assert await ex.send_shutdown_notice(close=close) == 1
            r = await recv_json(ws)
            assert list(r) == ["code", "msg", "inTime", "outTime"]
            assert r["code"] == "501000"
            assert r["msg"] == "The service has stopped running. Please disconnect: exiting"
            if close:
                await closed(ws)
                assert ws.close_code == 1001
            else:
                assert (await request(ws, "ping", None))["op"] == "pong"
    with_emu(body)


def test_refuse_connections_http() -> None:
    async def body(ex: Emulator) -> None:
        ex.faults.refuse_connections = 2
        for _ in range(2):
            with pytest.raises(InvalidStatus) as info:
                async with websockets.connect(signed_url(ex.url)):
                    pass
            assert info.value.response.status_code == 503
        async with websockets.connect(signed_url(ex.url)) as ws:
            await handshake(ws)
        assert ex.counters.connections_refused == 2
    with_emu(body)


def test_refuse_connections_tcp() -> None:
    async def body(ex: Emulator) -> None:
        ex.faults.refuse_connections = 1
        ex.faults.refuse_mode = "tcp"
        with pytest.raises((InvalidMessage, ConnectionError, EOFError)):
            async with websockets.connect(signed_url(ex.url), open_timeout=2):
                pass
        async with websockets.connect(signed_url(ex.url)) as ws:
            await handshake(ws)
        assert ex.counters.connections_refused == 1
    with_emu(body)


def test_expire_sessions() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            assert ex.expire_sessions() == 1
            await closed(ws)
            assert ws.close_code == 1001 and ws.close_reason == "session expired"
        ex.faults.session_max_age_s = 0.2
        async with session(ex) as ws:
            t0 = time.monotonic()
            await closed(ws)
            assert ws.close_code == 1001 and time.monotonic() - t0 >= 0.15
    with_emu(body)


def test_public_ws_create_server_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without picows' internal protocol class the emulator runs on ws_create_server;
    "tcp" refusal then drops the connection right after the upgrade."""
    from kucoin_fast.emulator import _server
    monkeypatch.setattr(_server, "WSProtocol", None)

    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            assert (await request(ws, "futures.order", order()))["code"] == "200000"
            await ws.ping()
        ex.faults.refuse_connections = 1
        ex.faults.refuse_mode = "tcp"
        with pytest.raises((InvalidMessage, ConnectionError, EOFError, ConnectionClosed,
                            asyncio.TimeoutError)):
            async with websockets.connect(signed_url(ex.url), open_timeout=2) as ws:
                await asyncio.wait_for(ws.recv(), 2)
        async with session(ex) as ws:
            assert (await request(ws, "ping", None))["op"] == "pong"
    with_emu(body)


@pytest.mark.parametrize("spaced", [False, True])
def test_reversed_challenge(spaced: bool) -> None:
    async def body(ex: Emulator) -> None:
        ex.faults.reversed_challenge = True
        ex.faults.spaced_challenge = spaced
        async with websockets.connect(signed_url(ex.url)) as ws:
            challenge = await asyncio.wait_for(ws.recv(), 2)
            assert isinstance(challenge, str)
            assert list(json.loads(challenge)) == ["timestamp", "sessionId"]
            assert (", " in challenge) is spaced
            from emu_helpers import SECRET, hsign
            await ws.send(hsign(challenge, SECRET))
            assert (await recv_json(ws))["data"] == "welcome"
    with_emu(body)


def test_blackhole_half_open_peer() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.blackhole = True
            await send_orders(ws, 2, rest=True)
            await ws.send('{"id":"p","op":"ping"}')
            pong_waiter = await ws.ping()
            assert await no_message(ws, 0.6)  # longer than the idle timeout, yet open
            assert not pong_waiter.done()
            assert ws.close_code is None and ex.open_orders() == []
            ex.faults.blackhole = False
            assert (await request(ws, "ping", None, rid="after"))["id"] == "after"
    with_emu(body, ping_interval_ms=200, ping_timeout_ms=200)


def test_assigning_new_faults_object_reaches_open_sessions() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults = Faults(drop_fraction=1.0)
            await send_orders(ws, 1)
            assert await no_message(ws, 0.2)
            ex.faults = Faults()
            assert ex.faults.reply_path_plain
            assert (await request(ws, "ping", None))["op"] == "pong"
    with_emu(body)

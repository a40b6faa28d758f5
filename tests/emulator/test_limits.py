"""Rate limits, error threshold, keepalive and idle close (protocol §4, §8)."""
from __future__ import annotations

import asyncio
import json
import time

import pytest
from emu_helpers import closed, order, recv_json, request, resting, session, with_emu

from kucoin_fast.emulator import Emulator


def test_rate_limit_429000(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for _ in range(5):  # weight 2 each: 10
                assert (await request(ws, "futures.order", order()))["code"] == "200000"
            r = await request(ws, "futures.order", order(), rid="rl")
            assert list(r) == ["id", "op", "code", "msg", "inTime", "outTime", "userRateLimit"]
            assert r["id"] == "rl" and r["code"] == "429000"
            assert r["msg"] == "Too many requests in a short period. Please retry later.(UID LIMIT)"
            rl = r["userRateLimit"]
            assert list(rl) == ["remaining", "limit", "reset"]
            assert rl["remaining"] == 0 and rl["limit"] == 10 and 0 < rl["reset"] <= 1000
            assert ex.counters.rate_limited == 1
            # Window end: the pool refills.
            await asyncio.sleep(rl["reset"] / 1000 + 0.05)
            assert (await request(ws, "futures.order", order()))["code"] == "200000"
    with_emu(body, rate_limit=10, rate_limit_window_ms=1000, fast_path=fast_path)


def test_rate_limit_weights_and_shared_pool() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "futures.multi_order", [order()])  # weight 20 > 19
            assert r["code"] == "429000"
            oid = (await request(ws, "futures.order", resting()))["data"]["orderId"]  # 2
            r = await request(ws, "futures.cancel", {"orderId": oid})  # 1
            assert r["userRateLimit"]["remaining"] == 19 - 3
            # A second connection of the same account draws from the same pool.
            async with session(ex) as ws2:
                r = await request(ws2, "futures.cancel", {"orderId": "1"})
                assert r["code"] == "100004" and r["userRateLimit"]["remaining"] == 15
    with_emu(body, rate_limit=19)


def test_rate_limit_on_orders_switch() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "futures.order", order())
            assert "userRateLimit" not in r
            ex.config.rate_limit_on_orders = True
            r = await request(ws, "futures.order", order())
            assert list(r)[-1] == "userRateLimit" and r["userRateLimit"]["remaining"] == 1996
    with_emu(body)


def test_rate_limit_disabled() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for i in range(30):
                await ws.send(json.dumps({"id": str(i), "op": "futures.multi_order",
                                          "args": [order()]}))
            codes = [(await recv_json(ws))["code"] for _ in range(30)]
            assert codes == ["200000"] * 30
            r = await request(ws, "futures.cancel", {"orderId": "1"})
            assert r["code"] == "100004" and "userRateLimit" not in r
    with_emu(body, rate_limit=None)


def test_connection_cap_429002() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for i in range(4):
                await ws.send(json.dumps({"id": str(i), "op": "futures.order", "args": order()}))
            codes = [(await recv_json(ws))["code"] for _ in range(4)]
            assert codes == ["200000"] * 3 + ["429002"]
            assert (await request(ws, "ping", None))["op"] == "pong"  # pings exempt
    with_emu(body, connection_rate_limit=3, connection_rate_window_ms=10_000)


def test_too_many_errors_420001() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for _ in range(3):
                await ws.send("not json")
            for _ in range(3):
                assert (await recv_json(ws))["code"] == "400101"
            r = await recv_json(ws)
            assert list(r) == ["code", "msg", "inTime", "outTime"] and r["code"] == "420001"
            await closed(ws)
    with_emu(body, max_errors=3)


def test_idle_session_closed() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            t0 = time.monotonic()
            await closed(ws, timeout=3)
            assert ws.close_code == 1001
            assert time.monotonic() - t0 >= 0.2
        assert ex.counters.idle_closes == 1
    with_emu(body, ping_interval_ms=150, ping_timeout_ms=100)


@pytest.mark.parametrize("how", ["json_ping", "protocol_ping", "requests"])
def test_activity_keeps_session_alive(how: str) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for i in range(8):  # 8 x 100 ms > 600 ms idle timeout, with a wide margin per gap
                await asyncio.sleep(0.1)
                if how == "json_ping":
                    assert (await request(ws, "ping", None, rid=f"p{i}"))["op"] == "pong"
                elif how == "protocol_ping":
                    await asyncio.wait_for(await ws.ping(), 1)
                else:
                    assert (await request(ws, "futures.order", order()))["code"] == "200000"
            assert ws.close_code is None
        assert ex.counters.idle_closes == 0
    with_emu(body, ping_interval_ms=300, ping_timeout_ms=300, rate_limit=None)

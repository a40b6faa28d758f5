"""The emulator's REST and push services, driven by third-party clients (aiohttp's
HTTP client, ``websockets``) that sign requests independently of the package."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
import websockets
from emu_helpers import order, recv_json, request, rest_headers, resting, session, with_emu

from kucoin_fast.emulator import Emulator


async def call(ex: Emulator, method: str, endpoint: str, **kw: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.request(
            method, ex.rest_url + endpoint, headers=rest_headers(method, endpoint, **kw)) as r:
        return r.status, await r.json(content_type=None)


def test_rest_auth_codes() -> None:
    async def main(ex: Emulator) -> None:
        path = "/api/v1/orders/byClientOid?clientOid=x"
        status, body = await call(ex, "GET", path, secret="wrong")
        assert (status, body["code"]) == (401, "400005"), body
        status, body = await call(ex, "GET", path, ts=int(time.time() * 1000) - 60_000)
        assert (status, body["code"]) == (400, "400002"), body
        async with aiohttp.ClientSession() as http, http.get(ex.rest_url + path) as r:
            assert (r.status, (await r.json())["code"]) == (400, "400001")
        status, body = await call(ex, "GET", path)  # signed right: an unknown clientOid
        assert (status, body["code"]) == (200, "100001"), body
    with_emu(main)


def test_rest_lookups_share_the_ws_engine() -> None:
    async def main(ex: Emulator) -> None:
        rest, mkt = resting(), order()
        async with session(ex) as ws:
            placed = await request(ws, "futures.order", rest, "a")
            await request(ws, "futures.order", mkt, "b")
            spot = {"clientOid": "s-1", "symbol": "BTC-USDT", "side": "buy", "type": "limit",
                    "price": "1000", "size": "0.001"}
            spot_reply = await request(ws, "spot.order", spot, "c")
            assert spot_reply["code"] == "200000", spot_reply
        oid = placed["data"]["orderId"]
        _, body = await call(ex, "GET", f"/api/v1/orders/byClientOid?clientOid={rest['clientOid']}")
        assert body["data"]["id"] == oid and body["data"]["isActive"] is True
        _, body = await call(ex, "GET", f"/api/v1/orders/{oid}")
        assert body["data"]["clientOid"] == rest["clientOid"]
        _, body = await call(ex, "GET", f"/api/v1/orders/byClientOid?clientOid={mkt['clientOid']}")
        assert body["data"]["isActive"] is False and body["data"]["filledSize"] == 1, body
        _, body = await call(ex, "GET", "/api/v1/hf/orders/client-order/s-1?symbol=BTC-USDT")
        assert body["data"]["active"] is True and body["data"]["symbol"] == "BTC-USDT", body
        spot_id = spot_reply["data"]["orderId"]
        _, body = await call(ex, "GET", f"/api/v1/hf/orders/{spot_id}?symbol=BTC-USDT")
        assert body["data"]["clientOid"] == "s-1" and body["data"]["tradeType"] == "TRADE"
        _, body = await call(ex, "GET", f"/api/v1/hf/orders/{spot_id}?symbol=ETH-USDT")
        assert body["code"] == "400100", body  # another symbol: not found
        _, body = await call(ex, "GET", f"/api/v1/hf/orders/{spot_id}")
        assert body["code"] == "400100" and "symbol" in body["msg"], body
        _, body = await call(ex, "GET", "/api/v1/hf/orders/client-order/nope?symbol=BTC-USDT")
        assert body["code"] == "400100", body
        _, body = await call(ex, "GET", "/api/v3/hf/margin/orders/client-order/nope?symbol=BTC-USDT")
        assert body["code"] == "130103", body
    with_emu(main)


def test_rest_visibility_delay() -> None:
    async def main(ex: Emulator) -> None:
        rest = resting()
        async with session(ex) as ws:
            await request(ws, "futures.order", rest)
        path = f"/api/v1/orders/byClientOid?clientOid={rest['clientOid']}"
        assert (await call(ex, "GET", path))[1]["code"] == "100001"  # not visible yet
        await asyncio.sleep(0.35)
        assert (await call(ex, "GET", path))[1]["code"] == "200000"
    with_emu(main, rest_visibility_delay_ms=300)


async def push(ex: Emulator, token: str | None = None, connect_id: str = "c1") -> Any:
    if token is None:
        status, body = await call(ex, "POST", "/api/v1/bullet-private")
        assert status == 200 and body["code"] == "200000", body
        server = body["data"]["instanceServers"][0]
        assert server["endpoint"] == ex.push_url and server["pingInterval"] > 0
        token = body["data"]["token"]
    return websockets.connect(f"{ex.push_url}?token={token}&connectId={connect_id}")


def test_push_welcome_subscribe_ping_and_order_changes() -> None:
    async def main(ex: Emulator) -> None:
        async with await push(ex) as pws:
            assert await recv_json(pws) == {"id": "c1", "type": "welcome"}
            await pws.send(json.dumps({"id": "p", "type": "ping"}))
            pong = await recv_json(pws)
            assert pong["type"] == "pong" and pong["id"] == "p"
            await pws.send(json.dumps({"id": "s1", "type": "subscribe", "privateChannel": True,
                                       "topic": "/contractMarket/tradeOrders:XBTUSDTM",
                                       "response": True}))
            assert await recv_json(pws) == {"id": "s1", "type": "ack"}
            await pws.send(json.dumps({"id": "s2", "type": "subscribe", "privateChannel": True,
                                       "topic": "/no/such", "response": True}))
            assert (await recv_json(pws))["code"] == 404
            mkt = order()
            async with session(ex) as ws:
                assert (await request(ws, "futures.order", mkt))["code"] == "200000"
            seen = []
            while not seen or seen[-1]["data"]["type"] != "filled":
                seen.append(await recv_json(pws))
            assert {m["topic"] for m in seen} == {"/contractMarket/tradeOrders:XBTUSDTM"}
            assert all(m["subject"] == "symbolOrderChange" and m["channelType"] == "private"
                       for m in seen)
            kinds = [m["data"]["type"] for m in seen]
            assert "match" in kinds and kinds[-1] == "filled", kinds
            match = next(m["data"] for m in seen if m["data"]["type"] == "match")
            assert match["clientOid"] == mkt["clientOid"] and match["matchSize"]
    with_emu(main)


@pytest.mark.parametrize("case", ["unknown_token", "expired", "closed"])
def test_push_token_checks_and_forced_close(case: str) -> None:
    async def main(ex: Emulator) -> None:
        if case == "unknown_token":
            async with await push(ex, token="nope") as pws:
                frame = await recv_json(pws)
                assert frame == {"id": "c1", "type": "error", "code": 401,
                                 "data": "token is expired"}
                await asyncio.wait_for(pws.wait_closed(), 2)
                assert pws.close_code == 1008
            return
        async with await push(ex) as pws:
            await recv_json(pws)  # welcome
            if case == "expired":
                assert ex.expire_push_tokens() == 1
                assert (await recv_json(pws))["code"] == 401
            else:
                assert ex.close_push_sessions() == 1
            await asyncio.wait_for(pws.wait_closed(), 2)
            assert pws.close_code == (1008 if case == "expired" else 1001)
    with_emu(main)



def test_push_spot_topic() -> None:
    """Spot V2 events of sync ops (whose pushes are written before their reply, spot
    doc §4.6): received, open, then canceled/done."""
    async def main(ex: Emulator) -> None:
        async with await push(ex) as pws:
            await recv_json(pws)  # welcome
            await pws.send(json.dumps({"id": "s", "type": "subscribe", "privateChannel": True,
                                       "topic": "/spotMarket/tradeOrdersV2", "response": True}))
            assert (await recv_json(pws))["type"] == "ack"
            spot = {"clientOid": "sp-1", "symbol": "BTC-USDT", "side": "buy", "type": "limit",
                    "price": "1000", "size": "0.001"}
            async with session(ex) as ws:
                assert (await request(ws, "spot.sync_order", spot))["code"] == "200000"
                first = [await recv_json(pws) for _ in range(2)]
                cancel = {"symbol": "BTC-USDT", "clientOid": "sp-1"}
                assert (await request(ws, "spot.sync_cancel", cancel, "c"))["code"] == "200000"
                last = await recv_json(pws)
            assert [m["data"]["type"] for m in first] == ["received", "open"]
            assert all(m["topic"] == "/spotMarket/tradeOrdersV2" and
                       m["data"]["clientOid"] == "sp-1" for m in first)
            assert (last["data"]["type"], last["data"]["status"]) == ("canceled", "done")
            assert isinstance(last["data"]["orderTime"], int) and last["data"]["ts"] > 0
    with_emu(main)


def test_sync_ops_push_before_replying(monkeypatch: pytest.MonkeyPatch) -> None:
    """The order of writes inside the emulator: a sync op's pushes, then its reply; an
    async op's reply, then its pushes (push_order="response_first")."""
    from kucoin_fast.emulator import _push, _venue

    writes: list[str] = []
    flush, join = _push.PushSession.flush, _venue.Venue.join

    def spy_flush(self: Any) -> None:
        if self.out:
            writes.append("push")
        flush(self)

    def spy_join(self: Any, ws_session: Any) -> None:
        # Every write of the WS API session: a reply names its request id.
        write = ws_session.write

        def spy_write(data: bytes) -> None:
            for rid in ("sync", "async"):
                if f'"id":"{rid}"'.encode() in data:
                    writes.append(f"reply:{rid}")
            write(data)
        ws_session.write = spy_write
        join(self, ws_session)

    monkeypatch.setattr(_push.PushSession, "flush", spy_flush)
    monkeypatch.setattr(_venue.Venue, "join", spy_join)

    async def main(ex: Emulator) -> None:
        async with await push(ex) as pws:
            await recv_json(pws)
            await pws.send(json.dumps({"id": "s", "type": "subscribe", "privateChannel": True,
                                       "topic": "/spotMarket/tradeOrdersV2"}))
            await asyncio.sleep(0.1)
            async with session(ex) as ws:
                for rid, op in (("sync", "spot.sync_order"), ("async", "spot.order")):
                    writes.append("-")
                    spot = {"clientOid": f"o-{rid}", "symbol": "BTC-USDT", "side": "buy",
                            "type": "limit", "price": "1000", "size": "0.001"}
                    assert (await request(ws, op, spot, rid))["code"] == "200000"
                    await recv_json(pws)
                    await recv_json(pws)
        assert writes == ["-", "push", "reply:sync", "-", "reply:async", "push"], writes
    with_emu(main)


def test_rest_lookups_draw_on_the_account_pool() -> None:
    """A futures lookup weighs 5 in the same per-account pool as the WS API: the rate
    headers count down, then HTTP 429 ``429000``."""
    async def main(ex: Emulator) -> None:
        path = "/api/v1/orders/byClientOid?clientOid=x"
        async with aiohttp.ClientSession() as http:
            seen = []
            for _ in range(3):
                async with http.get(ex.rest_url + path, headers=rest_headers("GET", path)) as r:
                    seen.append((r.status, r.headers.get("gw-ratelimit-remaining"),
                                 (await r.json())["code"]))
        assert seen[0] == (200, "7", "100001") and seen[1] == (200, "2", "100001"), seen
        assert seen[2][0] == 429 and seen[2][2] == "429000", seen
    with_emu(main, rate_limit=12)

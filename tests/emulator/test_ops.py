"""The four futures ops, ping, request-level errors, the order engine (protocol §4-§7)."""
from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
from emu_helpers import order, recv_json, request, resting, session, with_emu

from kucoin_fast._protocol import codes as _codes
from kucoin_fast._protocol import specs as _specs
from kucoin_fast.emulator import POST_ONLY_CROSS_CODE, Emulator

# Real production frames (fixtures/kucoin-real-frames.json, roq-trading, Jan 2026).
REAL_ORDER_OK = json.loads(
    '{"id":"IAACgxI9hU0AAQAAAAAA","op":"futures.order","code":"200000","data":{"orderId":'
    '"403371203999346688","clientOid":"IAACgxI9hU0AAQAAAAAA"},"inTime":1768984391308,'
    '"outTime":1768984391377}')
REAL_CANCEL_COID_OK = json.loads(
    '{"id":"1AACM_ObhU0AAgAAAAAA","op":"futures.cancel","code":"200000","data":{"clientOid":'
    '"1wACM_ObhU0AAQAAAAAA"},"inTime":1768985019587,"outTime":1768985019589,"userRateLimit":'
    '{"remaining":1998,"limit":2000,"reset":6080}}')
REAL_ORDER_ERR = json.loads(
    '{"id":"_QACfSLXfE0AAQAAAAAA","op":"futures.order","code":"330008","msg":"Order quantity is'
    ' too high, insufficient available margin.","inTime":1768970303228,"outTime":1768970303239}')
REAL_CANCEL_ERR = json.loads(
    '{"id":"FQACOz1kfU0AAgAAAAAA","op":"futures.cancel","code":"100004","msg":"The order cannot'
    ' be canceled.","inTime":1768971229148,"outTime":1768971229150,"userRateLimit":{"remaining"'
    ':1998,"limit":2000,"reset":24617}}')


def shape(obj: Any) -> Any:
    """Key order and value types, recursively (what must match the real frames)."""
    if isinstance(obj, dict):
        return [(k, shape(v)) for k, v in obj.items()]
    if isinstance(obj, list):
        return [shape(v) for v in obj]
    return type(obj).__name__


def check_times(r: dict[str, Any]) -> None:
    assert isinstance(r["inTime"], int) and r["inTime"] <= r["outTime"]


# ---------------------------------------------------------------- success shapes
def test_order_success_matches_real_frame(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            o = order(clientOid="IAACgxI9hU0AAQAAAAAA")
            r = await request(ws, "futures.order", o, rid="IAACgxI9hU0AAQAAAAAA")
            assert shape(r) == shape(REAL_ORDER_OK)
            assert r["id"] == "IAACgxI9hU0AAQAAAAAA" and r["op"] == "futures.order"
            assert r["data"]["clientOid"] == o["clientOid"]
            assert r["data"]["orderId"].isdigit() and 17 <= len(r["data"]["orderId"]) <= 19
            check_times(r)
    with_emu(body, fast_path=fast_path)


def test_order_ids_unique_and_numeric(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for i in range(50):
                await ws.send(json.dumps({"id": f"r{i}", "op": "futures.order",
                                          "args": order() if i % 2 else resting()}))
            ids = [(await recv_json(ws))["data"]["orderId"] for _ in range(50)]
            assert len(set(ids)) == 50 and all(i.isdigit() for i in ids)
    with_emu(body, fast_path=fast_path)


def test_fast_and_python_paths_agree_byte_for_byte() -> None:
    """Same request stream, both paths: replies equal except ids/times."""
    frames = [
        {"id": "a", "op": "futures.order", "args": {"clientOid": "x1", "side": "buy",
                                                     "symbol": "XBTUSDTM", "type": "market",
                                                     "size": 1}},
        {"id": "b", "op": "futures.order", "args": {"clientOid": "x2", "side": "sell",
                                                     "symbol": "XBTUSDTM", "price": "100",
                                                     "size": "2"}},
        {"id": "c", "op": "futures.order", "args": {"clientOid": "x3", "side": "buy",
                                                     "symbol": "XBTUSDTM", "price": "1000.05",
                                                     "size": 1}},
        {"id": "d\u00e9", "op": "futures.order", "args": {"clientOid": "x4", "side": "buy",
                                                          "symbol": "ETHUSDTM", "type": "market",
                                                          "qty": "0.01"}},
        {"id": "m1", "op": "futures.multi_order", "args": [
            {"clientOid": f"m1-{k}", "side": "buy" if k % 2 else "sell", "symbol": "XBTUSDTM",
             "type": "market", "size": 1, "leverage": 10} for k in range(20)]},
        {"op": "futures.multi_order", "id": "m2", "args": [
            {"clientOid": "m2-a", "side": "buy", "symbol": "ETHUSDTM", "price": "9999",
             "size": 1},
            {"clientOid": "m2-b", "side": "buy", "symbol": "XBTUSDTM", "price": "1000",
             "size": 1}]},
        {"id": "m3", "op": "futures.multi_order", "args": [
            {"clientOid": "x3", "side": "buy", "symbol": "XBTUSDTM", "type": "market",
             "size": 1},
            {"clientOid": "m2-b", "side": "buy", "symbol": "XBTUSDTM", "type": "market",
             "size": 1}]},
        {"id": "m4", "op": "futures.multi_order", "args": [
            {"clientOid": "m4-a", "side": "buy", "symbol": "XBTUSDTM", "type": "market",
             "size": 1}, {"clientOid": "m4-b", "side": "up", "symbol": "XBTUSDTM"}]},
        {"id": "m5", "op": "futures.multi_order", "args": [
            {"clientOid": f"m5-{k}", "side": "buy", "symbol": "XBTUSDTM", "type": "market",
             "size": 1} for k in range(21)]},
    ]

    def norm(raw: str) -> str:
        d = json.loads(raw)
        for k in ("inTime", "outTime"):
            d.pop(k, None)
        if isinstance(d.get("data"), dict):
            d["data"].pop("orderId", None)
        if isinstance(d.get("data"), list):
            for item in d["data"]:
                assert item["orderId"] is None or item["orderId"].isdigit()
                item["orderId"] = item["orderId"] is not None
        return json.dumps(d)

    out: dict[bool, list[str]] = {}
    fast_hits: dict[bool, int] = {}
    for fp in (True, False):
        async def body(ex: Emulator, fp: bool = fp) -> list[str]:
            async with session(ex) as ws:
                res = []
                for f in frames:
                    for seps in ((",", ":"), (", ", ": ")):
                        await ws.send(json.dumps(f, separators=seps))
                        raw = await ws.recv()
                        assert isinstance(raw, str)
                        res.append(norm(raw))
                fast_hits[fp] = ex.counters.fast_path_requests
                return res
        out[fp] = with_emu(body, fast_path=fp)
    assert out[True] == out[False]
    assert '"code": "300018"' in "".join(out[True])  # m3's second item: m2-b rests
    assert fast_hits[False] == 0
    from kucoin_fast.emulator import _build
    if _build.FAST is not None:
        # x1, x2 (sell crossing), d (id escaped: no), m1: each in two spacings
        assert fast_hits[True] == 6


def test_cancel_by_order_id_shape() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            oid = (await request(ws, "futures.order", resting()))["data"]["orderId"]
            assert [o.order_id for o in ex.open_orders()] == [oid]
            r = await request(ws, "futures.cancel", {"orderId": oid}, rid="c1")
            assert list(r) == ["id", "op", "code", "data", "inTime", "outTime", "userRateLimit"]
            assert r["data"] == {"cancelledOrderIds": [oid]}
            assert shape(r["userRateLimit"]) == shape(REAL_CANCEL_COID_OK["userRateLimit"])
            check_times(r)
            assert ex.open_orders() == []
    with_emu(body)


def test_cancel_by_client_oid_matches_real_frame() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            o = resting(clientOid="1wACM_ObhU0AAQAAAAAA")
            await request(ws, "futures.order", o)
            r = await request(ws, "futures.cancel",
                              {"clientOid": o["clientOid"], "symbol": "XBTUSDTM"})
            assert shape(r) == shape(REAL_CANCEL_COID_OK)
            assert r["data"] == {"clientOid": o["clientOid"]}
            rl = r["userRateLimit"]
            assert rl["limit"] == 2000 and rl["remaining"] == 2000 - 2 - 1
            assert 0 < rl["reset"] <= 30000
    with_emu(body)


@pytest.mark.parametrize("state", ["unknown", "filled", "cancelled", "other_symbol"])
def test_cancel_not_cancellable(state: str) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            if state == "unknown":
                args: dict[str, Any] = {"orderId": "400000000000000001"}
            elif state == "filled":
                oid = (await request(ws, "futures.order", order()))["data"]["orderId"]
                args = {"orderId": oid}
            elif state == "cancelled":
                oid = (await request(ws, "futures.order", resting()))["data"]["orderId"]
                assert (await request(ws, "futures.cancel", {"orderId": oid}))["code"] \
                    == "200000"
                args = {"orderId": oid}
            else:
                o = resting()
                await request(ws, "futures.order", o)
                args = {"clientOid": o["clientOid"], "symbol": "ETHUSDTM"}
            r = await request(ws, "futures.cancel", args, rid="FQACOz1kfU0AAgAAAAAA")
            assert shape(r) == shape(REAL_CANCEL_ERR)
            assert r["code"] == "100004" and r["msg"] == "The order cannot be canceled."
    with_emu(body)


def test_cancel_needs_an_id() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "futures.cancel", {"symbol": "XBTUSDTM"})
            assert r["code"] == "400102" and "userRateLimit" in r
            r = await request(ws, "futures.cancel", {"clientOid": "abc"})
            assert r["code"] == "400100" and "symbol" in r["msg"]
    with_emu(body)


def test_multi_order_partial_failure() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            good, rest, bad = order(), resting(), order(side="up")
            unknown = order(symbol="NOPEUSDTM")
            r = await request(ws, "futures.multi_order", [good, rest, bad, unknown])
            assert list(r) == ["id", "op", "code", "data", "inTime", "outTime"]
            assert r["code"] == "200000"
            items = r["data"]
            assert [list(i) for i in items] == [["orderId", "clientOid", "symbol", "code",
                                                 "msg"]] * 4
            assert items[0]["code"] == "200000" and items[0]["msg"] == "success"
            assert items[0]["clientOid"] == good["clientOid"] and items[0]["orderId"]
            assert items[1]["code"] == "200000"
            assert items[2]["orderId"] is None and items[2]["code"] == "400100"
            assert "side" in items[2]["msg"] and items[2]["clientOid"] == bad["clientOid"]
            assert items[3]["code"] == "200003" and items[3]["symbol"] == "NOPEUSDTM"
            assert [o.client_oid for o in ex.open_orders()] == [rest["clientOid"]]
    with_emu(body)


@pytest.mark.parametrize("args,code", [
    ({"not": "an array"}, "400100"),
    ([], "400100"),
    ([order() for _ in range(21)], "400100"),
])
def test_multi_order_envelope_errors(args: Any, code: str) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "futures.multi_order", args)
            assert list(r) == ["id", "op", "code", "msg", "inTime", "outTime"]
            assert r["code"] == code
        assert ex.open_orders() == []
    with_emu(body)


def test_multi_order_twenty_is_fine() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "futures.multi_order", [order() for _ in range(20)])
            assert [i["code"] for i in r["data"]] == ["200000"] * 20
    with_emu(body)


def test_multi_cancel_by_order_ids_and_client_oids() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            a, b = resting(), resting()
            oid_a = (await request(ws, "futures.order", a))["data"]["orderId"]
            await request(ws, "futures.order", b)
            r = await request(ws, "futures.multi_cancel",
                              {"orderIdsList": [oid_a, "1"],
                               "clientOidsList": [{"symbol": "XBTUSDTM",
                                                   "clientOid": b["clientOid"]}]})
            assert r["code"] == "200000" and "userRateLimit" in r
            assert r["data"] == [
                {"orderId": oid_a, "clientOid": None, "code": "200", "msg": "success"},
                {"orderId": "1", "clientOid": None, "code": "100004",
                 "msg": "The order cannot be canceled."}]
            # orderIdsList won: b still rests.
            assert [o.client_oid for o in ex.open_orders()] == [b["clientOid"]]
            r = await request(ws, "futures.multi_cancel",
                              {"clientOidsList": [{"symbol": "XBTUSDTM",
                                                   "clientOid": b["clientOid"]},
                                                  {"symbol": "XBTUSDTM", "clientOid": "zz"}]})
            assert r["data"] == [
                {"orderId": None, "clientOid": b["clientOid"], "code": "200", "msg": "success"},
                {"orderId": None, "clientOid": "zz", "code": "100004",
                 "msg": "The order cannot be canceled."}]
            assert ex.open_orders() == []
            r = await request(ws, "futures.multi_cancel", {"orderIdsList": ["1"] * 11})
            assert r["code"] == "400100"
            r = await request(ws, "futures.multi_cancel", {})
            assert r["code"] == "400102"
    with_emu(body)


# ---------------------------------------------------------------- validation
BAD_ORDERS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no clientOid", {"clientOid": None}, "400100", "clientOid"),
    ("no side", {"side": None}, "400100", "side"),
    ("no symbol", {"symbol": None}, "400100", "symbol"),
    ("bad side", {"side": "long"}, "400100", "side"),
    ("bad type", {"type": "stop"}, "400100", "type"),
    ("two sizes", {"qty": "1"}, "400100", "size"),
    ("no size", {"size": None}, "400100", "size"),
    ("zero size", {"size": 0}, "400100", "size"),
    ("float size", {"size": 1.5}, "400100", "size"),
    ("bool size", {"size": True}, "400100", "size"),
    ("limit without price", {"type": "limit"}, "400100", "price"),
    ("stop without stopPrice", {"stop": "up", "stopPriceType": "TP"}, "400100", "stopPrice"),
    ("stop without type", {"stop": "up", "stopPrice": "1000"}, "400100", "stopPriceType"),
    ("postOnly+hidden", {"type": "limit", "price": "1", "postOnly": True, "hidden": True},
     "400100", "postOnly"),
    ("postOnly+iceberg", {"type": "limit", "price": "1", "postOnly": True, "iceberg": True,
                          "visibleSize": "1"}, "400100", "postOnly"),
    ("postOnly+IOC", {"type": "limit", "price": "1", "postOnly": True, "timeInForce": "IOC"},
     "400100", "postOnly"),
    ("iceberg without visibleSize", {"type": "limit", "price": "1", "iceberg": True},
     "400100", "visibleSize"),
    ("clientOid too long", {"clientOid": "a" * 41}, "400100", "clientOid"),
    ("clientOid charset", {"clientOid": "a b"}, "400100", "clientOid"),
    ("remark too long", {"remark": "r" * 101}, "400100", "remark"),
    ("bad bool", {"reduceOnly": "true"}, "400100", "reduceOnly"),
    ("bad marginMode", {"marginMode": "cross"}, "400100", "marginMode"),
    ("unknown symbol", {"symbol": "NOPEUSDTM"}, "200003", ""),
    ("inverse qty", {"symbol": "XBTUSDM", "size": None, "qty": "1"}, "400100", "qty"),
    ("inverse valueQty", {"symbol": "XBTUSDM", "size": None, "valueQty": "10"}, "400100",
     "valueQty"),
    ("off tick", {"type": "limit", "price": "1000.05"}, "400100", "price"),
    ("price above max", {"type": "limit", "price": "2000000"}, "400100", "price"),
    ("qty not multiple", {"size": None, "qty": "0.0015"}, "400100", "qty"),
    ("size above max", {"size": 1_000_001}, "400100", "size"),
]


@pytest.mark.parametrize("name,override,code,field", BAD_ORDERS, ids=[b[0] for b in BAD_ORDERS])
def test_order_validation(fast_path: bool, name: str, override: dict[str, Any], code: str,
                          field: str) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            o = order(**{k: v for k, v in override.items() if v is not None})
            for k, v in override.items():
                if v is None:
                    o.pop(k, None)
            r = await request(ws, "futures.order", o, rid="bad-1")
            assert shape(r) == shape(REAL_ORDER_ERR), r
            assert r["id"] == "bad-1" and r["code"] == code, r
            if code == "400100":
                assert r["msg"].startswith(f"Parameter Error: {field}"), r
            else:
                assert r["msg"] == _codes.ERRORS[code]
        assert ex.open_orders() == []
        assert ex.counters.orders_rejected == 1
    with_emu(body, fast_path=fast_path)


@pytest.mark.parametrize("override", [
    {"size": "3"}, {"size": None, "qty": "0.002"}, {"size": None, "qty": 0.002},
    {"size": None, "valueQty": "100"}, {"leverage": "5"}, {"unknownKey": [1, 2]},
    {"symbol": "ZRXUSDTM", "size": None, "qty": "20"}, {"symbol": "XBTUSDM", "size": 2},
    {"type": "limit", "price": 1000.1, "side": "sell"}, {"remark": "é" * 100},
    {"closeOrder": True, "side": None, "size": None},
])
def test_order_accepted_variants(fast_path: bool, override: dict[str, Any]) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            o = order(**{k: v for k, v in override.items() if v is not None})
            for k, v in override.items():
                if v is None:
                    o.pop(k, None)
            r = await request(ws, "futures.order", o)
            assert r["code"] == "200000", r
    with_emu(body, fast_path=fast_path)


# ---------------------------------------------------------------- engine
def test_limit_rests_or_fills_against_mark_price(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.set_mark_price("XBTUSDTM", "50000")
            buy_low = resting(price="49999.9")
            buy_cross = resting(price="50000")
            sell_low = resting(side="sell", price="50000")
            sell_high = resting(side="sell", price="50000.1")
            for o in (buy_low, buy_cross, sell_low, sell_high):
                assert (await request(ws, "futures.order", o))["code"] == "200000"
            assert sorted(o.client_oid for o in ex.open_orders()) == \
                sorted([buy_low["clientOid"], sell_high["clientOid"]])
            info = {o.client_oid: o for o in ex.open_orders()}[buy_low["clientOid"]]
            assert info.price == Decimal("49999.9") and info.side == "buy"
            # Mark moves: a buy at 49999.9 now crosses.
            ex.set_mark_price("XBTUSDTM", 49000)
            r = await request(ws, "futures.order", resting(price="49999.9"))
            assert r["code"] == "200000"
            assert len(ex.open_orders()) == 2
    with_emu(body, fast_path=fast_path)


@pytest.mark.parametrize("flag", [{"postOnly": True}, {"timeInForce": "RPI"}])
def test_post_only_cross_rejected(fast_path: bool, flag: dict[str, Any]) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "futures.order", resting(price="200000", **flag))
            assert r["code"] == POST_ONLY_CROSS_CODE and "postOnly" in r["msg"]
            r = await request(ws, "futures.order", resting(price="1000", **flag))
            assert r["code"] == "200000"
            assert len(ex.open_orders()) == 1
    with_emu(body, fast_path=fast_path)


def test_ioc_not_crossing_is_cancelled_not_rested(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            o = resting(timeInForce="IOC")
            r = await request(ws, "futures.order", o)
            assert r["code"] == "200000"
            assert ex.open_orders() == []
            hist = ex.account_state(ACCOUNT_ID).history
            assert hist[-1].client_oid == o["clientOid"] and hist[-1].status == "cancelled"
            r = await request(ws, "futures.cancel", {"orderId": r["data"]["orderId"]})
            assert r["code"] == "100004"
    with_emu(body, fast_path=fast_path)


ACCOUNT_ID = "67b0d1c8e4b0a10001a2b3c4"


def test_stop_order_rests_untriggered() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            o = order(stop="up", stopPrice="120000", stopPriceType="MP")
            assert (await request(ws, "futures.order", o))["code"] == "200000"
            (info,) = ex.open_orders()
            assert info.is_stop and info.client_oid == o["clientOid"]
            r = await request(ws, "futures.cancel",
                              {"clientOid": o["clientOid"], "symbol": "XBTUSDTM"})
            assert r["code"] == "200000"
    with_emu(body)


def test_duplicate_active_client_oid(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            o = resting(clientOid="dup-1")
            assert (await request(ws, "futures.order", o))["code"] == "200000"
            for again in (o, order(clientOid="dup-1"), order(clientOid="dup-1",
                                                             symbol="ETHUSDTM")):
                r = await request(ws, "futures.order", again)
                assert r["code"] == "300018" and r["msg"] == "clientOid parameter repeated"
            # Once it is no longer active, the clientOid may be reused.
            await request(ws, "futures.cancel", {"clientOid": "dup-1", "symbol": "XBTUSDTM"})
            assert (await request(ws, "futures.order", order(clientOid="dup-1")))["code"] \
                == "200000"
            # A filled order's clientOid is not active either.
            assert (await request(ws, "futures.order", order(clientOid="dup-1")))["code"] \
                == "200000"
    with_emu(body, fast_path=fast_path)


def test_open_limit_order_cap() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for i in range(_specs.MAX_OPEN_LIMIT_ORDERS):
                await ws.send(json.dumps({"id": str(i), "op": "futures.order",
                                          "args": resting()}))
            codes = [(await recv_json(ws))["code"] for _ in range(_specs.MAX_OPEN_LIMIT_ORDERS)]
            assert codes == ["200000"] * _specs.MAX_OPEN_LIMIT_ORDERS
            r = await request(ws, "futures.order", resting())
            assert r["code"] == "300001"
            assert r["msg"] == "Active order quantity limit exceeded (limit: 100, current: 100)"
            # Other contracts and market orders are unaffected.
            assert (await request(ws, "futures.order", resting(symbol="ETHUSDTM", price="1")))[
                "code"] == "200000"
            assert (await request(ws, "futures.order", order()))["code"] == "200000"
    with_emu(body, rate_limit=None)


def test_filled_orders_keep_memory_bounded() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            n = 300
            for i in range(n):
                await ws.send(json.dumps({"id": str(i), "op": "futures.order",
                                          "args": order()}))
            for _ in range(n):
                assert (await recv_json(ws))["code"] == "200000"
        book = ex.account_state(ACCOUNT_ID)
        assert book.open == {} and book.by_client_oid == {}
        assert len(book.history) == 50  # bounded
    with_emu(body, rate_limit=None, history_size=50)


# ---------------------------------------------------------------- ping / envelope errors
def test_ping_pong() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await ws.send('{"id": "ping-1", "op": "ping", "timestamp": "1700000000000"}')
            pong = await recv_json(ws)
            assert list(pong) == ["id", "op", "timestamp"]
            assert pong["id"] == "ping-1" and pong["op"] == "pong"
            assert isinstance(pong["timestamp"], int) and pong["timestamp"] > 1700000000000
            await ws.send('{"id":"p2","op":"ping"}')
            assert (await recv_json(ws))["id"] == "p2"
        assert ex.counters.pings == 2
    with_emu(body)


@pytest.mark.parametrize("payload", [
    '{"op":"futures.order","args":{}}', '{"id":"","op":"ping"}', '{"id":7,"op":"ping"}',
    '{"id":null,"op":"futures.cancel","args":{"orderId":"1"}}',
])
def test_bad_request_id(payload: str) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await ws.send(payload)
            r = await recv_json(ws)
            assert list(r) == ["code", "msg", "inTime", "outTime"]
            assert r["code"] == "4001002"
            assert r["msg"] == ("Please check the param of your request: "
                                "Field 'id' must be a non-empty string.")
            # The connection survives.
            assert (await request(ws, "ping", None))["op"] == "pong"
    with_emu(body)


def test_unknown_op_and_non_json() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "spot.order", {}, rid="u1")
            assert list(r) == ["id", "op", "code", "msg", "inTime", "outTime"]
            assert r["id"] == "u1" and r["op"] == "spot.order" and r["code"] == "400102"
            await ws.send('{"id":"t1","op":"futures.order","args":{')
            r = await recv_json(ws)
            assert r["id"] == "t1" and r["op"] == "futures.order" and r["code"] == "400101"
            for junk in ("hello", "[1,2]", "42", '"str"'):
                await ws.send(junk)
                r = await recv_json(ws)
                assert list(r) == ["code", "msg", "inTime", "outTime"]
                assert r["code"] == "400101"
            await ws.send(b'{"id":"bin","op":"ping"}')  # binary frames are read as text
            assert (await recv_json(ws))["id"] == "bin"
            assert (await request(ws, "ping", None))["op"] == "pong"
        assert ex.counters.error_replies == 6
    with_emu(body)


def test_fragmented_client_message_is_reassembled() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            text = json.dumps({"id": "frag", "op": "futures.order", "args": order()})
            await ws.send(iter([text[:10], text[10:30], text[30:]]))
            r = await recv_json(ws)
            assert r["id"] == "frag" and r["code"] == "200000"
    with_emu(body)


def test_id_max_len() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "futures.order", order(), rid="x" * 9)
            assert r["code"] == "400102" and "too long" in r["msg"]
            assert (await request(ws, "futures.order", order(), rid="x" * 8))["code"] == "200000"
    with_emu(body, id_max_len=8)


def test_ids_with_escapes_are_echoed() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for rid in ('q"uote', "back\\slash", "uni\u20ac", "tab\t"):
                r = await request(ws, "futures.order", order(), rid=rid)
                assert r["id"] == rid and r["code"] == "200000"
    with_emu(body)


def test_pipelined_replies_in_one_read() -> None:
    """Many requests in one TCP segment: every one answered, in order."""
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            n = 200
            msgs = [json.dumps({"id": f"p{i}", "op": "futures.order",
                                "args": order() if i % 3 else resting()}) for i in range(n)]
            msgs.insert(50, '{"id":"ping","op":"ping"}')
            for m in msgs:
                await ws.send(m)
            got = [(await recv_json(ws))["id"] for _ in range(len(msgs))]
            assert got == [json.loads(m)["id"] for m in msgs]
    with_emu(body, rate_limit=None)


def test_unknown_keys_ignored_by_gateway() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "futures.order", order(clientOID="typo", extra={"a": 1}))
            assert r["code"] == "200000"
            r = await request(ws, "futures.cancel", {"orderId": "5", "foo": 1})
            assert r["code"] == "100004"
    with_emu(body)


def test_websockets_third_party_close_is_clean() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await ws.close()
            assert ws.close_code == 1000
        for _ in range(50):
            if ex.counters.connections_active == 0:
                break
            import asyncio
            await asyncio.sleep(0.01)
        assert ex.counters.connections_active == 0 and ex.sessions == 0
    with_emu(body)



def test_stop_closes_every_session_with_1001() -> None:
    async def main() -> None:
        from emu_helpers import ACCOUNT
        ex = Emulator([ACCOUNT])
        await ex.start()
        conns = []
        for _ in range(3):
            cm = session(ex)
            conns.append((cm, await cm.__aenter__()))
        assert ex.sessions == 3 and ex.counters.connections_active == 3
        await ex.stop()
        for cm, ws in conns:
            await asyncio.wait_for(ws.wait_closed(), 2)
            assert ws.close_code == 1001
            await cm.__aexit__(None, None, None)
        assert ex.sessions == 0
        await ex.stop()  # idempotent
    from emu_helpers import run
    run(main())

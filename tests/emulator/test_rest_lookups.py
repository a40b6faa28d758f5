"""The REST lookups describe an order from its real state, identically whichever path
placed it, and the order lists page as KuCoin pages them; driven over loopback with
aiohttp's client, signing independently of the package."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from emu_helpers import ACCOUNT, request, rest_data, rest_get, run, session, with_emu

from kucoin_fast.emulator import Emulator, _build

XBT_MARK = Decimal("110205.37")
# Spot and margin wallets with quote to spend.
FUNDED: dict[str, Any] = {"rate_limit": None, "spot_balances": {"USDT": "100000"},
                          "margin_balances": {"USDT": "100000"}}
# Field values that differ between two runs of the same order.
_VOLATILE = ("id", "createdAt", "updatedAt", "endAt", "orderTime", "lastUpdatedAt")


def _stable(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in _VOLATILE}


# Every futures order shape: (op, args without clientOid, whether it fills at once).
_M = {"symbol": "XBTUSDTM", "side": "buy", "type": "market"}
_L = {"symbol": "XBTUSDTM", "side": "buy", "type": "limit"}
FUTURES_SHAPES: list[tuple[str, Any]] = [
    ("market", {**_M, "size": 1}),
    ("market-cross", {**_M, "side": "sell", "size": 2, "leverage": 10, "marginMode": "CROSS"}),
    ("market-qty", {**_M, "qty": "0.005", "leverage": "3"}),
    ("market-value", {**_M, "valueQty": "1000"}),
    ("market-eth", {**_M, "symbol": "ETHUSDTM", "size": 3, "positionSide": "BOTH"}),
    ("market-inverse", {**_M, "symbol": "XBTUSDM", "size": 100}),
    ("limit-cross", {**_L, "price": "120000", "size": 1, "remark": "rk", "stp": "CN"}),
    ("limit-cross-sell", {**_L, "side": "sell", "price": "100000.5", "size": 1,
                          "timeInForce": "IOC", "marginMode": "CROSS", "leverage": 20}),
    ("limit-rest", {**_L, "price": "50000", "size": 2, "postOnly": True, "remark": "rk1",
                    "leverage": 10}),
    ("limit-hidden", {**_L, "price": "50001", "size": 1, "hidden": True}),
    ("limit-ioc-miss", {**_L, "price": "50000", "size": 1, "timeInForce": "IOC"}),
    ("stop", {**_L, "price": "130000", "size": 1, "stop": "up", "stopPriceType": "TP",
              "stopPrice": "125000"}),
    ("reduce-only", {**_M, "side": "sell", "size": 50, "reduceOnly": True}),
    ("close", {**_M, "side": "sell", "closeOrder": True, "symbol": "ETHUSDTM"}),
]
BATCH = [{**_M, "size": 1}, {**_L, "price": "120000", "size": 2, "leverage": 5},
         {**_M, "side": "sell", "qty": "0.002", "marginMode": "CROSS"}]


async def _place_all(ex: Emulator, tag: str) -> dict[str, Any]:
    """Place every shape (and a batch) in order; the lookups by clientOid, by name."""
    ex.set_balance("USDT", "10000000", wallet="futures")
    ex.set_balance("XBT", "100", wallet="futures")
    async with session(ex) as ws:
        for name, args in FUTURES_SHAPES:
            reply = await request(ws, "futures.order", {**args, "clientOid": f"{tag}-{name}"})
            assert reply["code"] == "200000", (name, reply)
        batch = [{**a, "clientOid": f"{tag}-batch{i}"} for i, a in enumerate(BATCH)]
        reply = await request(ws, "futures.multi_order", batch)
        assert all(item["code"] == "200000" for item in reply["data"]), reply
    out = {}
    for name in [n for n, _ in FUTURES_SHAPES] + [f"batch{i}" for i in range(len(BATCH))]:
        out[name] = await rest_data(ex.futures_rest_url,
                               f"/api/v1/orders/byClientOid?clientOid={tag}-{name}")
    return out


@pytest.mark.skipif(_build.FAST is None, reason="fast path not built")
def test_fast_and_python_paths_give_the_same_lookups() -> None:
    """Each shape placed through the compiled fast path and through the Python path
    reads back the same, field by field (ids and times aside)."""
    async def place(fast: bool) -> tuple[dict[str, Any], int]:
        async with Emulator([ACCOUNT], fast_path=fast, rate_limit=None) as ex:
            return await _place_all(ex, "p"), ex.counters.fast_path_requests

    async def main() -> None:
        fast, fast_served = await place(True)
        slow, slow_served = await place(False)
        assert fast_served >= 8 and slow_served == 0, (fast_served, slow_served)
        assert fast.keys() == slow.keys()
        for name in fast:
            assert _stable(fast[name]) == _stable(slow[name]), name
    run(main(), 60)


def test_futures_lookup_fields_from_the_order() -> None:
    async def main(ex: Emulator) -> None:
        got = await _place_all(ex, "v")
        o = got["market-cross"]
        lot = Decimal("0.001")
        assert (o["leverage"], o["marginMode"], o["status"], o["isActive"]) == \
            ("10", "CROSS", "done", False)
        assert Decimal(o["avgDealPrice"]) == XBT_MARK and o["filledSize"] == 2
        assert Decimal(o["value"]) == Decimal(o["dealValue"]) == \
            Decimal(o["filledValue"]) == 2 * lot * XBT_MARK
        o = got["limit-cross"]
        assert (o["price"], o["remark"], o["stp"], o["cancelExist"]) == \
            ("120000", "rk", "CN", False)
        assert Decimal(o["value"]) == lot * 120000 and Decimal(o["dealValue"]) == lot * XBT_MARK
        o = got["limit-rest"]
        assert (o["postOnly"], o["remark"], o["hidden"], o["leverage"], o["isActive"],
                o["endAt"], o["avgDealPrice"], o["dealValue"]) == \
            (True, "rk1", False, "10", True, None, "0", "0")
        assert got["limit-hidden"]["hidden"] is True
        assert Decimal(o["value"]) == 2 * lot * 50000
        o = got["limit-ioc-miss"]
        assert (o["cancelExist"], o["filledSize"], o["timeInForce"]) == (True, 0, "IOC")
        o = got["market-value"]  # 1000 USDT buys floor(1000 / (0.001 x mark)) lots
        lots = int(Decimal(1000) / (lot * XBT_MARK))
        assert o["size"] == o["filledSize"] == lots and o["value"] == o["dealValue"]
        o = got["market-inverse"]  # 100 contracts of 1 USD each, valued in XBT
        mark = Decimal(110210)
        assert Decimal(o["dealValue"]) == Decimal(100) / mark and o["settleCurrency"] == "XBT"
        o = got["stop"]
        assert (o["stop"], o["stopPriceType"], o["stopPrice"], o["isActive"]) == \
            ("up", "TP", "125000", True)
        # the XBTUSDTM position is 1 - 2 + 5 + 9 + 1 - 1 = 13 lots long by now: the
        # reduce-only sell of 50 fills 13, the rest is cancelled
        o = got["reduce-only"]
        assert lots == 9 and (o["size"], o["filledSize"], o["cancelExist"], o["reduceOnly"],
                              o["status"]) == (50, 13, True, True, "done")
        o = got["close"]  # closes the 3 ETHUSDTM lots
        assert (o["size"], o["filledSize"], o["closeOrder"]) == (3, 3, True)
    with_emu(main, rate_limit=None)


def test_partially_filled_reduce_only_order() -> None:
    async def main(ex: Emulator) -> None:
        async with session(ex) as ws:
            await request(ws, "futures.order", {**_M, "size": 2, "clientOid": "open-2"})
            await request(ws, "futures.order", {**_M, "side": "sell", "size": 5,
                                                "reduceOnly": True, "clientOid": "ro"})
        o = await rest_data(ex.futures_rest_url, "/api/v1/orders/byClientOid?clientOid=ro")
        assert (o["size"], o["filledSize"], o["dealSize"], o["cancelExist"], o["status"]) == \
            (5, 2, 2, True, "done")
        assert Decimal(o["filledValue"]) == 2 * Decimal("0.001") * XBT_MARK
    with_emu(main, rate_limit=None)


def test_spot_and_margin_lookup_fields_from_the_order() -> None:
    async def main(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "spot.order", {
                "clientOid": "gtt", "symbol": "BTC-USDT", "side": "buy", "type": "limit",
                "price": "1000", "size": "0.001", "timeInForce": "GTT", "cancelAfter": 3600,
                "remark": "rem", "tags": "tg", "stp": "CN", "hidden": True})
            assert r["code"] == "200000", r
            r = await request(ws, "margin.order", {
                "clientOid": "mg", "symbol": "BTC-USDT", "side": "buy", "type": "limit",
                "price": "1000", "size": "0.001", "remark": "mr"})
            assert r["code"] == "200000", r
        o = await rest_data(ex.spot_rest_url, "/api/v1/hf/orders/client-order/gtt?symbol=BTC-USDT")
        assert (o["cancelAfter"], o["remark"], o["tags"], o["stp"], o["tax"], o["hidden"],
                o["timeInForce"]) == (3600, "rem", "tg", "CN", "0", True, "GTT")
        assert "stop" not in o
        m = await rest_data(ex.spot_rest_url,
                       "/api/v3/hf/margin/orders/client-order/mg?symbol=BTC-USDT")
        assert (m["tax"], m["remark"], m["stop"], m["stopTriggered"], m["stopPrice"],
                m["tradeType"]) == ("0", "mr", None, False, None, "MARGIN_TRADE")
    with_emu(main, **FUNDED)


def test_futures_order_list_pages() -> None:
    async def main(ex: Emulator) -> None:
        async with session(ex) as ws:
            for i in range(5):
                await request(ws, "futures.order", {**_L, "price": str(1000 + i), "size": 1,
                                                    "clientOid": f"r{i}"})
            for i in range(3):
                await request(ws, "futures.order", {**_M, "size": 1, "clientOid": f"m{i}"})
        base = ex.futures_rest_url
        page = await rest_data(base, "/api/v1/orders?status=active&pageSize=2&currentPage=2")
        assert (page["currentPage"], page["pageSize"], page["totalNum"], page["totalPage"]) \
            == (2, 2, 5, 3)
        assert [o["clientOid"] for o in page["items"]] == ["r2", "r1"]  # newest first
        done = await rest_data(base, "/api/v1/orders?status=done&symbol=XBTUSDTM")
        assert [o["clientOid"] for o in done["items"]] == ["m2", "m1", "m0"]
        assert all(o["status"] == "done" for o in done["items"])
        both = await rest_data(base, "/api/v1/orders")
        assert both["totalNum"] == 8
        assert (await rest_data(base, "/api/v1/orders?symbol=ETHUSDTM"))["totalNum"] == 0
        recent = await rest_data(base, "/api/v1/recentDoneOrders")
        assert [o["clientOid"] for o in recent] == ["m2", "m1", "m0"]
        status, _, body = await rest_get(base, "/api/v1/orders?status=open")
        assert (status, body["code"]) == (200, "400100") and "status" in body["msg"]
    with_emu(main, rate_limit=None)


def test_spot_and_margin_order_lists() -> None:
    async def main(ex: Emulator) -> None:
        async with session(ex) as ws:
            for i in range(3):
                await request(ws, "spot.order", {
                    "clientOid": f"a{i}", "symbol": "BTC-USDT", "side": "buy",
                    "type": "limit", "price": str(1000 + i), "size": "0.001"})
            for i in range(25):
                await request(ws, "spot.order", {
                    "clientOid": f"d{i}", "symbol": "BTC-USDT", "side": "buy",
                    "type": "market", "funds": "10"})
            await request(ws, "margin.order", {
                "clientOid": "ma", "symbol": "BTC-USDT", "side": "buy", "type": "limit",
                "price": "1000", "size": "0.001"})
        base = ex.spot_rest_url
        active = await rest_data(base, "/api/v1/hf/orders/active?symbol=BTC-USDT")
        assert [o["clientOid"] for o in active] == ["a2", "a1", "a0"]
        done = await rest_data(base, "/api/v1/hf/orders/done?symbol=BTC-USDT")
        assert len(done["items"]) == 20 and done["items"][0]["clientOid"] == "d24"
        more = await rest_data(base, f"/api/v1/hf/orders/done?symbol=BTC-USDT&lastId="
                                f"{done['lastId']}&limit=100")
        assert [o["clientOid"] for o in more["items"]] == [f"d{i}" for i in range(4, -1, -1)]
        margin = await rest_data(base, "/api/v3/hf/margin/orders/active?symbol=BTC-USDT"
                                  "&tradeType=MARGIN_TRADE")
        assert [o["clientOid"] for o in margin] == ["ma"]
        assert await rest_data(base, "/api/v3/hf/margin/orders/active?symbol=BTC-USDT"
                                "&tradeType=MARGIN_ISOLATED_TRADE") == []
        status, _, body = await rest_get(base, "/api/v3/hf/margin/orders/active?symbol=BTC-USDT")
        assert (status, body["code"]) == (200, "400100") and "tradeType" in body["msg"]
        status, _, body = await rest_get(base, "/api/v1/hf/orders/active")
        assert (status, body["code"]) == (200, "400100") and "symbol" in body["msg"]
    with_emu(main, **FUNDED)

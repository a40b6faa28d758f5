"""A real third-party client against the emulator: ccxt's ``kucoin`` and
``kucoinfutures`` (async and ``ccxt.pro``), unchanged but for their URLs, drive the
REST hosts and the push service for orders placed over the WS API with
kucoin_fast.WebsocketAPIClient. Every request ccxt makes is checked to go to the
emulator."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest
from emu_helpers import ACCOUNT, run
from kf_shared import KEY, PASSPHRASE, SECRET

from kucoin_fast import WebsocketAPIClient
from kucoin_fast.emulator import Emulator

XBT_MARK = Decimal("110205.37")  # XBTUSDTM's mark price (multiplier 0.001)
BTC_SPOT = Decimal("110205.3")  # BTC-USDT's spot price
SPOT = "BTC/USDT"
SWAP = "BTC/USDT:USDT"


def _num(value: Any) -> Decimal:
    return Decimal(str(value))


@asynccontextmanager
async def emulator(fast_path: bool = True
                   ) -> AsyncIterator[tuple[Emulator, WebsocketAPIClient]]:
    async with Emulator([ACCOUNT], rate_limit=None, fast_path=fast_path) as ex:
        for wallet in ("spot", "margin", "futures"):
            ex.set_balance("USDT", "1000000", wallet=wallet)
        ex.set_balance("BTC", "10", wallet="spot")
        client = WebsocketAPIClient(api_key=KEY, api_secret=SECRET, api_passphrase=PASSPHRASE,
                                    ws_url=ex.url, request_timeout=5.0, connect_timeout=5.0)
        try:
            yield ex, client
        finally:
            await client.close()


@asynccontextmanager
async def ccxt_client(cls: Any, ex: Emulator) -> AsyncIterator[Any]:
    """``cls`` with every ``urls['api']`` entry on the emulator (futures ones on its
    futures host, the others on its spot host), refusing any other URL."""
    x = cls({"apiKey": KEY, "secret": SECRET, "password": PASSPHRASE, "timeout": 5000})
    for name in x.urls["api"]:
        x.urls["api"][name] = ex.futures_rest_url if name.startswith("futures") \
            else ex.spot_rest_url
    allowed = (ex.spot_rest_url + "/", ex.futures_rest_url + "/")
    seen: list[str] = []
    fetch = x.fetch

    async def guarded(url: str, *args: Any, **kwargs: Any) -> Any:
        assert url.startswith(allowed), f"ccxt went outside the emulator: {url}"
        seen.append(url)
        return await fetch(url, *args, **kwargs)

    x.fetch = guarded
    try:
        yield x
    finally:
        await x.close()
    assert seen, "ccxt made no REST request"


def check(order: dict[str, Any], *, status: str, filled: Any, average: Any = None,
          cost: Any = None, client_oid: str | None = None) -> None:
    """The parts of a ccxt order a user reads."""
    assert order["status"] == status, order
    assert _num(order["filled"]) == _num(filled), order
    if average is not None:
        assert _num(order["average"]) == _num(average), order
    if cost is not None:
        assert _num(order["cost"]) == _num(cost), order
    if client_oid is not None:
        assert order["clientOrderId"] == client_oid, order


def test_load_markets_spot_and_futures() -> None:
    async def main() -> None:
        async with emulator() as (ex, _), ccxt_client(ccxtpro.kucoin, ex) as spot, \
                ccxt_client(ccxtpro.kucoinfutures, ex) as fut:
            markets = await spot.load_markets()
            assert markets[SPOT]["spot"] and markets[SPOT]["margin"]
            assert markets[SPOT]["precision"]["price"] == 0.1
            assert markets[SWAP]["contractSize"] == 0.001 and markets[SWAP]["swap"]
            assert spot.options["hf"] is True  # GET /api/v1/hf/accounts/opened
            assert "USDT" in spot.currencies
            fmarkets = await fut.load_markets()
            assert set(fmarkets) == {SWAP, "ETH/USDT:USDT", "ZRX/USDT:USDT", "BTC/USD:BTC"}
            assert fmarkets["BTC/USD:BTC"]["inverse"] is True
            assert abs(await fut.fetch_time() - await spot.fetch_time()) < 60_000
    run(main(), 60)


def test_futures_orders_through_ccxt(fast_path: bool) -> None:
    async def main() -> None:
        async with emulator(fast_path) as (ex, client), ccxt_client(ccxtpro.kucoinfutures, ex) as x:
            base = {"symbol": "XBTUSDTM", "side": "buy"}
            placed = {}
            for coid, extra in (
                    ("f-mkt", {"type": "market", "size": 1, "leverage": 10,
                               "marginMode": "CROSS"}),
                    ("f-cross", {"type": "limit", "price": "120000", "size": 1}),
                    ("f-rest", {"type": "limit", "price": "50000", "size": 2, "leverage": 5,
                                "postOnly": True, "remark": "rk1"}),
                    ("f-cxl", {"type": "limit", "price": "40000", "size": 3}),
                    # holds 2 lots: the reduce-only sell of 5 fills 2, the rest is cancelled
                    ("f-part", {"type": "market", "size": 5, "side": "sell",
                                "reduceOnly": True})):
                r = await client.submit_futures_order({**base, **extra, "clientOid": coid})
                assert r.code == "200000", r
                placed[coid] = r.data["orderId"]
            await client.cancel_futures_order({"orderId": placed["f-cxl"]})
            await x.load_markets()
            one_lot = XBT_MARK * Decimal("0.001")
            o = await x.fetch_order(placed["f-mkt"])
            check(o, status="closed", filled=1, average=XBT_MARK, cost=one_lot,
                  client_oid="f-mkt")
            assert o["info"]["marginMode"] == "CROSS" and o["info"]["leverage"] == "10"
            check(await x.fetch_order(None, params={"clientOid": "f-cross"}), status="closed",
                  filled=1, average=XBT_MARK, cost=one_lot)
            o = await x.fetch_order(placed["f-rest"])
            check(o, status="open", filled=0, client_oid="f-rest")
            assert o["postOnly"] is True and o["info"]["remark"] == "rk1"
            assert _num(o["info"]["value"]) == 2 * Decimal("0.001") * 50000
            check(await x.fetch_order(placed["f-cxl"]), status="canceled", filled=0)
            check(await x.fetch_order(placed["f-part"]), status="canceled", filled=2,
                  average=XBT_MARK, cost=2 * one_lot)
            assert [o["id"] for o in await x.fetch_open_orders(SWAP)] == [placed["f-rest"]]
            closed = {o["id"]: o for o in await x.fetch_closed_orders(SWAP)}
            assert set(closed) == set(placed.values()) - {placed["f-rest"]}
            check(closed[placed["f-mkt"]], status="closed", filled=1, average=XBT_MARK,
                  cost=one_lot)
    run(main(), 60)


def test_spot_and_margin_orders_through_ccxt() -> None:
    async def main() -> None:
        async with emulator() as (ex, client), ccxt_client(ccxtpro.kucoin, ex) as x:
            base = {"symbol": "BTC-USDT", "side": "buy"}
            spot: dict[str, str] = {}
            for coid, extra in (
                    ("s-rest", {"type": "limit", "price": "1000", "size": "0.001",
                                "timeInForce": "GTT", "cancelAfter": 3600, "remark": "r",
                                "tags": "t"}),
                    ("s-cross", {"type": "limit", "price": "120000", "size": "0.001"}),
                    ("s-mkt", {"type": "market", "size": "0.002", "side": "sell"}),
                    # 100 USDT buy floor(100 / price) to 1e-8 BTC; the rest is not spent
                    ("s-funds", {"type": "market", "funds": "100"}),
                    ("s-cxl", {"type": "limit", "price": "900", "size": "0.001"})):
                r = await client.submit_new_spot_order({**base, **extra, "clientOid": coid})
                assert r.code == "200000", r
                spot[coid] = r.data["orderId"]
            await client.cancel_spot_order({"symbol": "BTC-USDT", "orderId": spot["s-cxl"]})
            margin: dict[str, str] = {}
            for coid, extra in (("m-rest", {"type": "limit", "price": "1000", "size": "0.001"}),
                                ("m-mkt", {"type": "market", "size": "0.001"}),
                                ("m-cxl", {"type": "limit", "price": "900", "size": "0.001"})):
                m = await client.submit_margin_order({**base, **extra, "clientOid": coid})
                assert m.order_id is not None
                margin[coid] = m.order_id
            await client.cancel_margin_order({"symbol": "BTC-USDT", "clientOid": "m-cxl"})
            await x.load_markets()

            o = await x.fetch_order(spot["s-rest"], SPOT)
            check(o, status="open", filled=0, client_oid="s-rest")
            assert (o["timeInForce"], o["info"]["cancelAfter"], o["info"]["remark"],
                    o["info"]["tags"]) == ("GTT", 3600, "r", "t")
            check(await x.fetch_order(None, SPOT, {"clientOid": "s-cross"}), status="closed",
                  filled="0.001", average=BTC_SPOT, cost=BTC_SPOT * Decimal("0.001"))
            check(await x.fetch_order(spot["s-mkt"], SPOT), status="closed", filled="0.002",
                  average=BTC_SPOT, cost=BTC_SPOT * Decimal("0.002"))
            bought = (Decimal(100) / BTC_SPOT).quantize(Decimal("1e-8"), "ROUND_DOWN")
            check(await x.fetch_order(spot["s-funds"], SPOT), status="closed", filled=bought,
                  average=BTC_SPOT, cost=bought * BTC_SPOT)
            check(await x.fetch_order(spot["s-cxl"], SPOT), status="canceled", filled=0)
            assert [o["id"] for o in await x.fetch_open_orders(SPOT)] == [spot["s-rest"]]
            closed = {o["id"] for o in await x.fetch_closed_orders(SPOT)}
            assert closed == set(spot.values()) - {spot["s-rest"]}

            cross = {"marginMode": "cross"}
            o = await x.fetch_order(margin["m-rest"], SPOT, cross)
            check(o, status="open", filled=0, client_oid="m-rest")
            assert o["info"]["tradeType"] == "MARGIN_TRADE"
            check(await x.fetch_order(None, SPOT, {**cross, "clientOid": "m-mkt"}),
                  status="closed", filled="0.001", average=BTC_SPOT)
            check(await x.fetch_order(margin["m-cxl"], SPOT, cross), status="canceled",
                  filled=0)
            assert [o["id"] for o in await x.fetch_open_orders(SPOT, params=cross)] == \
                [margin["m-rest"]]
            closed = {o["id"] for o in await x.fetch_closed_orders(SPOT, params=cross)}
            assert closed == {margin["m-mkt"], margin["m-cxl"]}
    run(main(), 60)


@pytest.mark.parametrize("family", ["spot", "futures"])
def test_watch_orders_through_ccxt_pro(family: str, fast_path: bool) -> None:
    async def main() -> None:
        cls = ccxtpro.kucoin if family == "spot" else ccxtpro.kucoinfutures
        symbol = SPOT if family == "spot" else SWAP
        async with emulator(fast_path) as (ex, client), ccxt_client(cls, ex) as x:
            await x.load_markets()
            watch = asyncio.ensure_future(x.watch_orders(symbol))
            # the subscription is live once the account's push sink is set
            book = ex.account_state()
            for _ in range(500):
                if book.events is not None:
                    break
                await asyncio.sleep(0.01)
            assert book.events is not None, "ccxt never subscribed"
            if family == "spot":
                r = await client.submit_new_spot_order(
                    {"clientOid": "w-1", "symbol": "BTC-USDT", "side": "buy",
                     "type": "market", "size": "0.001"})
            else:
                r = await client.submit_futures_order(
                    {"clientOid": "w-1", "symbol": "XBTUSDTM", "side": "buy",
                     "type": "market", "size": 1})
            assert r.code == "200000", r
            first = await asyncio.wait_for(watch, 10)
            assert [o["clientOrderId"] for o in first] == ["w-1"], first
            # later changes of the order land in ccxt's order cache
            for _ in range(500):
                o = next(o for o in x.orders if o["clientOrderId"] == "w-1")
                if o["status"] == "closed":
                    break
                await asyncio.sleep(0.01)
            assert o["status"] == "closed", o
            assert o["id"] == r.data["orderId"] and o["symbol"] == symbol
            assert _num(o["filled"]) == _num("0.001" if family == "spot" else 1)
    run(main(), 60)

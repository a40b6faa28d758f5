"""Futures balances and positions in the emulator: margin from size, multiplier, price
and leverage; 330008/300003/330011 from the engine; reduceOnly and closeOrder on the
real position; one-way, hedge and auto position modes. On both request paths (the
compiled fast path fills through the same ledger)."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from emu_helpers import order, recv_json, request, resting, session, with_emu

from kucoin_fast.emulator import Emulator
from kucoin_fast.emulator._ledger import SCALE, FuturesLedger, fill_spec, to_units

MARK = Decimal("110205.37")  # XBTUSDTM's default mark; 1 lot = 0.001 XBT


def usdt(ex: Emulator) -> Decimal:
    return Decimal(ex.balances()["futures"]["USDT"])


def lots(ex: Emulator, side: str = "BOTH", symbol: str = "XBTUSDTM") -> int:
    return sum(p.lots for p in ex.positions() if p.side == side and p.symbol == symbol)


def test_fills_build_and_close_a_position(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        start = usdt(ex)
        async with session(ex) as ws:
            assert (await request(ws, "futures.order", order(size=3, leverage=10)))["code"] \
                == "200000"
            (pos,) = ex.positions()
            assert (pos.symbol, pos.side, pos.lots, pos.entry_price) == \
                ("XBTUSDTM", "BOTH", 3, MARK)
            assert pos.margin == 3 * Decimal("0.001") * MARK / 10
            assert usdt(ex) == start - pos.margin
            # A sell of 5 closes the 3 (no PnL at the same mark) and opens 2 short.
            ex.set_mark_price("XBTUSDTM", "120000")
            await request(ws, "futures.order", order(side="sell", size=5, leverage=10))
            (pos,) = ex.positions()
            assert (pos.lots, pos.entry_price) == (-2, Decimal(120000))
            pnl = (Decimal(120000) - MARK) * 3 * Decimal("0.001")
            assert usdt(ex) == start + pnl - pos.margin
            await request(ws, "futures.order", order(size=2, leverage=10))
            assert ex.positions() == [] and usdt(ex) == start + pnl
    with_emu(body, fast_path=fast_path)


def test_margin_refusals_come_from_the_account(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        ex.set_balance("USDT", "100", wallet="futures")
        async with session(ex) as ws:
            r = await request(ws, "futures.order", order(size=1))  # 110.2 at leverage 1
            assert (r["code"], r["msg"]) == \
                ("330008", "Order quantity is too high, insufficient available margin.")
            assert list(r) == ["id", "op", "code", "msg", "inTime", "outTime"]
            assert (await request(ws, "futures.order", order(size=1, leverage=2)))["code"] \
                == "200000"
            # Reducing needs no margin, even with nothing available.
            ex.set_balance("USDT", "0", wallet="futures")
            assert (await request(ws, "futures.order", order(side="sell", size=1)))["code"] \
                == "200000"
            assert usdt(ex) == 1 * Decimal("0.001") * MARK / 2  # the margin came back
            ex.set_balance("USDT", "0", wallet="futures")
            r = await request(ws, "futures.order", order(side="sell", size=1))
            assert r["code"] == "300003" and r["msg"].startswith("Balance not enough")
            assert ex.counters.orders_rejected == 2
    with_emu(body, fast_path=fast_path)


def test_resting_orders_hold_margin_until_cancelled() -> None:
    async def body(ex: Emulator) -> None:
        start = usdt(ex)
        async with session(ex) as ws:
            o = resting(size=None, qty="0.01", leverage=10)  # 10 lots at 1000
            r = await request(ws, "futures.order", o)
            assert usdt(ex) == start - Decimal("0.01") * 1000 / 10
            assert ex.open_orders()[0].hold == to_units("1")
            await request(ws, "futures.cancel", {"orderId": r["data"]["orderId"]})
            assert usdt(ex) == start and ex.positions() == []
            ex.set_balance("USDT", "0.5", wallet="futures")
            r = await request(ws, "futures.order", resting(size=None, qty="0.01", leverage=10))
            assert r["code"] == "330008" and ex.open_orders() == []
            # Stop and reduce-only orders hold nothing.
            stop = resting(stop="up", stopPrice="200000", stopPriceType="TP", size=100)
            assert (await request(ws, "futures.order", stop))["code"] == "200000"
            assert usdt(ex) == Decimal("0.5")
    with_emu(body)


def test_reduce_only_and_close_order_act_on_the_position(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            # Nothing to reduce or close: accepted, then cancelled.
            for o in (order(reduceOnly=True), order(closeOrder=True, side=None, size=None)):
                r = await request(ws, "futures.order", o)
                assert r["code"] == "200000" and ex.account_state(
                    "67b0d1c8e4b0a10001a2b3c4").history[-1].status == "cancelled"
            await request(ws, "futures.order", order(size=4))
            # reduceOnly in the growing direction is cancelled; the other way it reduces,
            # and the excess past zero is cancelled.
            await request(ws, "futures.order", order(size=1, reduceOnly=True))
            assert lots(ex) == 4
            await request(ws, "futures.order", order(side="sell", size=6, reduceOnly=True))
            assert lots(ex) == 0
            await request(ws, "futures.order", order(side="sell", size=2))
            r = await request(ws, "futures.order", order(closeOrder=True, side=None, size=None))
            assert r["code"] == "200000" and ex.positions() == []
            assert usdt(ex) == Decimal(ex.config.futures_balances["USDT"])
    with_emu(body, fast_path=fast_path)


def test_hedge_legs_and_position_modes(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await request(ws, "futures.order", order(size=2, positionSide="LONG"))
            await request(ws, "futures.order", order(side="sell", size=3, positionSide="SHORT"))
            await request(ws, "futures.order", order(size=1))  # auto: BOTH is its own
            assert (lots(ex, "LONG"), lots(ex, "SHORT"), lots(ex)) == (2, -3, 1)
            # A sell on LONG reduces it and never goes past zero.
            await request(ws, "futures.order", order(side="sell", size=5, positionSide="LONG"))
            assert lots(ex, "LONG") == 0
            ex.set_position_mode("hedge")
            r = await request(ws, "futures.order", order(size=1))
            assert (r["code"], r["msg"]) == ("330011", ("Set and confirm the position mode "
                                                       "before trading"))
            assert (await request(ws, "futures.order", order(
                size=1, positionSide="SHORT")))["code"] == "200000"
            assert lots(ex, "SHORT") == -2
            ex.set_position_mode("one-way")
            r = await request(ws, "futures.order", order(size=1, positionSide="LONG"))
            assert r["code"] == "330011"
            assert (await request(ws, "futures.order", order(size=1,
                                                             positionSide="BOTH")))["code"] \
                == "200000"
            with pytest.raises(ValueError):
                ex.set_position_mode("net")
    with_emu(body, fast_path=fast_path)


def test_batch_fills_change_the_position_or_nothing(fast_path: bool) -> None:
    async def body(ex: Emulator) -> None:
        ex.set_balance("USDT", "250", wallet="futures")
        async with session(ex) as ws:
            r = await request(ws, "futures.multi_order", [order(size=1), order(size=1),
                                                         order(size=1)])
            codes = [item["code"] for item in r["data"]]
            assert codes == ["200000", "200000", "330008"]  # each item on its own
            assert lots(ex) == 2
            r = await request(ws, "futures.multi_order", [order(side="sell", size=2),
                                                         order(size=1)])
            assert [i["code"] for i in r["data"]] == ["200000", "200000"]
            assert lots(ex) == 1
    with_emu(body, fast_path=fast_path)


def test_inverse_and_value_qty_margin() -> None:
    async def body(ex: Emulator) -> None:
        xbt = Decimal(ex.balances()["futures"]["XBT"])
        async with session(ex) as ws:
            await request(ws, "futures.order", order(symbol="XBTUSDM", size=1000, leverage=5))
            (pos,) = ex.positions()
            margin = Decimal(1000) / Decimal(110210) / 5
            assert abs(pos.margin - margin) < Decimal("1e-12")
            assert Decimal(ex.balances()["futures"]["XBT"]) == xbt - pos.margin
            await request(ws, "futures.order", order(symbol="ETHUSDTM", size=None,
                                                     valueQty="100"))
            eth = next(p for p in ex.positions() if p.symbol == "ETHUSDTM")
            assert eth.lots == 2  # whole lots: 100 / (0.01 x 4430.34) = 2.26
    with_emu(body)


def test_defaults_cover_long_runs_and_config_seeds_new_accounts() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            for i in range(200):
                await ws.send(json.dumps({"id": str(i), "op": "futures.order",
                                          "args": order(size=1)}))
            assert {(await recv_json(ws))["code"] for _ in range(200)} == {"200000"}
            assert lots(ex) == 200
            assert ex.balances()["futures"]["XBT"] == "10000"
    with_emu(body, rate_limit=None, futures_balances={"USDT": "1000000", "XBT": "10000"})


def test_ledger_units_and_rollback() -> None:
    ledger = FuturesLedger({"USDT": "1.5"})
    assert ledger.available["USDT"] == 3 * SCALE // 2 and ledger.snapshot() == {"USDT": "1.5"}
    from kucoin_fast._protocol.specs import CONTRACTS
    c = CONTRACTS["XBTUSDTM"]
    spec = fill_spec({"side": "buy", "size": 1, "leverage": 100}, c)
    price = to_units(MARK)
    res: Any = ledger.execute_all([(spec, price), (spec, price)])
    assert res is None and ledger.positions == {} and ledger.snapshot() == {"USDT": "1.5"}
    assert ledger.execute(spec, price) == "filled"
    assert ledger.open_positions()[0].lots == 1


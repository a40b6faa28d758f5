"""The spot and margin ops of the emulator, driven by a third-party client (websockets):
reply shapes and key order (spot doc §1.5), every validation rule's B frame, the pair
checks, matching against the spot price, balances, margin borrowing, cancel-and-
replace, sync states, rate-limit weights and the fault switches."""
from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from emu_helpers import ACCOUNT, closed, order, recv_json, request, session, with_emu
from kf_spot_cases import RULE_CASES, RuleCase, limit, margin, market

from kucoin_fast.emulator import Account, Emulator

A_KEYS = ["id", "op", "code", "data", "inTime", "outTime"]
B_KEYS = ["id", "op", "code", "msg", "inTime", "outTime"]
HEX24 = re.compile(r"[0-9a-f]{24}\Z")


def _n(value: str) -> Decimal:
    return Decimal(value)


async def ok(ws: Any, op: str, args: Any, rid: str = "r1") -> dict[str, Any]:
    r = await request(ws, op, args, rid)
    assert r["code"] == "200000", r
    return r


# ---------------------------------------------------------------- shapes
def test_spot_order_replies_have_kucoins_shapes() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await ok(ws, "spot.order", limit(clientOid="s-1"), rid="o1")
            assert list(r) == A_KEYS and r["id"] == "o1" and r["op"] == "spot.order"
            assert list(r["data"]) == ["orderId", "clientOid"] and r["data"]["clientOid"] == "s-1"
            assert HEX24.match(r["data"]["orderId"])
            assert isinstance(r["inTime"], int) and r["inTime"] <= r["outTime"]
            # Without a clientOid the data is only the orderId (the live capture).
            r2 = await ok(ws, "spot.order", market(clientOid=None))
            assert list(r2["data"]) == ["orderId"] and r2["data"]["orderId"] != \
                r["data"]["orderId"]
            c = await ok(ws, "spot.cancel", {"symbol": "BTC-USDT", "clientOid": "s-1"})
            assert list(c) == [*A_KEYS, "userRateLimit"] and c["data"] == {"clientOid": "s-1"}
            assert list(c["userRateLimit"]) == ["remaining", "limit", "reset"]
            assert c["userRateLimit"]["limit"] == 4000
            e = await request(ws, "spot.cancel", {"symbol": "BTC-USDT", "clientOid": "s-1"})
            assert list(e) == [*B_KEYS, "userRateLimit"]
            assert (e["code"], e["msg"]) == ("400100", "order_not_exist_or_not_allow_to_cancel")
    with_emu(body)


def test_sync_order_and_sync_cancel_states() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await ok(ws, "spot.sync_order", limit(clientOid="r-1"))
            d = r["data"]
            assert list(d) == ["orderId", "clientOid", "orderTime", "originSize", "dealSize",
                               "remainSize", "canceledSize", "status", "matchTime"]
            assert (d["status"], d["originSize"], d["dealSize"], d["remainSize"],
                    d["canceledSize"]) == ("open", "0.001", "0", "0.001", "0")
            assert isinstance(d["orderTime"], int) and d["matchTime"] >= d["orderTime"]
            c = await ok(ws, "spot.sync_cancel", {"symbol": "BTC-USDT", "orderId": d["orderId"]})
            assert c["data"] == {"orderId": d["orderId"], "originSize": "0.001", "dealSize": "0",
                                 "remainSize": "0", "canceledSize": "0.001", "status": "done"}
            m = (await ok(ws, "spot.sync_order", market(size="0.002")))["data"]
            assert (m["status"], m["dealSize"], m["remainSize"]) == ("done", "0.002", "0")
            f = (await ok(ws, "spot.sync_order", market(size=None, funds="100")))["data"]
            assert list(f)[-6:] == ["originFunds", "dealFunds", "remainFunds", "canceledFunds",
                                    "status", "matchTime"]
            price = ex.spot.prices["BTC-USDT"]
            deal = _n(f["dealSize"])
            assert deal == (Decimal(100) / price).quantize(Decimal("0.00000001"), "ROUND_DOWN")
            assert _n(f["dealFunds"]) + _n(f["canceledFunds"]) == 100
            assert _n(f["dealFunds"]) == deal * price and f["status"] == "done"
    with_emu(body)


def test_margin_order_borrows_and_reports_it() -> None:
    async def body(ex: Emulator) -> None:
        ex.set_balance("USDT", "100", wallet="margin")
        async with session(ex) as ws:
            r = await ok(ws, "margin.order", margin(clientOid="m-1"))  # 50 USDT held
            assert list(r["data"]) == ["orderId", "clientOid"]  # nothing borrowed: omitted
            e = await request(ws, "margin.order", margin(clientOid="m-2", size="0.002"))
            assert (e["code"], e["msg"]) == ("130105", "Insufficient balance")
            b = await ok(ws, "margin.order", margin(clientOid="m-3", size="0.002",
                                                    autoBorrow=True))
            assert list(b["data"]) == ["orderId", "clientOid", "borrowSize", "loanApplyId"]
            assert b["data"]["borrowSize"] == "50" and HEX24.match(b["data"]["loanApplyId"])
            cross = ex.balances()["margin"]["USDT"]
            assert cross == {"available": "0", "held": "150", "liability": "50"}
            c = await ok(ws, "margin.cancel", {"symbol": "BTC-USDT", "clientOid": "m-1"})
            assert c["data"] == {"clientOid": "m-1"} and "userRateLimit" in c
            assert ex.balances()["margin"]["USDT"]["available"] == "50"
            # autoRepay: a sell's proceeds pay the USDT owed.
            await ok(ws, "margin.order", margin(clientOid="m-4", side="sell", type="market",
                                                price=None, size="0.001", autoRepay=True))
            assert ex.balances()["margin"]["USDT"]["liability"] == "0"
            # The spot account is another wallet.
            assert ex.balances()["spot"]["USDT"]["available"] == "1000000000"
    with_emu(body)


def test_isolated_margin_has_its_own_wallet() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await ok(ws, "margin.order", margin(clientOid="i-1", isIsolated=True))
            iso = ex.balances()["isolated:BTC-USDT"]
            assert iso["USDT"]["held"] == "50" and set(iso) == {"BTC", "USDT"}
            assert ex.balances()["margin"]["USDT"]["held"] == "0"
            ex.set_balance("USDT", "0", wallet="isolated:BTC-USDT")
            e = await request(ws, "margin.order", margin(clientOid="i-2", isIsolated=True))
            assert e["code"] == "130105"
            assert [o.client_oid for o in ex.spot_open_orders(margin=True)] == ["i-1"]
    with_emu(body)


# ---------------------------------------------------------------- matching
def test_limit_orders_rest_or_fill_against_the_spot_price() -> None:
    async def body(ex: Emulator) -> None:
        ex.set_spot_price("BTC-USDT", "60000")
        async with session(ex) as ws:
            before = ex.balances()["spot"]
            rest = (await ok(ws, "spot.sync_order", limit(clientOid="b-1")))["data"]
            cross = (await ok(ws, "spot.sync_order", limit(clientOid="b-2", price="70000")))
            assert rest["status"] == "open" and cross["data"]["status"] == "done"
            sell = (await ok(ws, "spot.sync_order", limit(clientOid="b-3", side="sell",
                                                          price="65000")))["data"]
            assert sell["status"] == "open"
            assert [o.client_oid for o in ex.spot_open_orders()] == ["b-1", "b-3"]
            after = ex.balances()["spot"]
            # b-2 filled at the spot price, not its limit; b-1 holds 50, b-3 holds 0.001 BTC.
            assert _n(after["USDT"]["available"]) == \
                _n(before["USDT"]["available"]) - 50 - 60
            assert after["USDT"]["held"] == "50" and after["BTC"]["held"] == "0.001"
            # The price falls through b-1: it fills at its own price, as a maker.
            ex.set_spot_price("BTC-USDT", "49000")
            assert [o.client_oid for o in ex.spot_open_orders()] == ["b-3"]
            state = (await request(ws, "spot.sync_cancel",
                                   {"symbol": "BTC-USDT", "clientOid": "b-1"}))
            assert state["code"] == "400100"  # done: not cancelable
            assert ex.balances()["spot"]["USDT"]["held"] == "0"
            assert _n(ex.balances()["spot"]["BTC"]["available"]) == \
                _n(before["BTC"]["available"]) + Decimal("0.001")
    with_emu(body)


@pytest.mark.parametrize("tif,status,resting", [("IOC", "done", 0), ("FOK", "done", 0),
                                                 ("GTC", "open", 1)])
def test_time_in_force_of_a_limit_that_does_not_cross(tif: str, status: str,
                                                      resting: int) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            d = (await ok(ws, "spot.sync_order", limit(timeInForce=tif)))["data"]
            assert d["status"] == status and len(ex.spot_open_orders()) == resting
            if status == "done":
                assert (d["dealSize"], d["canceledSize"]) == ("0", "0.001")
    with_emu(body)


def test_crossing_post_only_is_accepted_then_cancelled() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            d = (await ok(ws, "spot.sync_order", limit(price="200000", postOnly=True)))["data"]
            assert (d["status"], d["dealSize"], d["canceledSize"]) == ("done", "0", "0.001")
    with_emu(body)


def test_post_only_with_ioc_can_be_ignored() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            args = limit(price="200000", postOnly=True, timeInForce="IOC")
            d = (await ok(ws, "spot.sync_order", args))["data"]
            assert d["status"] == "done" and d["dealSize"] == "0.001"  # postOnly dropped
    with_emu(body, spot_post_only_ioc="ignore")


def test_gtt_order_expires() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await ok(ws, "spot.order", limit(clientOid="g-1", timeInForce="GTT", cancelAfter=1))
            assert len(ex.spot_open_orders()) == 1
            await asyncio.sleep(1.05)
            e = await request(ws, "spot.cancel", {"symbol": "BTC-USDT", "clientOid": "g-1"})
            assert e["code"] == "400100" and ex.spot_open_orders() == []
            assert ex.balances()["spot"]["USDT"]["held"] == "0"
    with_emu(body)


# ---------------------------------------------------------------- modify
def test_modify_is_cancel_and_replace() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            old = (await ok(ws, "spot.order", limit(clientOid="x-1")))["data"]["orderId"]
            r = await ok(ws, "spot.modify", {"symbol": "BTC-USDT", "clientOid": "x-1",
                                             "newPrice": "40000", "newSize": "0.002"})
            assert list(r["data"]) == ["newOrderId", "clientOid"]
            new = r["data"]["newOrderId"]
            assert new != old and r["data"]["clientOid"] == "x-1" and "userRateLimit" not in r
            (info,) = ex.spot_open_orders()
            assert (info.order_id, info.price, info.size) == (new, 40000, Decimal("0.002"))
            assert ex.balances()["spot"]["USDT"]["held"] == "80"
            e = await request(ws, "spot.cancel", {"symbol": "BTC-USDT", "orderId": old})
            assert e["code"] == "400100"  # the old order is done
            # A refused replacement leaves the order as it was.
            ex.set_balance("USDT", "0")
            e = await request(ws, "spot.modify", {"symbol": "BTC-USDT", "orderId": new,
                                                  "newSize": "1"})
            assert e["code"] == "200004"
            assert [o.order_id for o in ex.spot_open_orders()] == [new]
            assert ex.balances()["spot"]["USDT"]["held"] == "80"
            e = await request(ws, "spot.modify", {"symbol": "BTC-USDT", "orderId": new,
                                                  "newPrice": "40000.05"})
            assert (e["code"], e["msg"]) == ("400100", "Price increment invalid.")
            # Through the spot price: the replacement fills at once.
            ex.set_balance("USDT", "1000000")
            r = await ok(ws, "spot.modify", {"symbol": "BTC-USDT", "orderId": new,
                                             "newPrice": "200000"})
            assert ex.spot_open_orders() == []
            e = await request(ws, "spot.modify", {"symbol": "ETH-USDT", "clientOid": "x-1",
                                                  "newPrice": "1"})
            assert e["code"] == "400100"
    with_emu(body)


def test_order_id_wins_over_client_oid() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            a = (await ok(ws, "spot.order", limit(clientOid="w-1")))["data"]["orderId"]
            await ok(ws, "spot.order", limit(clientOid="w-2"))
            c = await ok(ws, "spot.cancel", {"symbol": "BTC-USDT", "orderId": a,
                                             "clientOid": "w-2"})
            assert c["data"] == {"orderId": a}
            assert [o.client_oid for o in ex.spot_open_orders()] == ["w-2"]
    with_emu(body)


# ---------------------------------------------------------------- rules and pair checks
@pytest.mark.parametrize("case", [c for c in RULE_CASES if not c.strict_only],
                         ids=[c.name for c in RULE_CASES if not c.strict_only])
def test_rule_violations_are_b_frames(case: RuleCase) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, case.op, case.args, rid="v1")
            assert list(r)[:6] == B_KEYS and r["id"] == "v1" and r["op"] == case.op
            assert r["code"] == case.code and case.rule in r["msg"], r
            if case.code == "400100":
                assert r["msg"].startswith(f"Parameter Error: {case.field}: ")
            else:
                assert r["msg"].startswith("Please check the param of your request: ")
            assert ex.spot_open_orders() == [] and ex.spot_open_orders(margin=True) == []
    with_emu(body)


PAIR_CASES = [
    (limit(symbol="DOGE-USDT"), "900001", "symbol not exists"),
    (limit(price="50000.05"), "400100", "Price increment invalid."),
    (limit(size="0.000010001"), "400100", "Order size increment invalid."),
    (market(size=None, funds="10.0000001"), "400100", "Funds increment invalid."),
    (limit(size="0.000009"), "400100", "Order size below the minimum requirement."),
    (limit(size="20000000000"), "400100", "Order size above the maximum requirement."),
    (market(size=None, funds="100000000"), "400100", "Order funds above the maximum requirement."),
    (limit(price="1000", size="0.00001"), "400760", "The order funds should more then 0.1 USDT."),
    (market(size=None, funds="0.09"), "400760", "The order funds should more then 0.1 USDT."),
    (limit(symbol="ETH-USDT", price="4000.005"), "400100", "Price increment invalid."),
    (limit(allowMaxTimeWindow=10, clientTimestamp=1), "400100",
     "Order expired: clientTimestamp + allowMaxTimeWindow < gateway time"),
    (limit(price="1000000000", size="2"), "200004", "Balance insufficient!"),
    (market(side="sell", size="10000.1"), "200004", "Balance insufficient!"),
]


@pytest.mark.parametrize("args,code,msg", PAIR_CASES, ids=[c[2] + str(i) for i, c in
                                                            enumerate(PAIR_CASES)])
def test_pair_checks(args: dict[str, Any], code: str, msg: str) -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, "spot.order", args)
            assert (r["code"], r["msg"]) == (code, msg)
            assert ex.counters.orders_rejected == 1
            m = await request(ws, "margin.order", dict(args, clientOid="m-x"))
            assert m["code"] == ("130105" if code == "200004" else code)
    with_emu(body)


def test_duplicate_client_oid_and_caps() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await ok(ws, "spot.order", market(clientOid="d-1"))  # filled, but remembered
            r = await request(ws, "spot.order", limit(clientOid="d-1"))
            assert (r["code"], r["msg"]) == ("400100",
                                             "validation.createOrder.clientOidDuplicated")
            await ok(ws, "margin.order", margin(clientOid="d-1"))  # another account type
            for i in range(200):
                await ws.send(json.dumps({"id": f"c{i}", "op": "spot.order",
                                          "args": limit(clientOid=f"cap-{i}")}))
            codes = {(await recv_json(ws))["code"] for _ in range(200)}
            assert codes == {"200000"}
            r = await request(ws, "spot.order", limit(clientOid="cap-x"))
            assert (r["code"], r["msg"]) == ("200003", "Number of orders breached the limit")
            await ok(ws, "spot.order", limit(clientOid="cap-y", symbol="ETH-USDT",
                                             price="1000"))  # per symbol
            await ok(ws, "spot.order", market(clientOid="cap-z"))  # fills: no open order
    with_emu(body, rate_limit=None)


# ---------------------------------------------------------------- limits and faults
def test_spot_pool_weights_and_429() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await ok(ws, "spot.order", limit(clientOid="p-1"))
            r = await ok(ws, "spot.cancel", {"symbol": "BTC-USDT", "clientOid": "p-1"})
            assert r["userRateLimit"]["remaining"] == 10 - 1 - 1
            await ok(ws, "margin.order", margin(clientOid="p-2"))
            r = await ok(ws, "margin.cancel", {"symbol": "BTC-USDT", "clientOid": "p-2"})
            assert r["userRateLimit"]["remaining"] == 10 - 1 - 1 - 2 - 2
            await ok(ws, "spot.order", limit(clientOid="p-3"))
            await ok(ws, "spot.order", limit(clientOid="p-4"))
            await ok(ws, "spot.order", limit(clientOid="p-5"))
            r = await request(ws, "margin.order", margin(clientOid="p-6"))
            assert r["code"] == "429000" and r["userRateLimit"]["remaining"] == 0
            r = await ok(ws, "spot.cancel", {"symbol": "BTC-USDT", "clientOid": "p-3"})
            assert r["userRateLimit"]["remaining"] == 0
            # The futures pool is another one.
            assert (await request(ws, "futures.order", order()))["code"] == "200000"
    with_emu(body, spot_rate_limit=10, rate_limit=100)


def test_fault_switches_apply_to_spot_ops() -> None:
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            ex.faults.rate_limit_fraction = 1.0
            r = await request(ws, "spot.order", limit())
            assert r["code"] == "429000" and r["userRateLimit"]["limit"] == 4000
            assert ex.spot_open_orders() == []
            ex.faults.rate_limit_fraction = 0.0
            ex.faults.drop_fraction = 1.0
            await ws.send(json.dumps({"id": "d", "op": "spot.order", "args": limit()}))
            with pytest.raises(asyncio.TimeoutError):
                await recv_json(ws, timeout=0.3)
            assert len(ex.spot_open_orders()) == 1  # executed, reply dropped
            ex.faults.drop_fraction = 0.0
            ex.faults.latency_ms = 50
            t0 = asyncio.get_running_loop().time()
            await ok(ws, "spot.cancel", {"symbol": "BTC-USDT",
                                         "orderId": ex.spot_open_orders()[0].order_id})
            assert asyncio.get_running_loop().time() - t0 >= 0.045
            ex.faults.latency_ms = 0
            ex.faults.close_after = ex.counters.requests + 1
            await ws.send(json.dumps({"id": "z", "op": "spot.order", "args": market()}))
            await closed(ws)
    with_emu(body)


def test_spot_and_futures_share_a_socket() -> None:
    """Open question 11: the unified endpoint serves every op on any socket."""
    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            await ws.send(json.dumps({"id": "f", "op": "futures.order", "args": order()}))
            await ws.send(json.dumps({"id": "s", "op": "spot.order", "args": market()}))
            await ws.send(json.dumps({"id": "m", "op": "margin.order",
                                      "args": margin(clientOid="m-1")}))
            replies = {r["id"]: r for r in [await recv_json(ws) for _ in range(3)]}
            assert {k: v["code"] for k, v in replies.items()} == \
                {"f": "200000", "s": "200000", "m": "200000"}
            assert replies["f"]["data"]["orderId"].isdigit()
            assert HEX24.match(replies["s"]["data"]["orderId"])
    with_emu(body)


def test_accounts_are_separate() -> None:
    other = Account("other-key", ACCOUNT.api_secret, ACCOUNT.api_passphrase)

    async def body(ex: Emulator) -> None:
        ex.set_balance("USDT", "0", account=other)
        async with session(ex) as ws:
            await ok(ws, "spot.order", limit())
        async with session(ex, key="other-key") as ws2:
            r = await request(ws2, "spot.order", limit())
            assert r["code"] == "200004"
        assert len(ex.spot_open_orders(ACCOUNT)) == 1
        assert ex.spot_open_orders(other) == []
        with pytest.raises(ValueError, match="unknown wallet"):
            ex.set_balance("USDT", "1", wallet="isolated:DOGE-USDT")
    with_emu(body, accounts=[ACCOUNT, other])

"""WebsocketAPIClient's spot and margin methods end to end against kucoin_fast.emulator
over real loopback sockets, on both implementations and both loops; and spot replies
fed straight into the dispatcher (``rateLimit`` and ``userRateLimit``, typed errors)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from kf_spot_cases import RULE_CASES, limit, margin, market
from test_client_dispatch import Harness
from test_client_emulator import emulator, eventually, make_client

from kucoin_fast import (
    WS_KEY_MAP,
    ConnectionLostError,
    DuplicateClientOidError,
    InsufficientBalanceError,
    InsufficientMarginError,
    InvalidOrderError,
    InvalidParamsError,
    MarginOrderResult,
    OrderNotCancelableError,
    RateLimit,
    RateLimitError,
    SpotModifyResult,
    SpotOrderState,
    WebsocketAPIClient,
)

SPOT = WS_KEY_MAP.wsApiSpotV1
BTC = "BTC-USDT"

NODE_NAMES = {"submitNewSpotOrder": "submit_new_spot_order",
              "modifySpotOrder": "modify_spot_order", "cancelSpotOrder": "cancel_spot_order",
              "submitSyncSpotOrder": "submit_sync_spot_order",
              "cancelSyncSpotOrder": "cancel_sync_spot_order",
              "submitMarginOrder": "submit_margin_order",
              "cancelMarginOrder": "cancel_margin_order"}


def test_node_aliases() -> None:
    for node, ours in NODE_NAMES.items():
        assert getattr(WebsocketAPIClient, node) is getattr(WebsocketAPIClient, ours)


def test_every_spot_and_margin_op(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator(rate_limit=2000) as ex, make_client(ex) as client:
            r = await client.submit_new_spot_order(limit(clientOid="s-1"))
            assert type(r) is client_impl.WSAPIResponse and r.ok and r.op == "spot.order"
            assert r.ws_key == SPOT and r.data["clientOid"] == "s-1"
            # Its own socket, as in the Node SDK (``async with`` opened the futures one).
            assert client.connection(SPOT).is_ready
            assert client.connection(SPOT) is not client.connection(WS_KEY_MAP.wsApiFuturesV1)
            assert ex.counters.sessions_authenticated == 2
            m = await client.modify_spot_order({"symbol": BTC, "clientOid": "s-1",
                                                "newPrice": "40000"})
            assert isinstance(m, SpotModifyResult) and m.client_oid == "s-1"
            assert m.new_order_id and m.new_order_id != r.data["orderId"]
            assert type(m.response) is client_impl.WSAPIResponse
            assert m.response.op == "spot.modify"
            c = await client.cancel_sync_spot_order({"symbol": BTC, "orderId": m.new_order_id})
            assert isinstance(c, SpotOrderState) and c.is_done and not c.is_open
            assert (c.order_id, c.canceled_size, c.deal_size, c.remain_size) == \
                (m.new_order_id, "0.001", "0", "0")
            assert c.response.rate_limit is not None  # cancels carry userRateLimit
            s = await client.submit_sync_spot_order(market(size=None, funds="100"))
            assert s.is_done and s.origin_funds == "100" and s.deal_size
            assert isinstance(s.order_time, int) and s.match_time >= s.order_time
            o = await client.submitSyncSpotOrder(limit(clientOid="s-2"))  # Node alias
            assert o.is_open and o.remain_size == "0.001"
            x = await client.cancel_spot_order({"symbol": BTC, "clientOid": "s-2"})
            assert x.data == {"clientOid": "s-2"} and x.op == "spot.cancel"
            ex.set_balance("USDT", "10", wallet="margin")
            mo = await client.submit_margin_order(margin(clientOid="m-1", autoBorrow=True))
            assert isinstance(mo, MarginOrderResult) and mo.client_oid == "m-1"
            assert (mo.borrow_size, len(mo.loan_apply_id or "")) == ("40", 24)
            y = await client.cancelMarginOrder({"symbol": BTC, "orderId": mo.order_id})
            assert y.data == {"orderId": mo.order_id}
            plain = await client.submit_margin_order(margin(clientOid="m-2", size="0.0001"))
            assert plain.borrow_size is None and plain.loan_apply_id is None
            assert client.stats(SPOT)["pending"] == 0
            batch = await client.cancel_multiple_futures_orders({"orderIdsList": ["1", "2"]})
            for result in (m, c, s, o, mo, plain, batch):  # the envelope on every result
                reply = result.response
                assert (result.code, result.msg, result.id, result.op, result.in_time,
                        result.out_time, result.rate_limit, result.ws_key) == \
                    (reply.code, reply.msg, reply.id, reply.op, reply.in_time,
                     reply.out_time, reply.rate_limit, reply.ws_key)
                assert result.code == "200000" and result.in_time is not None
            spot, futures = client.stats(SPOT), client.stats(WS_KEY_MAP.wsApiFuturesV1)
            every = client.stats()
            assert every["connections"] == 2 and spot["connections"] == 1
            assert every["replies"] == spot["replies"] + futures["replies"] == 9 + 1
    arun(main())


def test_spot_errors_map_to_the_hierarchy(arun: Any) -> None:
    async def main() -> None:
        async with emulator(rate_limit=2000) as ex, make_client(ex) as client:
            await client.submit_new_spot_order(market(clientOid="d-1"))
            with pytest.raises(DuplicateClientOidError) as dup:
                await client.submit_new_spot_order(market(clientOid="d-1"))
            assert dup.value.code == "400100" and isinstance(dup.value, InvalidOrderError)
            ex.set_balance("USDT", "1")
            with pytest.raises(InsufficientBalanceError) as bal:
                await client.submit_new_spot_order(limit(clientOid="b-1"))
            assert isinstance(bal.value, InsufficientMarginError)
            assert (bal.value.code, bal.value.msg, bal.value.client_oids) == \
                ("200004", "Balance insufficient!", ("b-1",))
            ex.set_balance("USDT", "1", wallet="margin")
            with pytest.raises(InsufficientBalanceError) as mbal:
                await client.submit_margin_order(margin(clientOid="b-2"))
            assert mbal.value.code == "130105" and mbal.value.op == "margin.order"
            with pytest.raises(OrderNotCancelableError) as nc:
                await client.cancel_spot_order({"symbol": BTC, "orderId": "nope"})
            assert nc.value.code == "400100" and nc.value.rate_limit is not None
            with pytest.raises(OrderNotCancelableError):
                await client.cancel_sync_spot_order({"symbol": BTC, "clientOid": "nope"})
            with pytest.raises(OrderNotCancelableError):
                await client.modify_spot_order({"symbol": BTC, "orderId": "x", "newSize": "1"})
            with pytest.raises(InvalidOrderError) as sym:
                await client.submit_new_spot_order(limit(symbol="DOGE-USDT"))
            assert sym.value.code == "900001"
            with pytest.raises(InvalidOrderError) as inc:
                await client.submit_new_spot_order(limit(price="50000.05"))
            assert inc.value.msg == "Price increment invalid."
            ex.faults.rate_limit_fraction = 1.0
            with pytest.raises(RateLimitError) as rl:
                await client.submit_new_spot_order(market(side="sell"))
            assert rl.value.reset_ms is not None and rl.value.op == "spot.order"
    arun(main())


def test_every_rule_raises_before_sending(client_impl: Any, arun: Any) -> None:
    methods = {"spot.order": "submit_new_spot_order", "spot.sync_order": "submit_sync_spot_order",
               "margin.order": "submit_margin_order", "spot.cancel": "cancel_spot_order",
               "spot.sync_cancel": "cancel_sync_spot_order",
               "margin.cancel": "cancel_margin_order", "spot.modify": "modify_spot_order"}

    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            await client.connect(SPOT)
            for case in RULE_CASES:
                with pytest.raises(InvalidParamsError) as info:
                    await getattr(client, methods[case.op])(case.args)
                err = info.value
                assert (err.code, err.field, err.op) == (case.code, case.field, case.op)
                assert case.rule in err.rule and not err.sent
            await asyncio.sleep(0.05)
            assert ex.counters.requests == 0 and client.stats(SPOT)["pending"] == 0
    arun(main())


def test_prepared_spot_order_and_callbacks(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            await client.connect(SPOT)
            results: list[Any] = []
            tpl = client.prepare_spot_order(limit(clientOid="tpl"))
            assert (tpl.op, tpl.size_field, tpl.ws_key) == ("spot.order", "size", SPOT)
            tpl.send("40000", "0.002", "p-1", results.append)
            tpl.send("40000.1", "0.003", "p-2", results.append)
            with pytest.raises(InvalidParamsError) as bad:
                tpl.send(None, "0.001", "p-3", results.append)  # limit needs a price
            assert bad.value.op == "spot.order" and bad.value.field == "price"
            funds = client.prepare_spot_order(market(size=None, funds="10"))
            funds.send(None, "20", "p-4", results.append)
            client.request_with_callback("spot.cancel", {"symbol": BTC, "clientOid": "p-1"},
                                         results.append, ws_key=SPOT)
            await eventually(lambda: len(results) == 4)
            assert all(type(x) is client_impl.WSAPIResponse and x.ok for x in results), results
            assert [x.op for x in results] == ["spot.order"] * 3 + ["spot.cancel"]
            assert [o.client_oid for o in ex.spot_open_orders()] == ["p-2"]
            assert ex.spot_open_orders()[0].size == ex.spot_open_orders()[0].size.__class__(
                "0.003")
    arun(main())


def test_unknown_outcome_of_a_spot_order_is_recorded_not_resent(client_impl: Any,
                                                                arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, auto_reconnect=False)
            await client.connect(SPOT)
            ex.faults.close_after = 1
            with pytest.raises(ConnectionLostError) as info:
                await client.submit_new_spot_order(limit(clientOid="u-1"))
            assert info.value.sent and info.value.outcome_unknown
            assert info.value.op == "spot.order" and info.value.client_oids == ("u-1",)
            assert client.unknown_client_oids() == ["u-1"]
            assert [o.client_oid for o in ex.spot_open_orders()] == ["u-1"]  # it executed
            assert ex.counters.requests == 1  # never re-sent
            ex.faults.close_after = None
            await client.close()
            # A prepared spot send that dies records its op as sent.
            client = make_client(ex, auto_reconnect=False)
            await client.connect(SPOT)
            errors: list[Any] = []
            ex.faults.close_after = 1
            client.prepare_spot_order(market()).send(None, "0.001", "u-2", errors.append)
            await eventually(lambda: bool(errors))
            assert isinstance(errors[0], ConnectionLostError) and errors[0].op == "spot.order"
            assert errors[0].client_oids == ("u-2",)
            await client.close()
    arun(main())


def test_spot_methods_on_the_futures_socket(arun: Any) -> None:
    """One socket may carry both (the emulator's answer to open question 11)."""
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            futures = WS_KEY_MAP.wsApiFuturesV1
            r = await client.submit_new_spot_order(market(), ws_key=futures)
            f = await client.submit_futures_order({"clientOid": "f-1", "side": "buy",
                                                   "symbol": "XBTUSDTM", "type": "market",
                                                   "size": 1})
            assert r.ws_key == f.ws_key == futures and client.connection(SPOT) is None
            assert ex.counters.sessions_authenticated == 1
            assert [i.status for i in ex.account_state().history] == \
                ["filled"]
    arun(main())


SPOT_OK = ('{"id":"%d","op":"spot.sync_order","code":"200000","data":{"orderId":"6720","clientOid":'
           '"c","orderTime":"1729174140586","originSize":"0.00001","dealSize":"0","remainSize":'
           '"0.00001","canceledSize":"0","status":"open","matchTime":1729174140588},"inTime":1,'
           '"outTime":2,"rateLimit":{"limit":1600,"reset":15244,"remaining":1528}}')
SPOT_ERR = ('{"msg":"Balance insufficient!","code":"200004","op":"spot.order","id":"%d",'
            '"outTime":3,"inTime":3,"userRateLimit":{"remaining":9,"limit":10,"reset":5}}')


def test_spot_replies_through_the_dispatcher(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.handshake()
        f1 = h.conn.request("spot.sync_order", limit(clientOid="c"))
        f2 = h.conn.request("spot.order", market(clientOid="e-1"))
        assert h.sent()[0]["op"] == "spot.sync_order"
        h.feed(SPOT_OK % 1)
        h.feed(SPOT_ERR % 2)  # keys in NODE's logged order
        r = await f1
        assert r.op == "spot.sync_order" and r.rate_limit == RateLimit(1600, 1528, 15244)
        state = SpotOrderState.from_response(r)
        assert (state.status, state.order_time, state.match_time, state.origin_size) == \
            ("open", 1729174140586, 1729174140588, "0.00001")  # a string time is read too
        with pytest.raises(InsufficientBalanceError) as e2:
            await f2
        assert e2.value.rate_limit == RateLimit(10, 9, 5) and e2.value.client_oids == ("e-1",)
        assert json.loads(SPOT_ERR % 2)["op"] == e2.value.op
        h.conn.close()
    arun(main())

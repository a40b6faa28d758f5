"""Typed results of accepted replies with hostile members: a test gateway over a real
socket answers every op with ``code 200000`` and the data under test; the typed result
never raises, reads what parses and names the rest in ``unparsed``. Then the wrappers
alone, over many hostile values (hypothesis)."""
from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kf_helpers import KEY, PASSPHRASE, SECRET
from picows import WSListener, WSMsgType, ws_create_server

from kucoin_fast import (
    BatchResult,
    MarginOrderResult,
    SpotModifyResult,
    SpotOrderState,
    WebsocketAPIClient,
)
from kucoin_fast._sign import sign_challenge

CHALLENGE = b'{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc","timestamp":1742175983882}'
WELCOME = b'{"sessionId":"92f2aec4","data":"welcome","pingInterval":18000,"pingTimeout":10000}'
BIG_DIGITS = "1" * 5000


class _Gateway(WSListener):
    """Handshake like KuCoin, then answer each request with success and ``data[op]``
    (raw JSON text, so values no JSON library would write can be sent)."""

    def __init__(self, data: dict[str, str]) -> None:
        super().__init__()
        self.data = data
        self.ready = False

    def on_ws_connected(self, transport: Any) -> None:
        transport.send(WSMsgType.TEXT, CHALLENGE)

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()
            return
        payload = frame.get_payload_as_bytes()
        if not self.ready:
            assert payload == sign_challenge(SECRET.encode(), CHALLENGE)
            self.ready = True
            transport.send(WSMsgType.TEXT, WELCOME)
            return
        doc = json.loads(payload)
        if doc["op"] == "ping":
            transport.send(WSMsgType.TEXT, json.dumps({"id": doc["id"], "op": "pong"}).encode())
            return
        reply = (f'{{"id":"{doc["id"]}","op":"{doc["op"]}","code":"200000",'
                 f'"data":{self.data[doc["op"]]},"inTime":1,"outTime":2}}')
        transport.send(WSMsgType.TEXT, reply.encode())


SPOT = {"clientOid": "tr-1", "side": "buy", "symbol": "BTC-USDT", "type": "limit",
        "price": "30000", "size": "0.001"}
HOSTILE = {
    "spot.sync_order": ('{"orderId":"6720","clientOid":"tr-1","status":"open",'
                        '"orderTime":"\u00b2","matchTime":"' + BIG_DIGITS + '",'
                        '"originSize":{"x":1},"dealSize":"0","remainSize":[1]}'),
    "spot.sync_cancel": '{"orderId":7,"status":"done","orderTime":-5,"matchTime":1.5e12}',
    "spot.modify": '{"newOrderId":true,"clientOid":"tr-1"}',
    "margin.order": '{"orderId":"m1","clientOid":"tr-1","borrowSize":null,"loanApplyId":[]}',
    "futures.multi_order": ('[{"code":"200000","orderId":"o1","clientOid":"a","symbol":'
                            '"XBTUSDTM"},{"code":{"a":1},"msg":false,"orderId":"o2"},"junk"]'),
}


async def _hostile_replies() -> dict[str, Any]:
    server = await ws_create_server(lambda request: _Gateway(HOSTILE), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE,
                                ws_url=f"ws://127.0.0.1:{port}/v1/private",
                                request_timeout=5.0, connect_timeout=5.0)
    try:
        return {
            "sync_order": await client.submit_sync_spot_order(SPOT),
            "sync_cancel": await client.cancel_sync_spot_order(
                {"symbol": "BTC-USDT", "clientOid": "tr-1"}),
            "modify": await client.modify_spot_order(
                {"symbol": "BTC-USDT", "clientOid": "tr-1", "newPrice": "30001"}),
            "margin": await client.submit_margin_order(SPOT),
            "batch": await client.submit_multiple_futures_orders(
                [{"clientOid": "a", "side": "buy", "symbol": "XBTUSDTM", "type": "market",
                  "size": 1}]),
        }
    finally:
        await client.close()
        server.close()
        await server.wait_closed()


def test_accepted_replies_with_hostile_members_never_raise(client_impl: Any, arun: Any) -> None:
    got = arun(_hostile_replies())
    state = got["sync_order"]
    assert isinstance(state, SpotOrderState) and state.is_open
    assert (state.order_id, state.order_time, state.match_time) == ("6720", None, None)
    assert state.unparsed == ("originSize", "remainSize", "orderTime", "matchTime")
    assert state.response.data["orderTime"] == "\u00b2"  # the raw value is kept
    cancel = got["sync_cancel"]
    assert (cancel.order_id, cancel.is_done, cancel.order_time, cancel.match_time) == \
        ("7", True, None, None)
    assert cancel.unparsed == ("orderTime", "matchTime")
    modify = got["modify"]
    assert (modify.new_order_id, modify.client_oid, modify.unparsed) == \
        (None, "tr-1", ("newOrderId",))
    margin = got["margin"]
    assert (margin.order_id, margin.borrow_size, margin.unparsed) == ("m1", None, ("loanApplyId",))
    batch = got["batch"]
    assert isinstance(batch, BatchResult) and len(batch) == 3 and not batch.ok
    assert [item.unparsed for item in batch] == [(), ("code", "msg"), ()]
    assert [item.ok for item in batch] == [True, False, False]
    assert batch[2].raw == "junk"


# -------------------------------------------------------- the wrappers alone
_hostile = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(),
    st.sampled_from([10**4000, -(10**4000), 2**63, -1, "\u00b2", "\u0661\u0662", BIG_DIGITS,
                     "", " 1", "1.5", "+1", "-1", "0x1f", "\uff11"]),
    st.text(max_size=30), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
_MEMBERS = ["orderId", "clientOid", "status", "originSize", "dealSize", "remainSize",
            "canceledSize", "originFunds", "dealFunds", "remainFunds", "canceledFunds",
            "orderTime", "matchTime", "newOrderId", "borrowSize", "loanApplyId", "code", "msg",
            "symbol"]
_data = st.one_of(_hostile, st.dictionaries(st.sampled_from(_MEMBERS), _hostile, max_size=10))


def _check(result: Any, data: Any, texts: dict[str, str], times: tuple[str, ...] = ()) -> None:
    """Every typed member is None, or of its type and read from the member; what is present
    but read as None is listed in ``unparsed``."""
    get = data.get if isinstance(data, dict) else {}.get
    for attr, member in texts.items():
        value = getattr(result, attr)
        assert value is None or type(value) is str
        assert (value is None and get(member) is not None) == (member in result.unparsed)
    for member in times:
        value = getattr(result, "order_time" if member == "orderTime" else "match_time")
        assert value is None or (type(value) is int and 0 <= value < 1 << 63)
        assert (value is None and get(member) is not None) == (member in result.unparsed)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=_data)
def test_typed_results_never_raise_on_hostile_data(data: Any) -> None:
    response = SimpleNamespace(data=data)
    state = SpotOrderState.from_response(response)
    _check(state, data, {"order_id": "orderId", "status": "status", "deal_size": "dealSize",
                         "canceled_funds": "canceledFunds"}, ("orderTime", "matchTime"))
    _check(SpotModifyResult.from_response(response), data,
           {"new_order_id": "newOrderId", "client_oid": "clientOid"})
    _check(MarginOrderResult.from_response(response), data,
           {"borrow_size": "borrowSize", "loan_apply_id": "loanApplyId"})
    batch = BatchResult.from_response(SimpleNamespace(data=[data, data]))
    assert len(batch) == 2
    for item in batch:
        _check(item, data, {"code": "code", "msg": "msg", "symbol": "symbol"})
    whole = BatchResult.from_response(response)
    if isinstance(data, list):
        assert whole.unparsed == () and len(whole) == len(data)
    else:
        assert whole.unparsed == ("data",) and len(whole) == 0 and not whole.ok

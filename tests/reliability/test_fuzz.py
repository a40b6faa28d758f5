"""Scenarios 10-12 fuzzed: hypothesis-generated malformed, truncated, oversized and
wrongly typed frames.

* fed to the dispatcher (both implementations) through picows' ``_make_test_ws_frame``
  and a recording transport: nothing escapes ``on_ws_frame``, the request always
  ends (reply, API error or connection loss), the pending table empties;
* sent by a small picows server over a real socket to the real client (plain; the TLS
  matrix of the same frames is covered by test_transport_faults): zero crashes, zero
  hangs (every call ends within a generous bound);
* accepted replies whose data members are of hostile types and values: the typed
  results never raise.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from picows import WSListener, WSMsgType, ws_create_server
from picows.picows import WSTransport, _make_test_ws_frame
from rel_helpers import IMPLS, KEY, MARKET, PASSPHRASE, SECRET, run_on

from kucoin_fast import BatchResult, KucoinError, SpotOrderState, WebsocketAPIClient
from kucoin_fast._core.sign import sign_challenge

CHALLENGE = b'{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc","timestamp":1742175983882}'
WELCOME = b'{"sessionId":"92f2aec4","data":"welcome","pingInterval":18000,"pingTimeout":10000}'
OK_REPLY = ('{{"id":"{id}","op":"futures.order","code":"200000","data":{{"orderId":"1",'
            '"clientOid":"mkt-1"}},"inTime":1,"outTime":2}}')

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                     st.floats(allow_nan=False), st.text(max_size=20))
_json = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
_keys = st.sampled_from(["id", "op", "code", "msg", "data", "inTime", "outTime",
                         "userRateLimit", "rateLimit", "sessionId", "pingInterval",
                         "pingTimeout", "timestamp"])
_ids = st.one_of(st.sampled_from(["1", "2", "0", "01", "-1", "ping-1", "ping-", "ping-x",
                                  "99999999999999999999", "1 ", "\u0661"]), _json)
_codes = st.one_of(st.sampled_from(["200000", "429000", "400100", "501000", "", "2e5"]), _json)
_rate = st.one_of(_json, st.fixed_dictionaries(
    {}, optional={"limit": _json, "remaining": _json, "reset": _json}))
_docs = st.dictionaries(_keys, _json, max_size=6).flatmap(lambda base: st.fixed_dictionaries(
    {}, optional={"id": _ids, "code": _codes, "userRateLimit": _rate, "op": _json}).map(
    lambda extra: {**base, **extra}))


@st.composite
def _payloads(draw: Any) -> bytes:
    kind = draw(st.sampled_from(["doc", "truncated", "bytes", "big", "nested", "json"]))
    if kind == "bytes":
        return bytes(draw(st.binary(max_size=200)))
    if kind == "json":
        return json.dumps(draw(_json)).encode()
    if kind == "nested":
        depth = draw(st.integers(1, NESTED_MAX))
        return b"[" * depth + b"]" * draw(st.integers(0, depth))
    text = json.dumps(draw(_docs)).encode()
    if kind == "truncated":
        return text[:draw(st.integers(0, max(0, len(text) - 1)))]
    if kind == "big":
        return text[:-1] + b',"pad":"' + b"x" * draw(st.integers(1, 300_000)) + b'"}'
    return text


#: Depth of the "nested" payloads (deeper than the Python twin's recursion limit).
NESTED_MAX = int(os.environ.get("KF_FUZZ_NESTED_MAX", "3000"))

_msg_types = st.sampled_from([WSMsgType.TEXT] * 6 + [WSMsgType.BINARY, WSMsgType.CONTINUATION,
                                                     WSMsgType.PING, WSMsgType.PONG])
_frames = st.tuples(_msg_types, _payloads(), st.sampled_from([True, True, True, False]))


class _Sock:
    def fileno(self) -> int:
        return -1


class _Recording:
    def __init__(self) -> None:
        self.closed = False

    def write(self, data: Any) -> None:
        pass

    def writelines(self, data: Any) -> None:  # picows' pong to a large ping
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return _Sock() if name == "socket" else default

    def close(self) -> None:
        self.closed = True

    abort = close

    def is_closing(self) -> bool:
        return self.closed


async def _dispatch_case(impl: Any, frames: list[tuple[Any, bytes, bool]], ready: bool) -> None:
    loop = asyncio.get_running_loop()
    lost: list[Any] = []
    conn = impl.Connection(loop, ws_key="wsApiFuturesV1", secret=SECRET.encode(),
                                    request_timeout=30.0,
                                    on_lost=lambda c, reason: lost.append(reason))
    transport = WSTransport(False, _Recording(), logging.getLogger("test.fuzz"), loop)
    conn.on_ws_connected(transport)
    fut = None
    if ready:
        conn.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.TEXT, CHALLENGE, True, False))
        conn.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.TEXT, WELCOME, True, False))
        assert conn.is_ready
        fut = conn.request("futures.order", MARKET)
    for msg_type, payload, fin in frames:
        conn.on_ws_frame(transport, _make_test_ws_frame(msg_type, payload, fin, False))
    if ready:
        if conn.is_ready:
            conn.on_ws_frame(transport, _make_test_ws_frame(
                WSMsgType.TEXT, OK_REPLY.format(id=1).encode(), True, False))
            assert fut is not None and fut.done()  # by a fuzz frame or by the real reply
        else:
            assert fut is not None and fut.done()
        assert conn.pending_count == 0
        if fut.done() and not fut.cancelled() and fut.exception() is not None:
            assert isinstance(fut.exception(), KucoinError)
    conn.abort("fuzz case over")
    assert conn.pending_count == 0
    done = conn.handshake_done
    if done.done() and not done.cancelled():
        exc = done.exception()
        assert exc is None or isinstance(exc, KucoinError), exc


@pytest.mark.parametrize("impl", IMPLS, ids=[i.name for i in IMPLS])
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(frames=st.lists(_frames, min_size=1, max_size=8), ready=st.booleans())
def test_fuzz_dispatcher(impl: Any, loop_kind: str, frames: list[Any], ready: bool) -> None:
    run_on(loop_kind, _dispatch_case(impl, frames, ready))


# ---------------------------------------------------------------- real socket
class _Gateway(WSListener):
    """Handshake like KuCoin and answer pings; each request goes to :meth:`answer`."""

    def __init__(self) -> None:
        super().__init__()
        self.state = 0
        self.transport: Any = None

    def on_ws_connected(self, transport: Any) -> None:
        self.transport = transport
        transport.send(WSMsgType.TEXT, CHALLENGE)

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()
            return
        if frame.msg_type != WSMsgType.TEXT:
            return
        payload = frame.get_payload_as_bytes()
        if self.state == 0:
            assert payload == sign_challenge(SECRET.encode(), CHALLENGE)
            self.state = 1
            transport.send(WSMsgType.TEXT, WELCOME)
            return
        doc = json.loads(payload)
        if doc.get("op") == "ping":
            transport.send(WSMsgType.TEXT, json.dumps({"id": doc["id"], "op": "pong"}).encode())
            return
        self.answer(transport, doc)

    def answer(self, transport: Any, doc: dict[str, Any]) -> None:
        raise NotImplementedError


class _FuzzServer(_Gateway):
    """Answer each request with the fuzz frames followed by the real reply."""

    def __init__(self, frames: list[tuple[Any, bytes, bool]]) -> None:
        super().__init__()
        self.frames = frames

    def answer(self, transport: Any, doc: dict[str, Any]) -> None:
        for msg_type, data, fin in self.frames:
            transport.send(msg_type, data, fin)
        transport.send(WSMsgType.TEXT, OK_REPLY.format(id=doc["id"]).encode())


async def _socket_case(frames: list[tuple[Any, bytes, bool]]) -> None:
    server = await ws_create_server(lambda request: _FuzzServer(frames), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url=f"ws://127.0.0.1:{port}/v1/private",
                                request_timeout=5.0, connect_timeout=5.0,
                                max_frame_size=256 * 1024)
    try:
        for i in range(2):
            try:
                result = await asyncio.wait_for(client.submit_futures_order(
                    dict(MARKET, clientOid=f"fz-{i}")), 20)
                assert result.code is not None
            except KucoinError:
                pass  # an API error from a fuzz frame, or the connection was dropped
        assert client.stats().get("pending", 0) == 0
    finally:
        await client.close()
        server.close()
        await server.wait_closed()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(frames=st.lists(_frames, min_size=1, max_size=5))
def test_fuzz_over_a_real_socket(loop_kind: str, frames: list[Any]) -> None:
    run_on(loop_kind, _socket_case(frames), timeout=60)


# ------------------------------------- typed results of accepted, hostile replies
class _AcceptingServer(_Gateway):
    """Answer every request with success and ``data[op]`` (raw JSON text, so values no
    JSON library would write can be sent)."""

    def __init__(self, data: dict[str, str]) -> None:
        super().__init__()
        self.data = data

    def answer(self, transport: Any, doc: dict[str, Any]) -> None:
        reply = (f'{{"id":"{doc["id"]}","op":"{doc["op"]}","code":"200000",'
                 f'"data":{self.data[doc["op"]]},"inTime":1,"outTime":2}}')
        transport.send(WSMsgType.TEXT, reply.encode())


SPOT = {"clientOid": "tr-1", "side": "buy", "symbol": "BTC-USDT", "type": "limit",
        "price": "30000", "size": "0.001"}
HOSTILE_DATA = {
    "spot.sync_order": ('{"orderId":"6720","clientOid":"tr-1","status":"open",'
                        '"orderTime":"\u00b2","matchTime":"' + "1" * 5000 + '",'
                        '"originSize":{"x":1},"dealSize":"0","remainSize":[1]}'),
    "spot.sync_cancel": '{"orderId":7,"status":"done","orderTime":-5,"matchTime":1.5e12}',
    "spot.modify": '{"newOrderId":true,"clientOid":"tr-1"}',
    "margin.order": '{"orderId":"m1","clientOid":"tr-1","borrowSize":null,"loanApplyId":[]}',
    "futures.multi_order": ('[{"code":"200000","orderId":"o1","clientOid":"a","symbol":'
                            '"XBTUSDTM"},{"code":{"a":1},"msg":false,"orderId":"o2"},"junk"]'),
}


async def _hostile_replies() -> dict[str, Any]:
    server = await ws_create_server(lambda request: _AcceptingServer(HOSTILE_DATA),
                                    "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url=f"ws://127.0.0.1:{port}/v1/private",
                                request_timeout=5.0, connect_timeout=5.0)
    try:
        return {
            "sync_order": await client.submit_sync_spot_order(SPOT),
            "sync_cancel": await client.cancel_sync_spot_order(
                {"symbol": "BTC-USDT", "clientOid": "tr-1"}),
            "modify": await client.modify_spot_order(
                {"symbol": "BTC-USDT", "clientOid": "tr-1", "newPrice": "30001"}),
            "margin": await client.submit_margin_order(SPOT),
            "batch": await client.submit_multiple_futures_orders([MARKET]),
        }
    finally:
        await client.close()
        server.close()
        await server.wait_closed()


def test_accepted_replies_with_hostile_members_never_raise(client_impl: Any, arun: Any) -> None:
    """A reply KuCoin accepted never turns into an exception: what does not parse reads
    as None, is named in ``unparsed`` and stays in ``response.data``."""
    got = arun(_hostile_replies())
    state = got["sync_order"]
    assert isinstance(state, SpotOrderState) and state.is_open
    assert (state.order_id, state.order_time, state.match_time) == ("6720", None, None)
    assert state.unparsed == ("originSize", "remainSize", "orderTime", "matchTime")
    assert state.response.data["orderTime"] == "\u00b2"
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


# ------------------------------------------------- scenario 8 (property test)
async def _reorder_case(impl: Any, order: list[int], duplicates: list[int]) -> None:
    loop = asyncio.get_running_loop()
    conn = impl.Connection(loop, ws_key="wsApiFuturesV1", secret=SECRET.encode(),
                                    request_timeout=30.0)
    transport = WSTransport(False, _Recording(), logging.getLogger("test.fuzz"), loop)
    conn.on_ws_connected(transport)
    conn.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.TEXT, CHALLENGE, True, False))
    conn.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.TEXT, WELCOME, True, False))
    n = len(order)
    futures = [conn.request("futures.order", dict(MARKET, clientOid=f"c{i}")) for i in range(n)]
    for position, index in enumerate(order):
        frame = (f'{{"id":"{index + 1}","op":"futures.order","code":"200000",'
                 f'"data":{{"orderId":"o{index}","clientOid":"c{index}"}}}}').encode()
        conn.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.TEXT, frame, True, False))
        if position in duplicates:
            conn.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.TEXT, frame, True, False))
    for i, fut in enumerate(futures):
        assert fut.done() and fut.result().data["clientOid"] == f"c{i}"
    assert conn.pending_count == 0
    assert conn.stats()["duplicate_replies"] == len({d for d in duplicates if d < n})
    conn.abort("case over")


@pytest.mark.parametrize("impl", IMPLS, ids=[i.name for i in IMPLS])
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_s08_reordered_and_duplicated_replies_property(impl: Any, loop_kind: str,
                                                       data: Any) -> None:
    """8/9: any permutation of the replies (with any of them duplicated) reaches the
    right callers; duplicates are counted, never delivered."""
    n = data.draw(st.integers(1, 60))
    order = data.draw(st.permutations(range(n)))
    duplicates = data.draw(st.sets(st.integers(0, n - 1), max_size=n))
    run_on(loop_kind, _reorder_case(impl, list(order), sorted(duplicates)))

"""Dispatcher tests on both implementations and both loops, fed real KuCoin frames
(``kucoin-real-frames.json``) and malformed ones through picows' ``_make_test_ws_frame``.

The connection writes to a real picows ``WSTransport`` whose underlying asyncio
transport only records bytes, so no socket is involved here (the end-to-end tests
against the emulator are in ``test_client_emulator.py``).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import random
from typing import Any

import pytest
from kf_helpers import SECRET
from kf_shared import ws_frames
from picows import WSMsgType
from picows.picows import WSTransport, _make_test_ws_frame

from kucoin_fast import (
    AuthenticationError,
    ClientClosedError,
    ClockSkewError,
    ConnectError,
    ConnectionLostError,
    InsufficientMarginError,
    OrderNotCancelableError,
    RateLimit,
    RequestTimeoutError,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures",
                        "kucoin-real-frames.json")
if not os.path.exists(FIXTURES):
    FIXTURES = "/work/shared/fixtures/kucoin-real-frames.json"
with open(FIXTURES) as fh:
    REAL = {item["what"]: item["frame"] for item in json.load(fh)["ws_api_frames"]}
ORDER_OK = REAL["futures.order success, case 'success'"]
CANCEL_OK = REAL["futures.cancel by clientOid success, case 'success'"]
ORDER_ERR = REAL["error reply, case 'create_order'"]
CANCEL_ERR = REAL["error reply, case 'cancel_order'"]

CHALLENGE = b'{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc","timestamp":1742175983882}'
SPACED = b'{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc", "timestamp": 1742175983882}'
WELCOME = b'{"sessionId":"92f2aec4","data":"welcome","pingInterval":18000,"pingTimeout":10000}'
ORDER = {"clientOid": "mm-1", "side": "buy", "symbol": "XBTUSDTM", "type": "market", "size": 1}


class _Sock:
    def fileno(self) -> int:
        return -1  # picows' direct send() fails and falls back to transport.write


class RecordingTransport:
    """The asyncio transport under picows' WSTransport: records what is written."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def write(self, data: Any) -> None:
        self.data += bytes(data)

    def writelines(self, data: Any) -> None:
        for chunk in data:
            self.data += bytes(chunk)

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return _Sock() if name == "socket" else default

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def frames(self) -> list[bytes]:
        """Payloads of the frames written so far, unmasked."""
        return [payload for _, payload in self.masked_frames()]

    def masked_frames(self) -> list[tuple[bytes, bytes]]:
        """(mask key, unmasked payload) of every frame written so far."""
        return ws_frames(bytes(self.data))


class Harness:
    def __init__(self, impl: Any, **options: Any) -> None:
        loop = asyncio.get_running_loop()
        options.setdefault("request_timeout", 10.0)
        options.setdefault("coalesce_writes", False)  # every write visible at once
        self.lost: list[Any] = []
        self.conn = impl.Connection(
            loop, ws_key="wsApiFuturesV1", secret=SECRET.encode(),
            on_lost=lambda conn, reason: self.lost.append(reason), **options)
        self.raw = RecordingTransport()
        # is_client_side=False: picows' own frames (close) are not masked; the
        # connection frames and masks its frames itself, and frames() unmasks them.
        self.transport = WSTransport(False, self.raw, logging.getLogger("test.picows"), loop)
        self.conn.on_ws_connected(self.transport)

    def feed(self, payload: bytes | str, msg_type: Any = WSMsgType.TEXT, fin: bool = True) -> None:
        if isinstance(payload, str):
            payload = payload.encode()
        self.conn.on_ws_frame(self.transport, _make_test_ws_frame(msg_type, payload, fin, False))

    def handshake(self) -> None:
        self.feed(CHALLENGE)
        self.feed(WELCOME)
        assert self.conn.is_ready

    def sent(self) -> list[Any]:
        return [json.loads(p) for p in self.raw.frames()[1:]]  # [0] is the signature


def reply_for(frame: str, request_id: int) -> str:
    doc = json.loads(frame)
    return frame.replace(json.dumps(doc["id"]), json.dumps(str(request_id)), 1)


def test_handshake_signs_exact_bytes(impl: Any, arun: Any) -> None:
    async def main() -> None:
        for challenge, signature in ((CHALLENGE, b"YlyXaeOLNkRhkySA8tCko4XNIXl+F5Zh1/NHdIuYcT0="),
                                     (SPACED, b"RJ+RnuI2oLJBWseh+pF6rjROH03VL0Aop69RThyzHvE=")):
            h = Harness(impl)
            h.feed(challenge)
            assert h.raw.frames() == [signature]
            assert not h.conn.handshake_done.done()
            h.feed(WELCOME)
            assert h.conn.handshake_done.done() and h.conn.handshake_done.result() is None
            assert h.conn.is_ready and h.conn.session_id == "92f2aec4-d87e-47cc-917d-4e7c93911bdc"
            assert (h.conn.ping_interval, h.conn.ping_timeout) == (18.0, 10.0)
            h.conn.close()
    arun(main())


@pytest.mark.parametrize("frame,cls,code", [
    (b'{"code":"400003","msg":"KC-API-KEY not exists.","inTime":1741589088843,"outTime":1}',
     AuthenticationError, "400003"),
    (b'{"code":"400005","msg":"Invalid KC-API-SIGN."}', AuthenticationError, "400005"),
    (b'{"code":"400002","msg":"Invalid KC-API-TIMESTAMP.","inTime":1000}', ClockSkewError,
     "400002"),
])
def test_error_frame_instead_of_challenge(impl: Any, arun: Any, frame: bytes, cls: type,
                                          code: str) -> None:
    async def main() -> None:
        h = Harness(impl, url_timestamp_ms=7000)
        h.feed(frame)
        exc = h.conn.handshake_done.exception()
        assert type(exc) is cls and exc.code == code
        if cls is ClockSkewError:
            assert exc.clock_offset_ms == 6000 and "6000 ms ahead" in str(exc)
        assert h.conn.state == "closed" and h.raw.closed
    arun(main())


@pytest.mark.parametrize("first", [b"not json", b"[1]", WELCOME, b'{"hello":1}'])
def test_bad_first_frame_fails_handshake(impl: Any, arun: Any, first: bytes) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.feed(first)
        assert isinstance(h.conn.handshake_done.exception(), ConnectError)
    arun(main())


def test_session_verification_failure(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.feed(CHALLENGE)
        h.feed(b'{"code":"400011","msg":"Session verification failed."}')
        exc = h.conn.handshake_done.exception()
        assert isinstance(exc, AuthenticationError) and exc.code == "400011"
    arun(main())


def test_real_frames_resolve_requests(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.handshake()
        f1 = h.conn.request("futures.order", ORDER)
        f2 = h.conn.request("futures.cancel", {"clientOid": "mm-1", "symbol": "XBTUSDTM"})
        f3 = h.conn.request("futures.order", dict(ORDER, clientOid="mm-3"))
        f4 = h.conn.request("futures.cancel", {"orderId": "403371203999346688"})
        assert [m["id"] for m in h.sent()] == ["1", "2", "3", "4"]
        assert h.sent()[0] == {"id": "1", "op": "futures.order", "args": ORDER}
        h.feed(reply_for(CANCEL_ERR, 4))
        h.feed(reply_for(ORDER_OK, 1))
        h.feed(reply_for(ORDER_ERR, 3))
        h.feed(reply_for(CANCEL_OK, 2))
        r1 = await f1
        assert (r1.id, r1.op, r1.code, r1.msg) == ("1", "futures.order", "200000", None)
        assert r1.data == {"orderId": "403371203999346688", "clientOid": "IAACgxI9hU0AAQAAAAAA"}
        assert (r1.in_time, r1.out_time, r1.rate_limit, r1.ws_key) == \
            (1768984391308, 1768984391377, None, "wsApiFuturesV1")
        r2 = await f2
        assert r2.rate_limit == RateLimit(limit=2000, remaining=1998, reset=6080)
        assert r2.to_dict() == json.loads(reply_for(CANCEL_OK, 2))
        with pytest.raises(InsufficientMarginError) as e3:
            await f3
        assert e3.value.code == "330008" and e3.value.request_id == "3"
        assert e3.value.op == "futures.order" and e3.value.client_oids == ("mm-3",)
        assert e3.value.response.msg == "Order quantity is too high, insufficient available margin."
        assert not e3.value.outcome_unknown and e3.value.sent
        with pytest.raises(OrderNotCancelableError) as e4:
            await f4
        assert e4.value.rate_limit.reset == 24617 and e4.value.code == "100004"
        assert h.conn.pending_count == 0 and h.conn.stats()["replies"] == 4
        h.conn.close()
    arun(main())


def test_replies_in_any_order(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.handshake()
        futures = [h.conn.request("futures.order", dict(ORDER, clientOid=f"c{i}"))
                   for i in range(60)]
        order = list(range(1, 61))
        random.Random(7).shuffle(order)
        for rid in order:
            h.feed(f'{{"id":"{rid}","op":"futures.order","code":"200000",'
                   f'"data":{{"orderId":"o{rid}","clientOid":"c{rid - 1}"}}}}')
        for i, fut in enumerate(futures):
            assert (await fut).data["clientOid"] == f"c{i}"
        h.conn.close()
    arun(main())


def test_malformed_frames_are_counted_and_dropped(impl: Any, arun: Any, caplog: Any) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.handshake()
        fut = h.conn.request("futures.order", ORDER)
        for bad in [b"not json", b'{"id":"1","op":"futures.order","code":"200', b"[1,2]", b'"x"',
                    b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
                    b'{"id":1,"code":"200000"}', b'{"code":200000,"id":"1"}',
                    b'{"id":"1","op":"futures.order"}', b'{"op":"futures.order","data":{}}',
                    b'{"id":null}', b'{"id":"1","op":"futures.cancel","code":"200000"}']:
            h.feed(bad)
        h.feed(b'{"id":"1","code":"200000"}', WSMsgType.BINARY)
        h.feed(b'{"id":"77","op":"futures.order","code":"200000"}')   # never issued
        h.feed(b'{"id":"abc","op":"futures.order","code":"200000"}')  # not ours
        h.feed(b'{"id":"01","op":"futures.order","code":"200000"}')   # not our format
        stats = h.conn.stats()
        assert stats["malformed_frames"] == 13 and stats["unknown_replies"] == 3
        assert not fut.done() and h.conn.pending_count == 1
        h.feed(b'{"id":"1","op":"futures.order","code":"200000","data":{"orderId":"9"}}')
        assert (await fut).data == {"orderId": "9"}
        h.feed(b'{"id":"1","op":"futures.order","code":"200000","data":{"orderId":"9"}}')
        assert h.conn.stats()["duplicate_replies"] == 1
        h.conn.close()
    with caplog.at_level(logging.DEBUG, logger="kucoin_fast"):
        arun(main())
    assert any("dropped" in r.getMessage() for r in caplog.records)
    assert all(r.levelno <= logging.DEBUG for r in caplog.records if "dropped" in r.getMessage())


def test_unsolicited_error_frame_is_recorded(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.handshake()
        h.feed(b'{"code":"501000","msg":"The service has stopped running. Please disconnect: '
               b'exiting","inTime":1,"outTime":2}')
        assert h.conn.server_notice[0] == "501000"
        assert h.conn.stats()["unsolicited_errors"] == 1
        h.conn.close()
    arun(main())


def test_deadline_then_late_reply(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl, request_timeout=0.05)
        h.handshake()
        fut = h.conn.request("futures.multi_order", [ORDER, dict(ORDER, clientOid="mm-2")])
        with pytest.raises(RequestTimeoutError) as info:
            await fut
        assert info.value.outcome_unknown and info.value.sent
        assert info.value.client_oids == ("mm-1", "mm-2") and info.value.request_id == "1"
        assert h.conn.pending_count == 0
        h.feed(b'{"id":"1","op":"futures.multi_order","code":"200000","data":[]}')
        assert h.conn.stats()["late_replies"] == 1
        # A later request gets its own deadline and its own reply.
        fut2 = h.conn.request("futures.cancel", {"orderId": "5"})
        h.feed(b'{"id":"2","op":"futures.cancel","code":"200000","data":{}}')
        assert (await fut2).id == "2"
        h.conn.close()
    arun(main())


def test_close_and_loss_fail_pending(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.handshake()
        futs = [h.conn.request("futures.order", dict(ORDER, clientOid=f"c{i}")) for i in range(3)]
        h.conn.close()
        for i, fut in enumerate(futs):
            exc = fut.exception()
            assert isinstance(exc, ClientClosedError) and exc.sent and exc.outcome_unknown
            assert exc.client_oids == (f"c{i}",)
        with pytest.raises(ConnectionLostError) as info:
            h.conn.request("futures.order", ORDER)
        assert info.value.sent is False and not info.value.outcome_unknown

        h2 = Harness(impl)
        h2.handshake()
        fut = h2.conn.request("futures.order", ORDER)
        h2.conn.on_ws_disconnected(h2.transport)
        exc = fut.exception()
        assert type(exc) is ConnectionLostError and exc.sent and exc.outcome_unknown
        assert h2.lost == ["connection lost"] and h2.conn.pending_count == 0
    arun(main())


def test_cancelled_caller_is_forgotten(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl)
        h.handshake()
        task = asyncio.ensure_future(h.conn.call("futures.order", ORDER))
        await asyncio.sleep(0)
        assert h.conn.pending_count == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert h.conn.pending_count == 0
        h.feed(b'{"id":"1","op":"futures.order","code":"200000"}')
        assert h.conn.stats()["late_replies"] == 1
        h.conn.close()
    arun(main())


def test_callbacks(impl: Any, arun: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        handled: list[Any] = []
        loop.set_exception_handler(lambda _loop, ctx: handled.append(ctx["exception"]))
        h = Harness(impl)
        h.handshake()
        results: list[Any] = []
        rid = h.conn.request_with_callback("futures.order", ORDER, results.append)
        tpl = impl.encode.OrderTemplate(dict(ORDER, type="limit", price="10", qty="1",
                                             size=None) if False else
                                        {"clientOid": "t", "side": "sell", "symbol": "XBTUSDTM",
                                         "type": "limit", "price": "10", "qty": "1"})
        rid2 = h.conn.send_prepared(tpl, "11.5", "2", "p-1", results.append)
        assert (rid, rid2) == (1, 2)
        assert h.sent()[1] == {"id": "2", "op": "futures.order", "args": {
            "clientOid": "p-1", "price": "11.5", "qty": "2", "side": "sell",
            "symbol": "XBTUSDTM", "type": "limit"}}

        def boom(result: Any) -> None:
            raise RuntimeError("user bug")
        h.conn.request_with_callback("futures.cancel", {"orderId": "1"}, boom)
        h.feed(b'{"id":"2","op":"futures.order","code":"300018","msg":"clientOid parameter '
               b'repeated"}')
        h.feed(b'{"id":"1","op":"futures.order","code":"200000"}')
        h.feed(b'{"id":"3","op":"futures.cancel","code":"200000"}')
        assert [type(r).__name__ for r in results] == ["DuplicateClientOidError", "WSAPIResponse"]
        assert results[0].client_oids == ("p-1",)
        assert [str(e) for e in handled] == ["user bug"]
        h.conn.close()
    arun(main())


def test_keepalive_pings_and_dead_peer(impl: Any, arun: Any) -> None:
    async def main() -> None:
        h = Harness(impl, ping_interval=0.02, ping_timeout=0.2)
        h.handshake()
        while not h.sent():  # the first ping, after ping_interval
            await asyncio.sleep(0.005)
        assert h.sent()[0] == {"id": "ping-1", "op": "ping"}
        h.feed(b'{"id":"ping-1","op":"pong","timestamp":1}')
        assert h.conn.stats()["pongs"] == 1
        fut = h.conn.request("futures.order", ORDER)
        with pytest.raises(ConnectionLostError) as info:
            await fut  # no more pongs: the connection is declared dead
        assert "pong" in str(info.value) and info.value.outcome_unknown
        assert h.conn.state == "closed" and h.raw.closed
    arun(main())


# ------------------------------------------------------- awaited replies wake-up
# An awaited reply wakes its caller inside the frame callback (no call_soon, no second
# loop pass). Frames are fed from a loop callback (no task running), as picows delivers
# them; fed from inside a task the wake-up is scheduled, as asyncio does.
def _deliver_from_callback(h: Harness, *payloads: str, log: list[Any]) -> asyncio.Future[None]:
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def deliver() -> None:
        for payload in payloads:
            h.feed(payload)
            log.append("frame callback returned")
        done.set_result(None)
    loop.call_soon(deliver)
    return done


def test_awaited_reply_wakes_caller_in_the_frame_callback(impl: Any, arun: Any) -> None:
    async def main() -> list[Any]:
        h = Harness(impl)
        h.handshake()
        log: list[Any] = []

        async def caller(oid: str) -> None:
            try:
                response = await h.conn.call("futures.order", dict(ORDER, clientOid=oid))
                log.append((oid, response.code, response.id))
            except InsufficientMarginError as exc:
                log.append((oid, exc.code, exc.request_id))

        tasks = [asyncio.ensure_future(caller(oid)) for oid in ("a", "b")]
        await asyncio.sleep(0)
        assert h.conn.pending_count == 2
        await _deliver_from_callback(h, reply_for(ORDER_OK, 1), reply_for(ORDER_ERR, 2),
                                     log=log)
        await asyncio.gather(*tasks)
        assert h.conn.pending_count == 0
        h.conn.close()
        return log

    log = arun(main())
    assert log == [("a", "200000", "1"), "frame callback returned",
                   ("b", "330008", "2"), "frame callback returned"]


def test_woken_caller_may_send_and_close_from_the_frame_callback(impl: Any,
                                                                 arun: Any) -> None:
    """The resumed caller runs inside the dispatch: sending its next order
    and closing the connection from there must leave the dispatcher consistent."""
    async def main() -> None:
        outcomes: list[Any] = []
        h = Harness(impl, on_outcome=outcomes.append)
        h.handshake()
        log: list[Any] = []
        second: list[Any] = []

        async def caller() -> None:
            first = await h.conn.call("futures.order", ORDER)
            log.append(first.id)
            second.append(asyncio.ensure_future(
                h.conn.call("futures.order", dict(ORDER, clientOid="mm-2"))))
            await asyncio.sleep(0)
            h.conn.close()

        task = asyncio.ensure_future(caller())
        await asyncio.sleep(0)
        await _deliver_from_callback(h, reply_for(ORDER_OK, 1), log=log)
        await task
        assert "1" in log
        sent = [json.loads(p) for p in h.raw.frames()[1:] if p.startswith(b"{")]  # no close
        assert [m["args"]["clientOid"] for m in sent] == ["mm-1", "mm-2"]
        with pytest.raises(ClientClosedError) as exc:
            await second[0]
        assert exc.value.sent and exc.value.outcome_unknown
        assert exc.value.client_oids == ("mm-2",)
        # Its reply, arriving after the close (before the server's), resolves it.
        assert [(type(o).__name__, o.kind) for o in outcomes] == [
            ("UnknownOutcome", "client_closed")]
        h.feed(reply_for(ORDER_OK, 2))
        assert [(type(o).__name__, o.kind) for o in outcomes] == [
            ("UnknownOutcome", "client_closed"), ("ResolvedOutcome", "client_closed")]
        assert outcomes[1].client_oids == ("mm-2",) and outcomes[1].ok
        assert h.conn.pending_count == 0 and h.conn.stats()["late_replies"] == 1
        h.feed(reply_for(ORDER_OK, 2))  # a second copy: a duplicate, dropped
        assert len(outcomes) == 2 and h.conn.stats()["duplicate_replies"] == 1
    arun(main())


def test_awaited_request_under_wait_for_and_cancel(impl: Any, arun: Any) -> None:
    """An awaited request under wait_for: the timeout cancels it (the request becomes
    an unknown outcome, its late reply a resolved one); a reply fed from inside a task
    wakes its caller through call_soon, as asyncio does."""
    async def main() -> None:
        outcomes: list[Any] = []
        h = Harness(impl, on_outcome=outcomes.append)
        h.handshake()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(h.conn.call("futures.order", ORDER), 0.01)
        assert [o.kind for o in outcomes] == ["cancelled"]
        h.feed(reply_for(ORDER_OK, 1))
        assert [o.kind for o in outcomes] == ["cancelled", "cancelled"]
        assert outcomes[1].code == "200000"
        call = asyncio.ensure_future(h.conn.call("futures.order", dict(ORDER, clientOid="x")))
        await asyncio.sleep(0)
        h.feed(reply_for(ORDER_OK, 2))  # from inside this task: scheduled, not eager
        assert (await asyncio.wait_for(call, 1.0)).id == "2"
        h.conn.close()
    arun(main())


def test_auto_writes_leave_even_if_a_reads_last_frame_never_arrives(impl: Any,
                                                                    arun: Any) -> None:
    """coalesce_writes="auto" holds frames sent during a read's dispatch until its last
    frame is done; test frames are never marked last, as a read whose last frame picows
    kept to itself would be: the end-of-iteration flush still writes them."""
    async def main() -> None:
        h = Harness(impl, coalesce_writes="auto")
        h.handshake()  # the signature frame was sent while a frame was dispatched
        assert len(h.raw.frames()) == 1
        future = h.conn.request("futures.order", ORDER)
        for _ in range(3):
            await asyncio.sleep(0)
        assert [m["id"] for m in h.sent()] == ["1"]
        h.feed(reply_for(ORDER_OK, 1))
        assert (await future).code == "200000"
        h.conn.close()
    arun(main())

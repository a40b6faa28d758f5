"""End-to-end: WebsocketAPIClient against kucoin_fast.emulator over real loopback
sockets, under the asyncio loop and uvloop (and, for the core flows, on both the
compiled modules and the pure-Python twins)."""
from __future__ import annotations

import asyncio
import logging
import socket
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from kf_helpers import KEY, PASSPHRASE, SECRET
from kf_shared import ClientLogCapture

from kucoin_fast import (
    WS_KEY_MAP,
    AuthenticationError,
    BatchResult,
    ClockSkewError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    Credentials,
    DuplicateClientOidError,
    InvalidOrderError,
    InvalidParamsError,
    KucoinAPIError,
    KucoinError,
    OrderNotCancelableError,
    RateLimitError,
    RequestTimeoutError,
    WebsocketAPIClient,
    WSAPIResponse,
)
from kucoin_fast.emulator import Account, Emulator

ACCOUNT = Account(KEY, SECRET, PASSPHRASE)
# XBTUSDTM mark price in the emulator is ~110205: a buy far below rests, a market fills.
RESTING = {"clientOid": "rest-1", "side": "buy", "symbol": "XBTUSDTM", "type": "limit",
           "price": "50000", "qty": "0.01", "leverage": 10, "marginMode": "CROSS",
           "positionSide": "LONG"}
MARKET = {"clientOid": "mkt-1", "side": "buy", "symbol": "XBTUSDTM", "type": "market", "size": 1}


@asynccontextmanager
async def emulator(**options: Any) -> AsyncIterator[Emulator]:
    options.setdefault("rate_limit", None)
    async with Emulator(accounts=[ACCOUNT], **options) as ex:
        yield ex


def make_client(ex: Emulator, **options: Any) -> WebsocketAPIClient:
    options.setdefault("request_timeout", 5.0)
    options.setdefault("connect_timeout", 5.0)
    return WebsocketAPIClient(api_key=options.pop("api_key", KEY),
                              api_secret=options.pop("api_secret", SECRET),
                              api_passphrase=options.pop("api_passphrase", PASSPHRASE),
                              ws_url=ex.url, **options)


def order(coid: str, **fields: Any) -> dict[str, Any]:
    return dict(RESTING, clientOid=coid, **fields)


async def eventually(predicate: Any, timeout: float = 10.0) -> None:
    """Wait until ``predicate()`` is true (robust on loaded machines; no timing asserts)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition never became true: {predicate}")
        await asyncio.sleep(0.01)


# ------------------------------------------------------------------ core flows
def test_every_op(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator(rate_limit=2000) as ex, make_client(ex) as client:
            r = await client.submit_futures_order(order("e-1"))
            assert type(r) is client_impl.WSAPIResponse and r.code == "200000" and r.ok
            assert (r.id, r.op, r.ws_key) == ("1", "futures.order", WS_KEY_MAP.wsApiFuturesV1)
            assert r.data["clientOid"] == "e-1" and r.data["orderId"]
            assert isinstance(r.in_time, int) and r.in_time <= r.out_time
            assert [o.client_oid for o in ex.open_orders()] == ["e-1"]

            c = await client.cancel_futures_order({"orderId": r.data["orderId"]})
            assert c.data == {"cancelledOrderIds": [r.data["orderId"]]}
            assert c.rate_limit is not None and c.rate_limit.limit is not None

            await client.submitFuturesOrder(order("e-2"))  # Node alias
            c2 = await client.cancelFuturesOrder({"clientOid": "e-2", "symbol": "XBTUSDTM"})
            assert c2.data == {"clientOid": "e-2"}

            batch = await client.submit_multiple_futures_orders(
                [order("b-1"), order("b-2", price="50000.05"), order("b-3")])
            assert isinstance(batch, BatchResult) and len(batch) == 3
            assert [i.client_oid for i in batch.succeeded] == ["b-1", "b-3"]
            assert [(i.position, i.code) for i in batch.failed] == [(1, "400100")]
            assert batch.items[1].order_id is None and not batch.ok

            ids = [i.order_id for i in batch.succeeded]
            by_id = await client.cancel_multiple_futures_orders({"orderIdsList": ids})
            assert [i.ok for i in by_id] == [True, True]
            await client.submitMultipleFuturesOrders([order("b-4")])
            by_coid = await client.cancelMultipleFuturesOrders({"clientOidsList": [
                {"symbol": "XBTUSDTM", "clientOid": "b-4"},
                {"symbol": "XBTUSDTM", "clientOid": "never-placed"}]})
            assert [i.ok for i in by_coid] == [True, False]
            assert by_coid.failed[0].code == "100004"
            assert ex.open_orders() == []
            assert client.stats()["replies"] == 8 and client.stats()["pending"] == 0
    arun(main())


def test_lazy_connect_explicit_connect_and_close(arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            assert client.connection() is None
            r = await client.submit_futures_order(MARKET)  # connects lazily
            assert r.ok and client.connection().is_ready
            await client.connect()  # already open: no new connection
            # The methods return real coroutines: create_task works as for async def.
            task = asyncio.create_task(client.submit_futures_order(dict(MARKET, clientOid="t1")))
            assert (await task).ok
            assert ex.counters.sessions_authenticated == 1
            await client.close()
            await client.close()  # idempotent
            with pytest.raises(ConnectionLostError) as info:
                await client.submit_futures_order(MARKET)
            assert info.value.sent is False
            # Concurrent first calls share one connection attempt.
            other = make_client(ex)
            results = await asyncio.gather(*(other.submit_futures_order(dict(MARKET, clientOid=f"m{i}"))
                                             for i in range(5)))
            assert all(x.ok for x in results) and ex.counters.sessions_authenticated == 2
            await other.close()
    arun(main())


def test_api_error_families(arun: Any) -> None:
    async def main() -> None:
        async with emulator(rate_limit=2000) as ex, make_client(ex) as client:
            await client.submit_futures_order(order("dup-1"))
            with pytest.raises(DuplicateClientOidError) as dup:
                await client.submit_futures_order(order("dup-1"))
            assert dup.value.code == "300018" and dup.value.client_oids == ("dup-1",)
            assert dup.value.sent and not dup.value.outcome_unknown
            assert isinstance(dup.value.response, WSAPIResponse)
            with pytest.raises(OrderNotCancelableError) as nc:
                await client.cancel_futures_order({"orderId": "123"})
            assert nc.value.code == "100004" and nc.value.rate_limit is not None
            with pytest.raises(InvalidOrderError) as tick:
                await client.submit_futures_order(order("tick-1", price="50000.05"))
            assert tick.value.code == "400100" and "tick" in tick.value.msg
            with pytest.raises(InvalidOrderError) as sym:
                await client.submit_futures_order(order("sym-1", symbol="NOPEUSDTM"))
            assert sym.value.code == "200003"
            with pytest.raises(KucoinAPIError) as cross:
                await client.submit_futures_order(order("po-1", price="200000", postOnly=True))
            assert cross.value.code == "300000" and isinstance(cross.value, InvalidOrderError)
            ex.faults.rate_limit_fraction = 1.0
            with pytest.raises(RateLimitError) as rl:
                await client.submit_futures_order(MARKET)
            assert rl.value.code == "429000" and rl.value.op == "futures.order"
            ex.faults.rate_limit_fraction = 0.0
            assert (await client.submit_futures_order(MARKET)).ok  # not retried, still usable
    arun(main())


def test_rate_limit_carries_reset(arun: Any) -> None:
    async def main() -> None:
        async with emulator(rate_limit=3) as ex, make_client(ex) as client:
            with pytest.raises(RateLimitError) as info:
                for i in range(3):
                    await client.submit_futures_order(dict(MARKET, clientOid=f"r{i}"))
            assert info.value.reset_ms is not None and 0 < info.value.reset_ms <= 30_000
            assert info.value.rate_limit.remaining == 0
    arun(main())


def test_invalid_params_never_reach_the_socket(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            before = ex.counters.requests
            with pytest.raises(InvalidParamsError) as info:
                await client.submit_futures_order(dict(RESTING, clientOID="typo"))
            assert info.value.field == "clientOID" and isinstance(info.value, ValueError)
            with pytest.raises(InvalidParamsError) as info2:
                await client.submit_multiple_futures_orders([RESTING] * 21)
            assert info2.value.field == "args"
            with pytest.raises(InvalidParamsError) as info3:
                await client.cancel_futures_order({"clientOid": "x"})
            assert info3.value.rule == "is required when cancelling by clientOid"
            with pytest.raises(InvalidParamsError):
                await client.cancel_multiple_futures_orders({})
            await asyncio.sleep(0.05)
            assert ex.counters.requests == before
            assert (await client.submit_futures_order(MARKET)).id == "1"  # no id was burnt
    arun(main())


# ------------------------------------------------------------- handshake/auth
@pytest.mark.parametrize("field,value,code", [
    ("api_key", "unknown-key", "400003"),
    ("api_secret", "wrong-secret", "400005"),
    ("api_passphrase", "wrong-pass", "400004"),
])
def test_bad_credentials(arun: Any, field: str, value: str, code: str) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, **{field: value})
            with pytest.raises(AuthenticationError) as info:
                await client.connect()
            assert info.value.code == code
            assert value not in str(info.value) and SECRET not in str(info.value)
            assert ex.counters.connections_total == 1  # no retry loop
            await client.close()
    arun(main())


@pytest.mark.parametrize(("skew", "enable_ns"), [(6.0, False), (-60.0, False), (6.0, True)])
def test_clock_skew_is_named(arun: Any, skew: float, enable_ns: bool) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, clock=lambda: time.time() + skew, enable_ns=enable_ns)
            with pytest.raises(ClockSkewError) as info:
                await client.connect()
            assert info.value.code == "400002"
            offset = info.value.clock_offset_ms
            assert offset is not None and abs(offset - skew * 1000) < 1500
            side = "ahead of" if skew > 0 else "behind"
            assert f"about {abs(offset)} ms {side} the server's" in str(info.value)
    arun(main())


@pytest.mark.parametrize("missing", ["api_key", "api_secret", "api_passphrase"])
def test_empty_credentials_are_a_configuration_error(missing: str) -> None:
    creds = {"api_key": KEY, "api_secret": SECRET, "api_passphrase": PASSPHRASE, missing: ""}
    with pytest.raises(ConfigurationError, match=f"{missing} must be a non-empty") as info:
        WebsocketAPIClient(**creds)
    assert isinstance(info.value, KucoinError)


def test_spaced_challenge_is_signed_as_received(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            ex.faults.spaced_challenge = True
            await client.close()
            client2 = make_client(ex)
            assert (await client2.submit_futures_order(MARKET)).ok
            await client2.close()
    arun(main())


@pytest.mark.parametrize("stall", ["stall_before_challenge", "stall_before_welcome"])
def test_handshake_timeout(arun: Any, stall: str) -> None:
    async def main() -> None:
        async with emulator() as ex:
            setattr(ex.faults, stall, True)
            client = make_client(ex, connect_timeout=0.3)
            with pytest.raises(ConnectTimeoutError):
                await client.connect()
            await eventually(lambda: ex.sessions == 0)  # our side closed the socket
    arun(main())


def test_refused_connection(arun: Any) -> None:
    async def main() -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE,
                                    ws_url=f"ws://127.0.0.1:{port}/v1/private")
        with pytest.raises(ConnectError) as info:
            await client.connect()
        assert "127.0.0.1" in str(info.value)
    arun(main())


# -------------------------------------------------------------- failure modes
def test_deadline_and_late_reply(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex, request_timeout=0.1) as client:
            ex.faults.latency_ms = 300
            with pytest.raises(RequestTimeoutError) as info:
                await client.submit_futures_order(order("slow-1"))
            assert info.value.outcome_unknown and info.value.sent
            assert info.value.client_oids == ("slow-1",)
            await eventually(lambda: client.stats()["late_replies"] == 1)
            assert client.stats()["pending"] == 0
            assert [o.client_oid for o in ex.open_orders()] == ["slow-1"]  # it did happen
            ex.faults.latency_ms = 0
            assert (await client.submit_futures_order(MARKET)).ok
    arun(main())


def test_connection_lost_mid_flight_then_reconnect(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            ex.faults.close_after = 3
            results = await asyncio.gather(
                *(client.submit_futures_order(order(f"lost-{i}")) for i in range(3)),
                return_exceptions=True)
            for i, exc in enumerate(results):
                assert type(exc) is ConnectionLostError, exc
                assert exc.sent and exc.outcome_unknown and exc.client_oids == (f"lost-{i}",)
            assert client.connection().pending_count == 0
            assert client.connection().lost_reason
            ex.faults.close_after = None
            # The next call opens a new connection; nothing was re-sent by the client.
            accepted = {o.client_oid for o in ex.open_orders()}
            assert accepted == {"lost-0", "lost-1", "lost-2"}
            with pytest.raises(DuplicateClientOidError):
                await client.submit_futures_order(order("lost-0"))
            assert ex.counters.sessions_authenticated == 2
    arun(main())


@pytest.mark.parametrize("mode", ["fin", "rst"])
def test_socket_level_close(arun: Any, mode: str) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            ex.faults.close_after = 2
            ex.faults.close_mode = mode
            results = await asyncio.gather(
                *(client.submit_futures_order(order(f"c-{i}")) for i in range(2)),
                return_exceptions=True)
            assert all(isinstance(r, ConnectionLostError) and r.outcome_unknown for r in results)
    arun(main())


def test_duplicates_and_reordering(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            ex.faults.duplicate_fraction = 1.0
            ex.faults.reorder_window = 7
            ex.faults.reorder_mode = "random"
            ex.faults.seed = 3
            coids = [f"ro-{i}" for i in range(21)]
            results = await asyncio.gather(*(client.submit_futures_order(dict(MARKET, clientOid=c))
                                             for c in coids))
            assert [r.data["clientOid"] for r in results] == coids
            await eventually(lambda: client.stats()["duplicate_replies"] == 21)
    arun(main())


@pytest.mark.parametrize("kind", ["non_json", "truncated_json", "binary", "fragmented",
                                  "wrong_types", "unknown_id", "missing_id", "numeric_id"])
def test_malformed_server_frames(client_impl: Any, arun: Any, kind: str) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            ex.faults.malformed = kind
            ex.faults.malformed_mode = "inject"
            for i in range(3):
                r = await client.submit_futures_order(dict(MARKET, clientOid=f"mf-{i}"))
                assert r.ok and r.data["clientOid"] == f"mf-{i}"
            stats = client.stats()
            # A reply without "id" but with "code" looks exactly like a type-C error frame.
            if kind == "fragmented":  # reassembled (RFC 6455 §5.4): a second copy each
                await eventually(lambda: client.stats()["duplicate_replies"] == 3)
                assert client.stats()["malformed_frames"] == 0
            else:
                dropped = (stats["malformed_frames"] + stats["unknown_replies"]
                           + stats["unsolicited_errors"])
                assert dropped >= 3, stats
            assert client.connection().is_ready
    arun(main())


def test_malformed_replacing_reply_times_out(arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex, request_timeout=0.2) as client:
            ex.faults.malformed = "wrong_types"
            ex.faults.malformed_mode = "replace"
            with pytest.raises(RequestTimeoutError):
                await client.submit_futures_order(MARKET)
            assert client.stats()["malformed_frames"] == 1
    arun(main())


def test_oversized_frame_disconnects(arun: Any) -> None:
    async def main() -> None:
        import gc
        reports: list[dict[str, Any]] = []
        asyncio.get_running_loop().set_exception_handler(lambda _l, ctx: reports.append(ctx))
        async with emulator() as ex, make_client(ex, max_frame_size=64 * 1024) as client:
            ex.faults.malformed = "oversized"
            ex.faults.malformed_mode = "replace"
            ex.faults.oversized_bytes = 256 * 1024
            with pytest.raises(ConnectionLostError) as info:
                await client.submit_futures_order(MARKET)
            assert info.value.outcome_unknown
            lost = client.connection()
            await eventually(lambda: not client._connector._tasks)
            ex.faults.malformed = None
            assert (await client.submit_futures_order(MARKET)).ok  # a new connection
        del lost
        gc.collect()
        await asyncio.sleep(0)
        # picows' disconnect error was retrieved: asyncio reported nothing.
        assert [ctx.get("message") for ctx in reports] == []
    arun(main())


def test_shutdown_notice(arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            await client.connect()
            first = client.connection()
            await ex.send_shutdown_notice()
            await eventually(lambda: first.server_notice is not None)
            assert first.server_notice[0] == "501000"
            # The notice retires the connection: the client reconnects by itself and
            # closes the old one once drained (tests/reliability/test_reconnect.py).
            await eventually(lambda: client.is_connected and client.connection() is not first)
            second = client.connection()
            await ex.send_shutdown_notice(close=True)
            await eventually(lambda: not second.is_ready)
            assert (await client.submit_futures_order(MARKET)).ok  # a new connection
    arun(main())


def test_keepalive_pings(arun: Any) -> None:
    async def main() -> None:
        async with emulator(ping_interval_ms=100, ping_timeout_ms=5000) as ex, \
                make_client(ex) as client:
            await eventually(lambda: client.stats()["pongs"] >= 3)
            assert client.connection().is_ready
            assert client.connection().ping_interval == pytest.approx(0.1)
    arun(main())


class BlackholeProxy:
    """TCP proxy that forwards until ``blackhole`` is set, then swallows both directions
    without closing (a half-open connection as seen by the client)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.blackhole = False
        self.server: asyncio.AbstractServer | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.tasks: list[asyncio.Future[Any]] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if not self.blackhole:
                writer.write(data)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]
        pipes = asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                               return_exceptions=True)
        self.tasks.append(pipes)
        await pipes

    async def stop(self) -> None:
        for writer in self.writers:
            writer.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for writer in self.writers:
            try:
                await writer.wait_closed()
            except OSError:
                pass
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def test_half_open_connection_detected_by_keepalive(arun: Any) -> None:
    async def main() -> None:
        async with emulator(idle_timeout_ms=60_000) as ex:
            proxy = BlackholeProxy(int(ex.url.split(":")[2].split("/")[0]))
            port = await proxy.start()
            client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE, request_timeout=30,
                                        ws_url=f"ws://127.0.0.1:{port}/v1/private",
                                        ping_interval=0.2, ping_timeout=1.0)
            assert (await client.submit_futures_order(MARKET)).ok
            proxy.blackhole = True
            with pytest.raises(ConnectionLostError) as info:
                await client.submit_futures_order(order("ho-1"))
            # Detected by the keepalive (request_timeout is 30 s): the error says so.
            assert "pong" in str(info.value) and info.value.outcome_unknown
            await client.close()
            await proxy.stop()
    arun(main())


# Cancelling a caller and closing with requests pending: tests/reliability
# (test_s23_cancel_and_close, plain and TLS).


# ------------------------------------------------------------- low-level path
def test_prepared_orders_and_callbacks(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            template = {"clientOid": "tpl", "side": "buy", "symbol": "XBTUSDTM",
                        "type": "market", "qty": "0.001", "leverage": 5}
            prepared = client.prepare_order(template)
            assert prepared.size_field == "qty"
            loop = asyncio.get_running_loop()
            done: asyncio.Future[list[Any]] = loop.create_future()
            results: list[Any] = []

            def on_result(result: Any) -> None:
                results.append(result)
                if len(results) == 40:
                    done.set_result(results)

            for i in range(40):
                prepared.send(None, "0.002" if i % 2 else 1, f"p-{i}", on_result)
            await done
            assert all(type(r) is client_impl.WSAPIResponse and r.ok for r in results)
            assert sorted(r.data["clientOid"] for r in results) == sorted(f"p-{i}" for i in range(40))
            with pytest.raises(InvalidParamsError) as info:
                prepared.send(None, "0", "p-x", on_result)
            assert info.value.field == "qty"
            with pytest.raises(InvalidParamsError):
                prepared.send(None, "1", "bad oid!", on_result)

            got: list[Any] = []
            client.request_with_callback("futures.cancel", {"orderId": "42"}, got.append)
            await eventually(lambda: bool(got))
            assert isinstance(got[0], OrderNotCancelableError)
            await client.close()
            with pytest.raises(ConnectionLostError) as lost:
                prepared.send(None, "1", "p-y", on_result)
            assert lost.value.sent is False
    arun(main())


# ------------------------------------------------------------------- config
def test_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="no testnet.*emulator"):
        WebsocketAPIClient(KEY, SECRET, PASSPHRASE, testnet=True)
    for creds in [("", SECRET, PASSPHRASE), (KEY, "", PASSPHRASE), (KEY, SECRET, None)]:
        with pytest.raises(ValueError):
            WebsocketAPIClient(*creds)
    with pytest.raises(ConfigurationError, match="loopback"):
        WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url="ws://example.com/v1/private")
    WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url="ws://example.com/v1/private",
                       allow_insecure_ws=True)
    WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url="ws://[::1]:1/v1/private")
    with pytest.raises(ConfigurationError, match="base URL"):
        WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url="wss://wsapi.kucoin.com/v1/private?x=1")
    with pytest.raises(ConfigurationError):
        WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url="https://wsapi.kucoin.com/")
    with pytest.raises(ConfigurationError):
        WebsocketAPIClient(KEY, SECRET, PASSPHRASE, partner="B")
    client = WebsocketAPIClient(credentials=Credentials(KEY, SECRET, PASSPHRASE))
    assert client.ws_url == "wss://wsapi.kucoin.com/v1/private"
    # rest_url: http(s) bases, plain http only for loopback, families by name.
    assert client._order_loop.rest.urls == {"futures": "https://api-futures.kucoin.com",
                                            "spot": "https://api.kucoin.com",
                                            "margin": "https://api.kucoin.com"}
    for bad, match in (("http://example.com", "loopback"), ("ws://127.0.0.1:1", "http"),
                       ({"options": "https://x.example"}, "unknown family"),
                       ("https://x.example/?a=1", "base URL")):
        with pytest.raises(ConfigurationError, match=match):
            WebsocketAPIClient(KEY, SECRET, PASSPHRASE, rest_url=bad)  # type: ignore[arg-type]
    for bad_option in ({"rest_timeout": 0}, {"reconcile_backoff": (-1.0,)}):
        with pytest.raises(ValueError):
            WebsocketAPIClient(KEY, SECRET, PASSPHRASE, **bad_option)  # type: ignore[arg-type]
    mixed = WebsocketAPIClient(KEY, SECRET, PASSPHRASE,
                               rest_url={"spot": "http://127.0.0.1:9/"})
    assert mixed._order_loop.rest.urls["spot"] == "http://127.0.0.1:9"
    assert mixed._order_loop.rest.urls["futures"] == "https://api-futures.kucoin.com"


def test_credentials_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KUCOIN_API_KEY", "KUCOIN_API_SECRET", "KUCOIN_API_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="KUCOIN_API_KEY"):
        Credentials.from_env()
    monkeypatch.setenv("KUCOIN_API_KEY", KEY)
    monkeypatch.setenv("KUCOIN_API_SECRET", SECRET)
    monkeypatch.setenv("KUCOIN_API_PASSPHRASE", PASSPHRASE)
    creds = Credentials.from_env()
    assert (creds.api_key, creds.api_secret, creds.api_passphrase) == (KEY, SECRET, PASSPHRASE)
    assert KEY not in repr(creds) and SECRET not in str(creds)


# ------------------------------------------------------------------- secrets
class RedirectServer:
    """Answers every upgrade with a 302 to another (listening) server."""

    def __init__(self) -> None:
        self.target_hits = 0

    async def start(self) -> tuple[int, Any, Any]:
        async def redirect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: ws://127.0.0.1:%d/steal\r\n"
                         b"Content-Length: 0\r\n\r\n" % target_port)
            await writer.drain()
            writer.close()

        async def target(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.target_hits += 1
            writer.close()

        target_server = await asyncio.start_server(target, "127.0.0.1", 0)
        target_port = target_server.sockets[0].getsockname()[1]
        server = await asyncio.start_server(redirect, "127.0.0.1", 0)
        return server.sockets[0].getsockname()[1], server, target_server


def test_secrets_never_leak(arun: Any) -> None:
    capture = ClientLogCapture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(1)
    for name in ("picows", "kucoin_fast"):
        logging.getLogger(name).setLevel(1)
    texts: list[str] = []

    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            texts.append(repr(client))
            await client.submit_futures_order(MARKET)
            try:
                await client.cancel_futures_order({"orderId": "1"})
            except KucoinAPIError as exc:
                texts.append(str(exc) + "".join(traceback.format_exception(exc)))
            await client.close()
            for field in ("api_passphrase", "api_secret"):
                bad = make_client(ex, **{field: "zz-" + field})
                try:
                    await bad.connect()
                except AuthenticationError as exc:
                    texts.append(str(exc) + repr(exc) + "".join(traceback.format_exception(exc)))
        port, server, target = await RedirectServer().start()
        redirected = WebsocketAPIClient(KEY, SECRET, PASSPHRASE,
                                        ws_url=f"ws://127.0.0.1:{port}/v1/private")
        with pytest.raises(ConnectError) as info:
            await redirected.connect()
        texts.append("".join(traceback.format_exception(info.value)))
        server.close()
        target.close()

    try:
        arun(main())
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
        for name in ("picows", "kucoin_fast"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    from kucoin_fast._core import sign as _sign
    ts_free_secrets = [SECRET, PASSPHRASE, KEY,
                       _sign.hmac_sha256_b64(SECRET.encode(), PASSPHRASE.encode()).decode()]
    blob = "\n".join(capture.lines + texts)
    assert capture.lines, "nothing was logged: the capture is broken"
    assert any("Send upgrade request" in line for line in capture.lines)
    for secret in ts_free_secrets:
        assert secret not in blob
        assert _sign.percent_encode(secret) not in blob
    assert "sign=" not in blob.replace("sign=***", "")


# ----------------------------------------------------------- TLS, options, keys
def test_tls_verified_by_default(arun: Any) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)

    async def main() -> None:
        async with emulator(ssl_context=server_ctx) as ex:
            assert ex.url.startswith("wss://")
            untrusted = make_client(ex)
            with pytest.raises(ConnectError, match="(?i)certificate"):
                await untrusted.connect()
            async with make_client(ex, ssl_context=trusting) as client:
                assert (await client.submit_futures_order(MARKET)).ok
    arun(main())


def test_enable_ns_partner_and_second_ws_key(arun: Any) -> None:
    broker_key = "00000000-1111-2222-3333-444444444444"

    async def main() -> None:
        async with emulator(brokers={"MYBROKER": broker_key}) as ex:
            async with make_client(ex, enable_ns=True, partner="MYBROKER",
                                   partner_key=broker_key) as client:
                r = await client.submit_futures_order(MARKET)
                assert r.in_time > 10**15  # nanoseconds
                spot = await client.submit_futures_order(dict(MARKET, clientOid="k2"),
                                                         ws_key=WS_KEY_MAP.wsApiSpotV1)
                assert spot.ws_key == "wsApiSpotV1" and spot.id == "1"  # its own connection
                assert ex.counters.sessions_authenticated == 2
                with pytest.raises(ConfigurationError):
                    await client.submit_futures_order(MARKET, ws_key="nope")
            bad = make_client(ex, partner="MYBROKER", partner_key="wrong-key")
            with pytest.raises(AuthenticationError) as info:
                await bad.connect()
            assert info.value.code == "400201" and "wrong-key" not in str(info.value)
    arun(main())


def test_coalesced_writes(arun: Any) -> None:
    """coalesce_writes: frames of one loop iteration leave in one write, same results."""
    async def main() -> None:
        async with emulator() as ex, make_client(ex, coalesce_writes=True) as client:
            coids = [f"cw-{i}" for i in range(60)]
            results = await asyncio.gather(*(client.submit_futures_order(
                dict(MARKET, clientOid=c, remark="é" * (1 + i))) for i, c in enumerate(coids)))
            assert [r.data["clientOid"] for r in results] == coids
            with pytest.raises(InvalidOrderError) as info:  # a 70 kB frame (64-bit length)
                await client.submit_futures_order(dict(MARKET, symbol="X" * 70_000))
            assert info.value.code == "200003"
            batch = await client.submit_multiple_futures_orders(
                [dict(MARKET, clientOid=f"cwb-{i}") for i in range(20)])
            assert batch.ok and len(batch) == 20
    arun(main())


def test_default_writes_coalesce_per_read(client_impl: Any, arun: Any) -> None:
    """coalesce_writes="auto" over loopback: a sequential caller's every frame leaves in
    its own write at once (nothing waits for a later loop pass); a hundred pipelined
    workers share writes (frames sent while a read's replies are dispatched leave in
    one write); a frame sent from a timer after a burst leaves without waiting."""
    async def main() -> None:
        async with emulator() as ex, make_client(ex) as client:
            await client.connect()
            before = client.stats()
            for i in range(50):
                response = await client.submit_futures_order(dict(MARKET, clientOid=f"s-{i}"))
                assert response.data["clientOid"] == f"s-{i}"
            seq = client.stats()
            frames = seq["frames_written"] - before["frames_written"]
            assert frames >= 50
            assert seq["socket_writes"] - before["socket_writes"] == frames

            it = iter(range(2000))

            async def worker() -> None:
                for i in it:
                    await client.submit_futures_order(dict(MARKET, clientOid=f"p-{i}"))
            await asyncio.gather(*(worker() for _ in range(100)))
            burst = client.stats()
            frames = burst["frames_written"] - seq["frames_written"]
            writes = burst["socket_writes"] - seq["socket_writes"]
            assert frames >= 2000 and writes <= frames // 4, (frames, writes)

            loop = asyncio.get_running_loop()
            sent: asyncio.Future[Any] = loop.create_future()

            def from_timer() -> None:
                reply = client.connection().request(
                    "futures.order", dict(MARKET, clientOid="timer-1"))
                sent.set_result((reply, client.stats()))
            loop.call_later(0.01, from_timer)
            reply, at_once = await sent
            assert at_once["frames_written"] == burst["frames_written"] + 1
            assert at_once["socket_writes"] == burst["socket_writes"] + 1
            assert (await reply).data["clientOid"] == "timer-1"
    arun(main())


def test_close_while_connecting(arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            ex.faults.stall_before_challenge = True
            client = make_client(ex)
            call = asyncio.ensure_future(client.submit_futures_order(MARKET))
            await eventually(lambda: ex.counters.connections_total == 1)
            await client.close()
            with pytest.raises(ConnectionLostError) as info:
                await call
            assert info.value.sent is False
            await eventually(lambda: ex.sessions == 0)
    arun(main())

"""Reconnection, connection state, unknown outcomes, rate-limit throttle, backpressure,
TLS opt-out, clientOid hygiene (failure scenarios 2, 6, 13, 14, 15, 16, 17, 18, 21, 22)."""
from __future__ import annotations

import asyncio
import logging
import random
import re
from typing import Any

import pytest
from kf_shared import ClientLogCapture
from rel_helpers import (
    KEY,
    PASSPHRASE,
    SECRET,
    FaultProxy,
    emulator,
    eventually,
    make_client,
    market,
    order,
    port_of,
    untrusted_server_ssl_context,
)

from kucoin_fast import (
    BackpressureError,
    ClientClosedError,
    ClockSkewError,
    ConfigurationError,
    ConnectionLostError,
    ConnectionState,
    RateLimitError,
    ReconnectPolicy,
    UnknownOutcome,
    new_client_oid,
)

FAST = ReconnectPolicy(initial=0.02, factor=2.0, cap=0.1)


class _Records(logging.Handler):
    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level=level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def at(self, level: int) -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno == level and r.name.startswith("kucoin_fast")
                and not r.name.startswith("kucoin_fast.emulator")]


# -------------------------------------------------------------- policy (unit)
def test_reconnect_policy_backoff_jitter_cap() -> None:
    policy = ReconnectPolicy(initial=0.1, factor=2.0, cap=5.0)
    assert policy.delay(0) == 0.0
    ceilings = [policy.ceiling(n) for n in range(1, 20)]
    assert ceilings == sorted(ceilings) and ceilings[0] == 0.1 and ceilings[-1] == 5.0
    rng = random.Random(1)
    for n in range(1, 200):
        d = policy.delay(n, rng.random)
        assert policy.ceiling(n) / 2 <= d <= policy.ceiling(n) <= 5.0
    assert len({policy.delay(8, rng.random) for _ in range(50)}) > 1  # jittered
    with pytest.raises(ValueError):
        ReconnectPolicy(initial=0)
    with pytest.raises(ValueError):
        ReconnectPolicy(initial=1, cap=0.5)


# ---------------------------------------------------- 15 + 17: drop and reconnect
def test_s15_reconnect_with_orders_in_flight(client_impl: Any, arun: Any, tls: bool) -> None:
    """15: a drop with orders in flight: every waiter fails with outcome_unknown; the
    client reconnects by itself; the unknown clientOids are recorded per drop (and sent
    to the callback); nothing is re-sent; a manual resend is a 300018 duplicate."""
    async def main() -> None:
        records: list[UnknownOutcome] = []
        states: list[str] = []
        async with emulator(tls=tls) as ex:
            client = make_client(ex, reconnect_policy=FAST, on_unknown_outcome=records.append,
                                 on_state_change=lambda key, state, err: states.append(state))
            async with client:
                first = client.connection()
                ex.faults.close_after = 3
                coids = [f"u-{i}" for i in range(3)]
                results = await asyncio.gather(*(client.submit_futures_order(order(c))
                                                 for c in coids), return_exceptions=True)
                assert all(isinstance(r, ConnectionLostError) and r.outcome_unknown
                           for r in results)
                ex.faults.close_after = None
                await client.wait_connected(timeout=20)
                assert client.state == ConnectionState.CONNECTED
                assert client.connection() is not first
                assert len(records) == 1 and sorted(records[0].client_oids) == coids
                assert records[0].requests == 3 and list(client.unknown_outcomes) == records
                assert sorted(client.unknown_client_oids()) == coids
                requests = ex.counters.requests
                await asyncio.sleep(0.2)
                assert ex.counters.requests == requests  # the client re-sent nothing
                from kucoin_fast import DuplicateClientOidError
                with pytest.raises(DuplicateClientOidError):
                    await client.submit_futures_order(order("u-0"))
                assert client.take_unknown_outcomes() == records
                assert not client.unknown_outcomes
            assert client.state == ConnectionState.CLOSED
            assert states[:4] == ["connecting", "connected", "reconnecting", "connected"]
            assert ex.counters.sessions_authenticated == 2
    arun(main())


def test_s06_half_open_then_reconnect(arun: Any, tls: bool) -> None:
    """6: half-open detected by the keepalive, then the client reconnects by itself."""
    async def main() -> None:
        async with emulator(tls=tls, idle_timeout_ms=600_000) as ex, \
                FaultProxy(port_of(ex.url)) as proxy:
            client = make_client(url=proxy.url(tls), ping_interval=0.2, ping_timeout=1.0,
                                 reconnect_policy=FAST, connect_timeout=2.0)
            async with client:
                first = client.connection()
                proxy.blackhole = True
                with pytest.raises(ConnectionLostError):
                    await client.submit_futures_order(order("h-1"))
                # recorded when the socket is gone (picows' connection_lost)
                await eventually(lambda: client.unknown_client_oids() == ["h-1"])
                proxy.blackhole = False
                await eventually(lambda: client.is_connected and client.connection() is not first)
                assert (await client.submit_futures_order(market("h-2"))).ok
    arun(main())


def test_s17_close_1001_and_notice_reconnect(arun: Any) -> None:
    """17: a 501000 notice alone retires the connection (new requests go to a fresh one;
    the old one is closed when drained); close 1001 and expiry reconnect too."""
    async def main() -> None:
        async with emulator() as ex, make_client(ex, reconnect_policy=FAST) as client:
            first = client.connection()
            ex.faults.latency_ms = 200
            slow = asyncio.ensure_future(client.submit_futures_order(order("n-1")))
            await eventually(lambda: client.stats()["pending"] == 1)
            await ex.send_shutdown_notice(close=False)
            await eventually(lambda: client.is_connected and client.connection() is not first)
            assert (await slow).ok  # the old connection still delivers its reply
            await eventually(lambda: not first.is_ready)  # then it is closed
            ex.faults.latency_ms = 0
            second = client.connection()
            ex.expire_sessions()
            await eventually(lambda: client.is_connected and client.connection() is not second)
            assert (await client.submit_futures_order(market("n-2"))).ok
            assert ex.counters.sessions_authenticated == 3
    arun(main())


# ------------------------------------------------------ 18: reconnect storm
def test_s18_reconnect_storm(arun: Any, tls: bool) -> None:
    """18: the emulator refuses 6 connects in a row: backoff with jitter, at most one
    WARNING per attempt, callers wait (wait_connected), then it connects."""
    handler = _Records()
    logging.getLogger("kucoin_fast").addHandler(handler)

    async def main() -> None:
        async with emulator(tls=tls) as ex, \
                make_client(ex, reconnect_policy=ReconnectPolicy(initial=0.05, cap=0.2)) as client:
            loop = asyncio.get_running_loop()
            ex.faults.refuse_connections = 6
            started = loop.time()
            await ex.send_shutdown_notice(close=True)
            await eventually(lambda: client.state == ConnectionState.RECONNECTING)
            call = asyncio.ensure_future(client.submit_futures_order(market("st-1")))
            await client.wait_connected(timeout=30)
            elapsed = loop.time() - started
            assert (await call).ok
            assert ex.faults.refuse_connections == 0
            assert client.reconnect_attempts == 7
            warnings = handler.at(logging.WARNING)
            assert len(warnings) <= client.reconnect_attempts + 1, [w.getMessage() for w in warnings]
            # no spin: each failed attempt waited at least half its backoff ceiling
            # (minus 10 ms for timers that fire a hair early on ms-resolution loops)
            assert elapsed >= sum(client.reconnect_policy.ceiling(n) / 2 for n in range(1, 7)) - 0.01
    try:
        arun(main())
    finally:
        logging.getLogger("kucoin_fast").removeHandler(handler)


def test_s02_auth_failure_on_reconnect_stops(arun: Any) -> None:
    """2/4: a reconnect that fails authentication (clock skew here) is not retried in a
    loop: state disconnected, last_error is the typed error; the next call raises it."""
    handler = _Records()
    logging.getLogger("kucoin_fast").addHandler(handler)
    offset = [0.0]

    async def main() -> None:
        import time
        async with emulator() as ex:
            client = make_client(ex, reconnect_policy=FAST, clock=lambda: time.time() + offset[0])
            async with client:
                offset[0] = 60.0
                ex.expire_sessions()
                await eventually(lambda: client.state == ConnectionState.DISCONNECTED)
                assert isinstance(client.last_error, ClockSkewError)
                assert client.reconnect_attempts == 1
                await asyncio.sleep(0.3)
                assert client.reconnect_attempts == 1 and ex.counters.auth_failures == 1
                with pytest.raises(ClockSkewError) as info:
                    await client.submit_futures_order(market("a-1"))
                assert info.value.code == "400002"
                offset[0] = 0.0
                assert (await client.submit_futures_order(market("a-2"))).ok
                assert client.state == ConnectionState.CONNECTED
            blob = "\n".join(r.getMessage() for r in handler.records)
            assert SECRET not in blob and PASSPHRASE not in blob and KEY not in blob
    try:
        arun(main())
    finally:
        logging.getLogger("kucoin_fast").removeHandler(handler)


def test_wait_connected_and_close(arun: Any) -> None:
    """wait_connected connects when idle, and a close() while waiting raises
    ClientClosedError; auto_reconnect=False leaves the state disconnected."""
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, reconnect_policy=ReconnectPolicy(initial=5.0, cap=5.0))
            assert client.state == ConnectionState.IDLE
            await client.wait_connected()
            assert client.is_connected and "connected" in repr(client)
            ex.faults.refuse_connections = 100
            await ex.send_shutdown_notice(close=True)
            waiter = asyncio.ensure_future(client.wait_connected())
            await eventually(lambda: client.reconnect_attempts >= 1
                             and client.state == ConnectionState.RECONNECTING)
            await client.close()
            with pytest.raises(ClientClosedError):
                await waiter
            assert client.state == ConnectionState.CLOSED
            ex.faults.refuse_connections = 0
            manual = make_client(ex, auto_reconnect=False)
            await manual.connect()
            ex.expire_sessions()
            await eventually(lambda: manual.state == ConnectionState.DISCONNECTED)
            await asyncio.sleep(0.1)
            assert not manual.is_connected and manual.reconnect_attempts == 0
            assert (await manual.submit_futures_order(market("w-1"))).ok  # lazy connect
            await manual.close()
    arun(main())


# ------------------------------------------------------------ 13: rate limits
def test_s13_rate_limit_storm_no_resend(arun: Any) -> None:
    """13: a 429000 storm: RateLimitError carries the reset; nothing is re-sent."""
    async def main() -> None:
        async with emulator(rate_limit=2000) as ex, make_client(ex) as client:
            ex.faults.rate_limit_fraction = 0.5
            ex.faults.seed = 7
            results = await asyncio.gather(*(client.submit_futures_order(market(f"rl-{i}"))
                                             for i in range(40)), return_exceptions=True)
            limited = [r for r in results if isinstance(r, RateLimitError)]
            assert limited and len(limited) < 40
            assert all(r.reset_ms is not None and r.code == "429000" and not r.outcome_unknown
                       for r in limited)
            assert ex.counters.requests == 40  # one request per call: no automatic resend
    arun(main())


def test_s13_client_side_throttle(arun: Any) -> None:
    """13: with throttle=True the client holds requests once remaining hits the reserve,
    until the window resets; the exchange never rejects."""
    async def main() -> None:
        async with emulator(rate_limit=20, rate_limit_window_ms=1000,
                            rate_limit_on_orders=True) as ex:
            plain = make_client(ex)
            async with plain:
                with pytest.raises(RateLimitError) as info:
                    for i in range(30):
                        await plain.submit_futures_order(market(f"np-{i}"))
                assert info.value.reset_ms is not None
            await asyncio.sleep(1.1)  # let the emulator's window reset
            async with make_client(ex, throttle=True, throttle_reserve=1) as client:
                for i in range(30):  # weight 2 per order: 10 per window
                    assert (await client.submit_futures_order(market(f"th-{i}"))).ok
                assert client.throttle is not None and client.throttle.held >= 1
    arun(main(), timeout=60)


# ------------------------------------------------------------ 14: backpressure
def test_s14_backpressure(client_impl: Any, arun: Any) -> None:
    """14: the peer stops reading: picows pauses writing; the sync paths fail clearly
    (BackpressureError, sent=False); async calls wait until the buffer drains."""
    async def main() -> None:
        async with emulator() as ex, FaultProxy(port_of(ex.url)) as proxy, \
                make_client(url=proxy.url(), request_timeout=60) as client:
            proxy.pause_up()
            prepared = client.prepare_order(dict(market("bp"), remark="x" * 100))
            got: list[Any] = []
            sent = 0
            with pytest.raises(BackpressureError) as info:
                for i in range(2_000_000):
                    prepared.send(None, 1, f"bp-{i}", got.append)
                    sent += 1
                    if i % 1000 == 999:
                        await asyncio.sleep(0)
            assert info.value.sent is False and not info.value.outcome_unknown
            assert client.connection().write_paused
            waiting = asyncio.ensure_future(client.submit_futures_order(market("bp-async")))
            await asyncio.sleep(0.1)
            assert not waiting.done()
            proxy.resume_up()
            assert (await waiting).ok
            await eventually(lambda: len(got) == sent, timeout=60)
            assert all(getattr(r, "ok", False) for r in got)
            assert client.stats()["pending"] == 0
    arun(main(), timeout=120)


# ------------------------------------------------------------ 22: TLS opt-out
def test_s22_insecure_option_is_explicit_and_loud(arun: Any) -> None:
    handler = _Records()
    logging.getLogger("kucoin_fast").addHandler(handler)

    async def main() -> None:
        async with emulator(ssl_context=untrusted_server_ssl_context()) as ex:
            from kucoin_fast import ConnectError
            with pytest.raises(ConnectError):
                await make_client(ex, tls=False).connect()
            async with make_client(ex, tls=False, insecure_skip_tls_verify=True) as client:
                assert (await client.submit_futures_order(market("tls-1"))).ok
        assert any("verification is OFF" in r.getMessage() for r in handler.at(logging.WARNING))
        with pytest.raises(ConfigurationError):
            make_client(ex, insecure_skip_tls_verify=True, ssl_context=__import__("ssl")
                        .create_default_context())
    try:
        arun(main())
    finally:
        logging.getLogger("kucoin_fast").removeHandler(handler)


# ------------------------------------------------------------ 16: clientOids
def test_s16_client_oid_hygiene() -> None:
    """16: 10M generated ids: no collisions (strictly increasing within the process, so
    unique without a 10M-entry set), <= 40 chars, [A-Za-z0-9_-] only."""
    allowed = re.compile(r"[A-Za-z0-9_-]{1,40}")
    prefix = "mm-bot_1"
    first = new_client_oid(prefix)
    assert allowed.fullmatch(first) and len(first) <= 40
    prev = first
    n = 10_000_000
    for _ in range(n):
        cur = new_client_oid(prefix)
        if not cur > prev:
            raise AssertionError(f"not increasing: {prev} {cur}")
        prev = cur
    assert len(prev) == len(first) and allowed.fullmatch(prev)
    assert len(new_client_oid("x" * 18)) == 40
    with pytest.raises(ValueError):
        new_client_oid("x" * 19)
    with pytest.raises(ValueError):
        new_client_oid("bad prefix!")
    assert new_client_oid() != new_client_oid()


# ------------------------------------------------------------ 21: secrets
def test_s21_no_secret_anywhere_during_reconnects(arun: Any, tls: bool) -> None:
    """21: every logger at the lowest level (picows logs at 9) through a connect, a drop,
    refused reconnects, an authentication failure and a keepalive death; reprs and
    tracebacks of everything the caller can see: no key, secret, passphrase, signed
    passphrase or signature."""
    import time
    import traceback

    from kucoin_fast._core import sign as _sign

    capture = ClientLogCapture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(1)
    for name in ("picows", "kucoin_fast"):
        logging.getLogger(name).setLevel(1)
    texts: list[str] = []
    signatures: list[str] = []
    offset = [0.0]

    async def main() -> None:
        async with emulator(tls=tls) as ex:
            client = make_client(ex, reconnect_policy=FAST, clock=lambda: time.time() + offset[0])
            async with client:
                texts.append(repr(client))
                ex.faults.close_after = 2
                results = await asyncio.gather(*(client.submit_futures_order(order(f"sx-{i}"))
                                                 for i in range(2)), return_exceptions=True)
                texts.extend("".join(traceback.format_exception(r)) + repr(r) for r in results)
                ex.faults.close_after = None
                ex.faults.refuse_connections = 2
                await client.wait_connected(timeout=20)
                texts.extend(repr(r) for r in client.unknown_outcomes)
                offset[0] = 60.0
                ex.expire_sessions()
                await eventually(lambda: client.state == ConnectionState.DISCONNECTED)
                err = client.last_error
                assert err is not None
                texts.append("".join(traceback.format_exception(err)) + repr(err) + str(err))
                offset[0] = 0.0
                await client.wait_connected(timeout=20)
                texts.append(repr(client) + repr(client.connection()))

    try:
        arun(main(), timeout=60)
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
        for name in ("picows", "kucoin_fast"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    signed_passphrase = _sign.hmac_sha256_b64(SECRET.encode(), PASSPHRASE.encode()).decode()
    blob = "\n".join(capture.lines + texts + signatures)
    assert capture.lines and any("upgrade" in line.lower() for line in capture.lines)
    for secret in (KEY, SECRET, PASSPHRASE, signed_passphrase):
        assert secret not in blob
        assert _sign.percent_encode(secret) not in blob
    for name in ("sign=", "passphrase=", "apikey="):
        assert name not in blob.replace(name + "***", ""), name

"""Reconnects, notices, throttle holds and connect failures against a hostile gateway:
no reconnect storm, 501000 honoured in the welcome's read, holds bounded and woken by
close(), connect failures raised per request with nothing sent."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from typing import Any

import pytest
from hostile_gateway import OP_TEXT, HostileGateway, Session, frame
from rel_helpers import emulator, eventually, make_client, market

from kucoin_fast import ReconnectPolicy
from kucoin_fast.errors import (
    AuthenticationError,
    ClientClosedError,
    ConnectError,
    RateLimitError,
    RequestTimeoutError,
)

WINDOW_S = 3.0
#: Attempts a backoff of 0.1 s doubling (equal jitter) allows in WINDOW_S: 0, >=0.05,
#: >=0.15, >=0.35, >=0.75, >=1.55 s after the first: six at most, whatever the draws.
MAX_ATTEMPTS_IN_WINDOW = 7

NOTICE = frame(OP_TEXT, json.dumps({"code": "501000", "msg": "service shutting down"}).encode())


def _client(gw: HostileGateway, **options: Any) -> Any:
    return make_client(url=gw.url, allow_insecure_ws=True, **options)


async def _drop_after_welcome(session: Session) -> None:
    await asyncio.sleep(0.01)
    session.close(1001)


async def _fin_after_welcome(session: Session) -> None:
    await asyncio.sleep(0.01)
    session.writer.close()


@pytest.mark.parametrize("script", [_drop_after_welcome, _fin_after_welcome],
                         ids=["close-1001", "fin"])
def test_a_flapping_gateway_gets_a_handful_of_attempts(client_impl: Any, arun: Any,
                                                       script: Any,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> list[float]:
        async with HostileGateway(script) as gw:
            client = _client(gw)
            try:
                with caplog.at_level(logging.WARNING, "kucoin_fast"):
                    await client.connect()
                    await asyncio.sleep(WINDOW_S)
            finally:
                await client.close()
            return [t - gw.handshakes[0] for t in gw.handshakes]

    times = arun(main())
    in_window = [t for t in times if t <= WINDOW_S]
    assert 2 <= len(in_window) <= MAX_ATTEMPTS_IN_WINDOW, times
    # Backing off: the k-th wait is at least half its ceiling, 0.1 s * 2**k / 2 (load
    # only lengthens a gap; 5% for timer slack).
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= 0.05 * 2**k * 0.95 for k, gap in enumerate(gaps)), gaps
    assert len(caplog.records) <= 3 * MAX_ATTEMPTS_IN_WINDOW


def test_a_connection_that_answered_reconnects_at_once(client_impl: Any, arun: Any) -> None:
    async def answer_then_drop(session: Session) -> None:
        session.send_text(session.reply(await session.request()))
        await asyncio.sleep(0.05)
        session.close(1001)

    async def main() -> None:
        async with HostileGateway(answer_then_drop) as gw:
            client = _client(gw)
            try:
                for n in range(4):
                    await client.submit_futures_order(market(f"ans-{n}"))
                    await client.wait_connected(timeout=5)
                    while len(gw.handshakes) < n + 2:
                        await asyncio.sleep(0.005)
            finally:
                await client.close()
            gaps = [b - a for a, b in zip(gw.handshakes, gw.handshakes[1:])]
            assert max(gaps) < 1.0, gaps  # no backoff built up by healthy connections

    arun(main())


def test_max_per_minute_caps_reconnects(client_impl: Any, arun: Any,
                                        caplog: pytest.LogCaptureFixture) -> None:
    async def answer_then_drop(session: Session) -> None:
        try:
            session.send_text(session.reply(await session.request()))
        finally:
            session.close(1001)

    async def main() -> int:
        policy = ReconnectPolicy(max_per_minute=3)
        async with HostileGateway(answer_then_drop) as gw:
            client = _client(gw, reconnect_policy=policy)
            try:
                with caplog.at_level(logging.WARNING, "kucoin_fast"):
                    for n in range(3):
                        await client.wait_connected(timeout=5)
                        await client.submit_futures_order(market(f"cap-{n}"))
                    await asyncio.sleep(1.0)
            finally:
                await client.close()
            return len(gw.handshakes)

    assert arun(main()) == 3
    capped = [r for r in caplog.records if "max_per_minute" in r.getMessage()]
    assert len(capped) == 1


def test_501000_with_the_welcome_is_a_failed_attempt(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with HostileGateway(after_welcome=NOTICE) as gw:
            client = _client(gw)
            try:
                with pytest.raises(ConnectError) as info:
                    await client.submit_futures_order(market("notice-1"))
                exc = info.value
                assert "501000" in str(exc)
                assert exc.sent is False and exc.op == "futures.order"
                assert exc.client_oids == ("notice-1",)
                await asyncio.sleep(1.0)
                assert len(gw.handshakes) == 1  # no reconnect loop for a connect failure
            finally:
                await client.close()

    arun(main())


def test_501000_after_every_welcome_backs_off(client_impl: Any, arun: Any) -> None:
    async def main() -> list[float]:
        first = True

        async def script(session: Session) -> None:
            nonlocal first
            if first:  # the first connection is healthy, then the gateway retires
                first = False
                gw.after_welcome = NOTICE
                session.send_text(session.reply(await session.request()))
                session.send(NOTICE)
            await session.serve()

        async with HostileGateway(script) as gw:
            client = _client(gw)
            try:
                await client.submit_futures_order(market("retire-1"))
                await asyncio.sleep(WINDOW_S)
            finally:
                await client.close()
            return [t - gw.handshakes[1] for t in gw.handshakes[1:]]

    times = arun(main())
    assert 2 <= len([t for t in times if t <= WINDOW_S]) <= MAX_ATTEMPTS_IN_WINDOW, times


def _rate_limited(reset_ms: int, code: str = "200000") -> Any:
    async def script(session: Session) -> None:
        while True:
            request = await session.request()
            fields: dict[str, Any] = {"userRateLimit": {"remaining": 0, "limit": 2000,
                                                        "reset": reset_ms}}
            if code != "200000":
                fields["msg"] = "Too many requests"
            session.send_text(session.reply(request, code, **fields))
    return script


@pytest.mark.parametrize("code", ["200000", "429000"])
def test_a_huge_reset_refuses_at_once_with_nothing_sent(client_impl: Any, arun: Any,
                                                        code: str) -> None:
    async def main() -> None:
        async with HostileGateway(_rate_limited(9 * 10**12, code)) as gw:
            client = _client(gw, throttle=True, request_timeout=2.0)
            try:
                with contextlib.suppress(RateLimitError):  # the 429 itself
                    await client.submit_futures_order(market("rl-1"))
                written = client.stats()["frames_written"]
                started = time.monotonic()
                with pytest.raises(RequestTimeoutError) as info:
                    await client.submit_futures_order(market("rl-2"))
                assert time.monotonic() - started < 1.0
                assert info.value.sent is False and info.value.outcome_unknown is False
                assert info.value.client_oids == ("rl-2",)
                assert client.stats()["frames_written"] == written
            finally:
                await client.close()

    arun(main())


def test_a_held_request_is_woken_by_close(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with HostileGateway(_rate_limited(9 * 10**12)) as gw:
            client = _client(gw, throttle=True, request_timeout=60.0)
            await client.submit_futures_order(market("hold-1"))
            held = asyncio.ensure_future(client.submit_futures_order(market("hold-2")))
            await asyncio.sleep(0.2)
            assert not held.done()
            assert 25 < client.throttle.wait_time() <= 30  # the window bounds the hold
            started = time.monotonic()
            await client.close()
            with pytest.raises(ClientClosedError) as info:
                await held
            assert time.monotonic() - started < 2.0
            assert info.value.sent is False and info.value.client_oids == ("hold-2",)

    arun(main())


def test_a_refused_connect_is_each_request_s_own_unsent_error(client_impl: Any,
                                                              arun: Any) -> None:
    refuse = {"id": "", "type": "error", "code": "400003", "msg": "KC-API-KEY not exists"}

    async def main() -> None:
        async with HostileGateway(refuse=refuse) as gw:
            client = _client(gw, auto_reconnect=False)
            try:
                calls = [client.submit_futures_order(market(f"ref-{n}")) for n in range(3)]
                results = await asyncio.gather(*calls, return_exceptions=True)
            finally:
                await client.close()
            assert gw.upgrades == 1
        assert all(isinstance(r, AuthenticationError) for r in results), results
        assert len({id(r) for r in results}) == 3
        for n, exc in enumerate(results):
            assert exc.sent is False and exc.outcome_unknown is False
            assert exc.op == "futures.order" and exc.client_oids == (f"ref-{n}",)
            assert exc.code == "400003"
            assert isinstance(exc.__cause__, AuthenticationError)
            assert exc.__cause__ is results[0].__cause__

    arun(main())


def test_the_push_stream_honours_max_attempts(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        policy = ReconnectPolicy(initial=0.02, cap=0.05, max_attempts=3)
        async with emulator() as ex:
            client = make_client(ex, rest_url=ex.rest_url, reconnect_policy=policy)
            stream = client.order_events(("futures",))
            await stream.start()
        try:  # the emulator is gone: every reconnect attempt fails
            await eventually(lambda: stream.error is not None, what="the stream gave up")
            # The lost connection had not proved itself: it is failure one of three.
            assert stream.reconnects == 2
            assert stream.closed
        finally:
            await stream.close()
            await client.close()

    arun(main())

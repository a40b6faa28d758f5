"""What a request method returns is a coroutine, in both builds (the compiled one is
``kucoin_fast._core.request.RequestCall``, the Python one an ``async def``): it sends nothing
until it is first awaited or stepped, it cannot be awaited twice, a forgotten one warns,
and a cancellation thrown into it makes its order an unknown outcome. All against the
emulator over loopback.
"""
from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

import pytest
from rel_helpers import emulator, eventually, make_client, market, order

from kucoin_fast import ConnectionState, InvalidParamsError, ReconnectPolicy

FAST = ReconnectPolicy(initial=0.02, factor=2.0, cap=0.1)


def test_it_is_a_coroutine_that_sends_when_first_awaited(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            async with client:
                coro = client.submit_futures_order(order("lazy-1"))
                assert asyncio.iscoroutine(coro)
                await asyncio.sleep(0.05)
                assert ex.counters.requests == 0  # nothing left before the first await
                reply = await coro
                assert reply.ok and reply.data["clientOid"] == "lazy-1"
                assert ex.counters.requests == 1
                with pytest.raises(RuntimeError, match="cannot reuse"):
                    await coro
                task = asyncio.create_task(client.cancel_futures_order(
                    {"clientOid": "lazy-1", "symbol": "XBTUSDTM"}))
                cancel = await task
                assert cancel.op == "futures.cancel"
    arun(main())


def test_invalid_params_raise_at_the_await_and_send_nothing(client_impl: Any,
                                                           arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            async with client:
                coro = client.submit_futures_order(dict(market("bad-1"), side="hold"))
                with pytest.raises(InvalidParamsError, match="side"):
                    await coro
                with pytest.raises(RuntimeError, match="cannot reuse"):
                    await coro
                assert ex.counters.requests == 0
                assert not client.unknown_outcomes
    arun(main())


def test_a_coroutine_never_awaited_warns_and_sends_nothing(client_impl: Any,
                                                           arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            async with client:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    client.submit_futures_order(market("forgotten-1"))
                    gc.collect()
                assert any(issubclass(w.category, RuntimeWarning)
                           and "never awaited" in str(w.message) for w in caught)
                await asyncio.sleep(0.05)
                assert ex.counters.requests == 0
    arun(main())


def test_cancellation_thrown_in_makes_an_unknown_outcome(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            async with client:
                ex.faults.latency_ms = 50
                coro = client.submit_futures_order(order("thrown-1"))
                waiter = coro.send(None)  # the first step sends, and yields the future
                assert isinstance(waiter, asyncio.Future) and not waiter.done()
                with pytest.raises(asyncio.CancelledError):
                    coro.throw(asyncio.CancelledError())
                assert client.unknown_client_oids() == ["thrown-1"]
                assert client.unknown_outcomes[-1].kind == "cancelled"
                with pytest.raises(RuntimeError, match="cannot reuse"):
                    coro.send(None)
                await eventually(lambda: len(client.resolved_outcomes) == 1)
                assert client.resolved_outcomes[-1].client_oids == ("thrown-1",)
    arun(main())


def test_throw_takes_an_exception_type_as_a_coroutine_does(client_impl: Any,
                                                          arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            async with client:
                ex.faults.latency_ms = 50
                coro = client.submit_futures_order(order("thrown-type-1"))
                coro.send(None)
                with pytest.raises(asyncio.CancelledError) as info:
                    coro.throw(asyncio.CancelledError)
                assert info.value.args == ()  # made with no argument, not CancelledError(None)
                assert client.unknown_client_oids() == ["thrown-type-1"]
                unsent = client.submit_futures_order(order("thrown-type-2"))
                with pytest.raises(ValueError, match="^boom$"):
                    unsent.throw(ValueError, "boom")  # before its first step: nothing sent
                await asyncio.sleep(0.1)
                assert ex.counters.requests == 1
    arun(main())


def test_closing_a_waiting_coroutine_leaves_its_request_pending(client_impl: Any,
                                                                arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            async with client:
                coro = client.submit_futures_order(order("closed-1"))
                waiter = coro.send(None)
                coro.close()
                coro.close()  # idempotent
                # Nobody awaits it any more, but the reply still completes its future:
                # the request was not cancelled, so it is no unknown outcome.
                await asyncio.wait_for(asyncio.shield(waiter), 5)
                assert waiter.result().ok
                assert not client.unknown_outcomes
    arun(main())


def test_a_coroutine_made_before_a_reconnect_goes_out_on_the_new_connection(
        client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, reconnect_policy=FAST)
            async with client:
                first = client.connection()
                made_early = client.submit_futures_order(market("early-1"))
                ex.faults.close_after = 1
                with pytest.raises(Exception):  # noqa: B017 - the request the drop takes
                    await client.submit_futures_order(market("dropped-1"))
                ex.faults.close_after = None
                await client.wait_connected(timeout=20)
                assert client.state == ConnectionState.CONNECTED
                assert client.connection() is not first
                reply = await made_early
                assert reply.ok and reply.data["clientOid"] == "early-1"
    arun(main())


def test_a_coroutine_made_before_connect_waits_for_the_connection(client_impl: Any,
                                                                  arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            coro = client.submit_futures_order(market("before-1"))
            try:
                reply = await asyncio.wait_for(coro, 20)  # the slow path connects
                assert reply.ok and client.state == ConnectionState.CONNECTED
            finally:
                await client.close()
    arun(main())

"""Core request-path guarantees (clientOids as sent, outcome records, close and prepared
sends), each over both implementations and both loops, against the emulator over real
loopback sockets."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

import pytest
from rel_helpers import (
    FaultProxy,
    client_frames,
    emulator,
    eventually,
    make_client,
    market,
    order,
)

from kucoin_fast import (
    ConnectionLostError,
    ConnectionState,
    InvalidParamsError,
    RequestTimeoutError,
)

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------- 1. what was sent is what is reported
def test_reused_order_dict_reports_the_clientoid_sent(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, request_timeout=0.3)
            async with client:
                ex.faults.blackhole = True
                d = order("first-oid")
                task = asyncio.ensure_future(client.submit_futures_order(d))
                await asyncio.sleep(0.01)
                d["clientOid"] = "second-oid"
                d["price"] = "1"
                with pytest.raises(RequestTimeoutError) as info:
                    await task
                assert info.value.client_oids == ("first-oid",)
                assert info.value.outcome_unknown and info.value.sent
                assert client.unknown_client_oids() == ["first-oid"]
                record = client.unknown_outcomes[-1]
                assert record.kind == "timeout" and record.requests == 1
                ex.faults.blackhole = False
    arun(main())


def test_reused_batch_items_report_the_clientoids_sent(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, request_timeout=0.3)
            async with client:
                ex.faults.blackhole = True
                items = [order("b-1"), order("b-2")]
                task = asyncio.ensure_future(client.submit_multiple_futures_orders(items))
                await asyncio.sleep(0.01)
                items[0]["clientOid"] = "changed-1"
                items.append(order("added-3"))
                with pytest.raises(RequestTimeoutError) as info:
                    await task
                assert info.value.client_oids == ("b-1", "b-2")
                ex.faults.blackhole = False
    arun(main())


def test_connection_loss_reports_the_clientoids_sent(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, auto_reconnect=False)
            async with client:
                ex.faults.close_after = 2
                d = order("lost-1")
                t1 = asyncio.ensure_future(client.submit_futures_order(d))
                await asyncio.sleep(0)
                d["clientOid"] = "lost-2"
                t2 = asyncio.ensure_future(client.submit_futures_order(d))
                await asyncio.sleep(0)
                d["clientOid"] = "never-sent"
                errors = await asyncio.gather(t1, t2, return_exceptions=True)
                assert all(isinstance(e, ConnectionLostError) for e in errors), errors
                assert [e.client_oids for e in errors] == [("lost-1",), ("lost-2",)]
                assert all(e.sent and e.outcome_unknown for e in errors)
                await eventually(lambda: client.unknown_outcomes)
                assert client.unknown_outcomes[-1].client_oids == ("lost-1", "lost-2")
                assert client.unknown_outcomes[-1].kind == "connection_lost"
    arun(main())


def test_prepared_order_timeout_reports_its_clientoid(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, request_timeout=0.3)
            async with client:
                prepared = client.prepare_order(market("template"))
                ex.faults.blackhole = True
                results: list[Any] = []
                prepared.send(None, 1, "prep-1", results.append)
                await eventually(lambda: results)
                assert isinstance(results[0], RequestTimeoutError)
                assert results[0].client_oids == ("prep-1",)
                assert client.unknown_client_oids() == ["prep-1"]
                ex.faults.blackhole = False
    arun(main())


# ----------------------------------------------------- 2. unpredictable mask keys
_MASK_PROBE = """
import asyncio, sys
sys.path[:0] = {paths!r}
from rel_helpers import FaultProxy, client_frames, emulator, make_client, market
async def main():
    async with emulator() as ex, FaultProxy(int(ex.url.rsplit(':', 1)[1].split('/')[0])) as px:
        client = make_client(url=px.url(), coalesce_writes={mode!r})
        async with client:
            await asyncio.gather(*(client.submit_futures_order(market(f"m{{i}}")) for i in range(8)))
        await asyncio.sleep(0.05)
        print(" ".join(key.hex() for key, _ in client_frames(bytes(px.up_bytes))))
asyncio.run(main())
"""


@pytest.mark.parametrize("mode", [False, True, "auto"])
def test_mask_keys_differ_between_processes(mode: Any) -> None:
    code = _MASK_PROBE.format(paths=[os.path.dirname(HERE), HERE], mode=mode)
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60, check=False)
        assert out.returncode == 0, out.stderr
        runs.append(out.stdout.split())
    assert len(runs[0]) >= 9  # the session signature and 8 orders
    assert runs[0] != runs[1], f"two processes sent the same mask keys: {runs[0]}"
    assert len(set(runs[0])) > len(runs[0]) // 2


# --------------------------------------------- 3. the reconnect loop cannot die silently
def test_reconnect_loop_failure_is_logged_and_visible(client_impl: Any, arun: Any,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        async with emulator() as ex:
            states: list[str] = []
            client = make_client(ex, on_state_change=lambda k, s, e: states.append(s))
            async with client:
                impl = client._connector.impl

                class Broken:
                    sign = impl.sign

                    @staticmethod
                    def Connection(*args: Any, **kwargs: Any) -> Any:
                        raise RuntimeError("bug in a connection factory")

                client._connector.impl = Broken
                ex.expire_sessions()
                await eventually(lambda: client.state == ConnectionState.DISCONNECTED)
                assert isinstance(client.last_error, RuntimeError)
                assert states[-2:] == [ConnectionState.RECONNECTING, ConnectionState.DISCONNECTED]
                client._connector.impl = impl
    with caplog.at_level(logging.ERROR, logger="kucoin_fast"):
        arun(main())
    text = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert "bug in a connection factory" in text and "Traceback" in text


# ------------------------------------- 4. what was never written is reported unsent
def test_coalesced_frames_dropped_on_server_close_are_unsent(client_impl: Any,
                                                             arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, coalesce_writes=True, auto_reconnect=False)
            async with client:
                conn = client.connection()
                tasks = [asyncio.ensure_future(conn.call("futures.order", order(f"c-{i}")))
                         for i in range(3)]
                await asyncio.sleep(0)  # the three frames wait for the end of the iteration
                # The server's close arrives before the coalesced write: feed picows' view
                # of it directly (a close frame read in the same iteration).
                from picows import WSCloseCode, WSMsgType
                from picows.picows import _make_test_ws_frame
                close = _make_test_ws_frame(WSMsgType.CLOSE,
                                            int(WSCloseCode.GOING_AWAY).to_bytes(2, "big"),
                                            True, False)
                conn.on_ws_frame(conn.transport, close)
                errors = await asyncio.gather(*tasks, return_exceptions=True)
                assert all(isinstance(e, ConnectionLostError) for e in errors), errors
                assert all(not e.sent and not e.outcome_unknown for e in errors)
                assert [e.client_oids for e in errors] == [("c-0",), ("c-1",), ("c-2",)]
                assert not client.unknown_outcomes
                assert ex.counters.requests == 0
    arun(main())


def test_prepared_send_after_close_frame_is_refused(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, auto_reconnect=False)
            async with client:
                prepared = client.prepare_order(market("template"))
                conn = client.connection()
                conn.transport.send_close()
                with pytest.raises(ConnectionLostError) as info:
                    prepared.send(None, 1, "after-close", lambda r: None)
                assert info.value.sent is False and info.value.client_oids == ("after-close",)
    arun(main())


# ----------------------------------- 5. a caller that gives up does not lose its order
def test_cancelled_callers_become_unknown_then_resolved(client_impl: Any, arun: Any) -> None:
    n = 200

    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex)
            async with client:
                ex.faults.latency_ms = 30
                coros = []
                for i in range(n):
                    coro = client.submit_futures_order(market(f"w-{i}"))
                    coros.append(asyncio.wait_for(coro, 0.002) if i % 2 else coro)
                results = await asyncio.gather(*coros, return_exceptions=True)
                cancelled = {f"w-{i}" for i in range(1, n, 2)}
                assert all(isinstance(r, asyncio.TimeoutError) for r in results[1::2])
                assert all(r.ok for r in results[0::2])
                assert set(client.unknown_client_oids()) == cancelled
                assert all(r.kind == "cancelled" for r in client.unknown_outcomes)
                await eventually(lambda: len(client.resolved_outcomes) == n // 2)
                resolved = list(client.resolved_outcomes)
                assert {oid for r in resolved for oid in r.client_oids} == cancelled
                assert all(r.kind == "cancelled" and r.ok and r.code == "200000" for r in resolved)
                assert all(r.order_ids and r.order_ids[0] for r in resolved)
                assert client.stats()["late_replies"] == n // 2
    arun(main())


# --------------------------------------------------------- 6. Decimal amounts
def test_decimal_prices_are_accepted_and_sent_exactly(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex, FaultProxy(int(ex.url.rsplit(":", 1)[1].split("/")[0])) as px:
            client = make_client(url=px.url(), coalesce_writes=False)
            async with client:
                ok = await client.submit_futures_order(order("dec-1", price=Decimal("10000.5")))
                assert ok.ok
                await client.submit_futures_order(order("dec-2", price=Decimal("1E+4")))
                await client.submit_futures_order(dict(market("dec-3"), size=1,
                                                       stopPrice=Decimal("100.0"),
                                                       stop="down", stopPriceType="TP"))
                prepared = client.prepare_order(order("tmpl"))
                results: list[Any] = []
                prepared.send(Decimal("20000.1"), Decimal("0.01"), "dec-4", results.append)
                await eventually(lambda: results)
                assert results[0].ok, results[0]
                for bad in (Decimal("NaN"), Decimal(-1), Decimal(0), Decimal("Infinity")):
                    with pytest.raises(InvalidParamsError) as info:
                        await client.submit_futures_order(order("dec-bad", price=bad))
                    assert info.value.field == "price"
            await asyncio.sleep(0.05)
        sent = [json.loads(p) for _, p in client_frames(bytes(px.up_bytes)) if p[:1] == b"{"]
        args = {m["args"]["clientOid"]: m["args"] for m in sent}
        assert args["dec-1"]["price"] == "10000.5"
        assert args["dec-2"]["price"] == "10000"
        assert args["dec-3"]["stopPrice"] == "100.0"
        assert args["dec-4"]["price"] == "20000.1" and args["dec-4"]["qty"] == "0.01"
    arun(main())


# ------------------------------------------------- 7. the records use the given clock
def test_unknown_outcome_uses_the_injected_clock(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, auto_reconnect=False, clock=lambda: time.time() + 2.0)
            async with client:
                ex.faults.close_after = 1
                with pytest.raises(ConnectionLostError):
                    await client.submit_futures_order(order("clock-1"))
                await eventually(lambda: client.unknown_outcomes)
                assert client.unknown_outcomes[-1].at > time.time() + 1.0
    arun(main())

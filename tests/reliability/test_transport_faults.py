"""Transport-level failure scenarios, plain and TLS, asyncio and uvloop.

Socket-level faults (half-open peer, RST, FIN, split frames) go through
:class:`rel_helpers.FaultProxy`; protocol-level faults through the emulator's
switches. See README.md in this directory for the scenario -> test index.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from rel_helpers import (
    MARKET,
    FaultProxy,
    emulator,
    eventually,
    make_client,
    market,
    open_fds,
    order,
    port_of,
)

from kucoin_fast import (
    ClientClosedError,
    ConnectionLostError,
    ConnectTimeoutError,
    DuplicateClientOidError,
    RequestTimeoutError,
)


def _assert_lost(results: list[Any], coids: list[str]) -> None:
    for coid, exc in zip(coids, results):
        assert isinstance(exc, ConnectionLostError), exc
        assert not isinstance(exc, ClientClosedError)
        assert exc.sent and exc.outcome_unknown and exc.client_oids == (coid,)


# ------------------------------------------------------------- scenario 5
@pytest.mark.parametrize("mode", ["close", "fin", "rst"])
def test_s05_server_closes_mid_flight(arun: Any, tls: bool, mode: str) -> None:
    """5: the emulator closes (close frame / FIN / RST) after N orders, unanswered."""
    async def main() -> None:
        async with emulator(tls=tls) as ex:
            client = make_client(ex)
            await client.connect()
            ex.faults.close_after = 5
            ex.faults.close_mode = mode
            coids = [f"s5-{mode}-{i}" for i in range(5)]
            results = await asyncio.gather(*(client.submit_futures_order(order(c))
                                             for c in coids), return_exceptions=True)
            _assert_lost(results, coids)
            conn = client.connection()
            assert conn.pending_count == 0 and not conn.is_ready and conn.lost_reason
            await client.close()
            await eventually(lambda: ex.sessions == 0)
    arun(main())


@pytest.mark.parametrize("action", ["rst", "fin"])
def test_s05_socket_reset_or_eof_via_proxy(arun: Any, tls: bool, action: str) -> None:
    """5: RST / FIN injected by the proxy while requests are pending (replies held)."""
    async def main() -> None:
        async with emulator(tls=tls) as ex, FaultProxy(port_of(ex.url)) as proxy:
            client = make_client(url=proxy.url(tls))
            assert (await client.submit_futures_order(market("s5p-0"))).ok
            ex.faults.latency_ms = 60_000  # replies never arrive before the fault
            coids = [f"s5p-{action}-{i}" for i in range(8)]
            tasks = [asyncio.ensure_future(client.submit_futures_order(order(c))) for c in coids]
            await eventually(lambda: client.stats()["pending"] == len(coids))
            getattr(proxy, action)()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            _assert_lost(results, coids)
            assert client.stats()["pending"] == 0
            await client.close()
    arun(main())


# ------------------------------------------------------------- scenario 6
def test_s06_half_open_both_directions(arun: Any, tls: bool) -> None:
    """6: the proxy blackholes both directions without closing: the JSON keepalive
    notices within pingInterval + pingTimeout; pending requests fail as in 5."""
    async def main() -> None:
        async with emulator(tls=tls, idle_timeout_ms=600_000) as ex, \
                FaultProxy(port_of(ex.url)) as proxy:
            client = make_client(url=proxy.url(tls), request_timeout=120,
                                 ping_interval=0.2, ping_timeout=1.0)
            assert (await client.submit_futures_order(market("s6-0"))).ok
            proxy.blackhole = True
            coids = ["s6-1", "s6-2", "s6-3"]
            results = await asyncio.gather(*(client.submit_futures_order(order(c))
                                             for c in coids), return_exceptions=True)
            _assert_lost(results, coids)
            assert "pong" in str(results[0])  # the keepalive, not the 120 s deadline
            assert client.stats()["pending"] == 0
            proxy.blackhole = False  # the next call opens a new connection through the proxy
            assert (await client.submit_futures_order(market("s6-4"))).ok
            assert proxy.connections == 2
            await client.close()
    arun(main())


# ------------------------------------------------------------- scenario 11
@pytest.mark.parametrize("direction", ["down", "both"])
def test_s11_split_writes(arun: Any, tls: bool, direction: str) -> None:
    """11: every byte of the handshake, the frames (and the TLS records) arrives in
    1-7 byte pieces: the client reassembles them; results are intact."""
    async def main() -> None:
        async with emulator(tls=tls) as ex, FaultProxy(port_of(ex.url)) as proxy:
            proxy.chunk_size = 7 if tls else 1
            if direction == "both":
                proxy.up_chunk_size = 3
            async with make_client(url=proxy.url(tls)) as client:
                coids = [f"s11-{i}" for i in range(20)]
                results = await asyncio.gather(*(client.submit_futures_order(market(c))
                                                 for c in coids))
                assert [r.data["clientOid"] for r in results] == coids
                stats = client.stats()
                assert stats["malformed_frames"] == 0 and stats["pending"] == 0
    arun(main())


@pytest.mark.parametrize("kind", ["fragmented", "binary", "truncated_json", "non_json",
                                  "wrong_types"])
def test_s11_malformed_over_tls(arun: Any, kind: str) -> None:
    """11 over TLS (the plain-socket variants are in tests/client)."""
    async def main() -> None:
        async with emulator(tls=True) as ex, make_client(ex) as client:
            ex.faults.malformed = kind
            for i in range(3):
                assert (await client.submit_futures_order(market(f"s11m-{i}"))).ok
            if kind == "fragmented":  # reassembled (RFC 6455 §5.4): a second copy each
                await eventually(lambda: client.stats()["duplicate_replies"] == 3)
                assert client.stats()["malformed_frames"] == 0
            else:
                assert client.stats()["malformed_frames"] >= 3
            assert client.connection().is_ready
    arun(main())


# ------------------------------------------------------------- scenario 12
def test_s12_oversized_frame(arun: Any, tls: bool) -> None:
    """12: a frame above max_frame_size disconnects; pending fail; nothing is kept."""
    async def main() -> None:
        async with emulator(tls=tls) as ex, make_client(ex, max_frame_size=64 * 1024) as client:
            ex.faults.malformed = "oversized"
            ex.faults.malformed_mode = "replace"
            ex.faults.oversized_bytes = 4 * 1024 * 1024
            with pytest.raises(ConnectionLostError) as info:
                await client.submit_futures_order(order("s12-1"))
            assert info.value.outcome_unknown and info.value.client_oids == ("s12-1",)
            assert client.stats()["pending"] == 0
            ex.faults.malformed = None
            assert (await client.submit_futures_order(market("s12-2"))).ok
    arun(main())


# -------------------------------------------------------------- scenario 3
@pytest.mark.parametrize("stall", ["stall_before_challenge", "stall_before_welcome"])
def test_s03_handshake_stall_no_fd_leak(arun: Any, tls: bool, stall: str) -> None:
    """3: challenge / welcome never arrives: ConnectTimeoutError; socket closed; no fd
    left behind after several attempts."""
    async def main() -> None:
        async with emulator(tls=tls) as ex:
            setattr(ex.faults, stall, True)
            client = make_client(ex, connect_timeout=0.3)
            with pytest.raises(ConnectTimeoutError):  # warm-up (lazy imports, TLS ctx)
                await client.connect()
            await eventually(lambda: ex.sessions == 0)
            before = open_fds()
            for _ in range(5):
                with pytest.raises(ConnectTimeoutError):
                    await client.connect()
            await eventually(lambda: ex.sessions == 0)
            await eventually(lambda: open_fds() <= before, what="fds back to the baseline")
            await client.close()
    arun(main())


# ------------------------------------------------------------- scenario 7
def test_s07_late_reply_never_resolves_another(arun: Any, tls: bool) -> None:
    """7: a reply after the deadline is counted and dropped; the next request gets its
    own reply."""
    async def main() -> None:
        async with emulator(tls=tls) as ex, make_client(ex, request_timeout=0.2) as client:
            ex.faults.latency_ms = 600
            with pytest.raises(RequestTimeoutError) as info:
                await client.submit_futures_order(order("s7-1"))
            assert info.value.outcome_unknown and info.value.sent
            ex.faults.latency_ms = 0
            await eventually(lambda: client.stats()["late_replies"] == 1)
            r = await client.submit_futures_order(market("s7-2"))
            assert r.data["clientOid"] == "s7-2"
            assert client.stats()["pending"] == 0
    arun(main())


# ------------------------------------------------------------ scenario 14
def test_s14_event_loop_stall_no_false_disconnect(arun: Any, tls: bool) -> None:
    """14: user code blocks the loop for 2 s while 2,000 replies flood in: no false
    disconnect (2 s < pingTimeout), every reply delivered, buffers drained."""
    async def main() -> None:
        async with emulator(tls=tls, ping_interval_ms=500, ping_timeout_ms=5000) as ex, \
                make_client(ex) as client:
            assert (await client.submit_futures_order(market("s14-0"))).ok
            loop = asyncio.get_running_loop()
            done: asyncio.Future[None] = loop.create_future()
            results: list[Any] = []

            def on_result(result: Any) -> None:
                results.append(result)
                if len(results) == 2000 and not done.done():
                    done.set_result(None)

            prepared = client.prepare_order(MARKET)
            for i in range(2000):
                prepared.send(None, 1, f"s14-{i}", on_result)
            time.sleep(2.0)  # noqa: ASYNC251 - the stall (deliberately blocking)
            await done
            assert all(getattr(r, "ok", False) for r in results)
            assert client.connection().is_ready and client.stats()["pending"] == 0
            await asyncio.sleep(1.0)  # pings keep flowing after the stall
            assert client.connection().is_ready
    arun(main(), timeout=60)


# ------------------------------------------------------------ scenario 15
def test_s15_in_flight_orders_not_resent(arun: Any, tls: bool) -> None:
    """15: the emulator accepts the orders then closes without answering: every
    clientOid is reported unknown; the client re-sends nothing; a manual resend of the
    same clientOid is a 300018 duplicate while the order rests."""
    async def main() -> None:
        async with emulator(tls=tls) as ex, make_client(ex) as client:
            await client.connect()
            ex.faults.close_after = 4
            coids = [f"s15-{i}" for i in range(4)]
            results = await asyncio.gather(*(client.submit_futures_order(order(c))
                                             for c in coids), return_exceptions=True)
            unknown = sorted(c for exc in results for c in exc.client_oids
                             if exc.outcome_unknown)
            assert unknown == coids
            ex.faults.close_after = None
            requests_before = ex.counters.requests
            assert {o.client_oid for o in ex.open_orders()} == set(coids)
            with pytest.raises(DuplicateClientOidError):
                await client.submit_futures_order(order("s15-0"))
            assert ex.counters.requests == requests_before + 1  # only our manual resend
    arun(main())


# ------------------------------------------------------------ scenario 17
def test_s17_fresh_signature_after_server_end(arun: Any) -> None:
    """17: after a 501000 notice + close 1001 and after a forced expiry, the next
    connection carries a new timestamp and signature (sniffed by the proxy)."""
    async def main() -> None:
        async with emulator() as ex, FaultProxy(port_of(ex.url)) as proxy:
            seen: list[str] = []
            original = proxy._pipe

            async def sniff(reader: Any, writer: Any, downstream: bool) -> None:
                if not downstream:
                    head = await reader.readuntil(b"\r\n\r\n")
                    seen.append(head.split(b" ", 2)[1].decode())
                    writer.write(head)
                await original(reader, writer, downstream)

            proxy._pipe = sniff  # type: ignore[method-assign]
            ticks = iter(range(10**6))
            client = make_client(url=proxy.url(), clock=lambda: time.time() + next(ticks) * 1e-3)
            try:
                await client.connect()
                first = client.connection()
                await ex.send_shutdown_notice(close=True)
                # The client reconnects by itself (auto_reconnect, the default).
                await eventually(lambda: client.connection() is not first and client.is_connected)
                assert first.server_notice[0] == "501000" and not first.is_ready
                assert (await client.submit_futures_order(market("s17-1"))).ok
                second = client.connection()
                ex.expire_sessions()
                await eventually(lambda: client.connection() is not second and client.is_connected)
                assert (await client.submit_futures_order(market("s17-2"))).ok
            finally:
                await client.close()
            assert len(seen) == 3
            queries = [parse_qs(s.split("?", 1)[1]) for s in seen]
            for name in ("timestamp", "sign", "passphrase"):
                assert all(len(q[name]) == 1 for q in queries)
            assert len({q["timestamp"][0] for q in queries}) == 3
            assert len({q["sign"][0] for q in queries}) == 3
    arun(main())


# ------------------------------------------------------------ scenario 23
def test_s23_cancel_and_close(client_impl: Any, arun: Any, tls: bool) -> None:
    """23, plain and TLS: a cancelled caller's entry goes at once; its late reply is
    ignored; leaving ``async with`` fails the rest with ClientClosedError (sent, outcome
    unknown, with their clientOids); no warnings."""
    async def main() -> None:
        async with emulator(tls=tls) as ex:
            ex.faults.latency_ms = 300
            async with make_client(ex) as client:
                task = asyncio.ensure_future(client.submit_futures_order(order("s23-c")))
                await eventually(lambda: client.stats()["pending"] == 1)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert client.stats()["pending"] == 0
                await eventually(lambda: client.stats()["late_replies"] == 1)
                pending = [asyncio.ensure_future(client.submit_futures_order(order(f"s23-{i}")))
                           for i in range(3)]
                await eventually(lambda: client.stats()["pending"] == 3)
            for i, fut in enumerate(pending):
                exc = fut.exception()
                assert isinstance(exc, ClientClosedError) and exc.client_oids == (f"s23-{i}",)
                assert exc.sent and exc.outcome_unknown
            assert client.stats()["pending"] == 0
    arun(main())


def test_s23_close_is_clean_of_fds(arun: Any, tls: bool) -> None:
    """23/20: open, use and close clients repeatedly: the fd count returns to baseline."""
    async def main() -> None:
        async with emulator(tls=tls) as ex:
            async with make_client(ex) as warm:
                await warm.submit_futures_order(market("fd-w"))
            await eventually(lambda: ex.sessions == 0)
            before = open_fds()
            for i in range(5):
                async with make_client(ex) as client:
                    assert (await client.submit_futures_order(market(f"fd-{i}"))).ok
            await eventually(lambda: ex.sessions == 0)
            await eventually(lambda: open_fds() <= before, what="fds back to the baseline")
    arun(main())


# ------------------------------------------------------------ scenario 22
def test_s22_tls_verification(arun: Any) -> None:
    """22: an untrusted CA and a hostname mismatch are refused by default."""
    from rel_helpers import client_ssl_context, server_ssl_context, untrusted_server_ssl_context

    from kucoin_fast import ConnectError

    async def main() -> None:
        async with emulator(ssl_context=untrusted_server_ssl_context()) as ex:
            with pytest.raises(ConnectError, match="(?i)certificate"):
                await make_client(ex, ssl_context=client_ssl_context()).connect()
            with pytest.raises(ConnectError, match="(?i)certificate"):
                await make_client(ex, tls=False).connect()  # system trust store
        async with emulator(ssl_context=server_ssl_context("other.example")) as ex:
            with pytest.raises(ConnectError, match="(?i)certificate|hostname|match"):
                await make_client(ex).connect()
        async with emulator(tls=True) as ex, make_client(ex) as client:
            assert (await client.submit_futures_order(MARKET)).ok
    arun(main())

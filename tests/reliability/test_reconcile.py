"""Reconciliation over REST and the private order channel, against the
emulator's REST and push services (real loopback sockets, both loops, both impls)."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rel_helpers import emulator, eventually, make_client, market, order

from kucoin_fast import OrderEvent, ReconnectPolicy, RequestTimeoutError, UnknownOutcome

FAST = ReconnectPolicy(initial=0.02, factor=2.0, cap=0.1)


def test_drop_every_reply_then_reconcile(client_impl: Any, arun: Any, tls: bool) -> None:
    """Every WS reply dropped: a resting limit and a filling market order time out
    with their outcome unknown; ``reconcile`` reports them open and done, a never-sent
    clientOid not_found; an ``order_events`` subscriber sees the market order fill.
    Over ws/http and over wss/https (the REST and push services share the TLS context)."""
    async def main() -> None:
        records: list[UnknownOutcome] = []
        async with emulator(tls=tls) as ex:
            assert ex.rest_url.startswith("https://" if tls else "http://")
            client = make_client(ex, rest_url=ex.rest_url, request_timeout=0.5,
                                 on_unknown_outcome=records.append,
                                 reconcile_backoff=(0.05, 0.1))
            async with client:
                events: list[OrderEvent] = []
                async with client.order_events(("futures",)) as stream:
                    ex.faults.drop_fraction = 1.0
                    results = await asyncio.gather(
                        client.submit_futures_order(order("rec-limit")),
                        client.submit_futures_order(market("rec-market")),
                        return_exceptions=True)
                    assert all(isinstance(r, RequestTimeoutError) and r.outcome_unknown
                               for r in results), results
                    async for event in stream:
                        events.append(event)
                        if event.client_oid == "rec-market" and event.is_done:
                            break
                ex.faults.drop_fraction = 0.0
                oids = sorted(o for r in records for o in r.client_oids)
                assert oids == ["rec-limit", "rec-market"]
                found = await client.reconcile([*records, "never-sent"])
            assert found["rec-limit"].status == "open"
            assert found["rec-limit"].order_id is not None
            assert found["rec-market"].status == "done"
            assert found["rec-market"].filled_size == "1"
            assert found["never-sent"].status == "not_found"
            fills = [e for e in events if e.client_oid == "rec-market" and e.is_fill]
            assert fills and fills[0].match_size == "1"
    arun(main())


def test_reconcile_spot_and_margin_by_their_ops(client_impl: Any, arun: Any) -> None:
    """Spot and margin orders with their replies dropped: the records' ops pick the HF
    lookups; the symbol comes from ``symbol=``; without one it is a typed error."""
    from kf_spot_cases import limit, margin
    from kf_spot_cases import market as spot_market

    from kucoin_fast import InvalidParamsError

    async def main() -> None:
        records: list[UnknownOutcome] = []
        async with emulator() as ex:
            client = make_client(ex, rest_url=ex.rest_url, request_timeout=0.3,
                                 on_unknown_outcome=records.append, reconcile_backoff=(0.05,))
            async with client:
                ex.faults.drop_fraction = 1.0
                await asyncio.gather(
                    client.submit_new_spot_order(limit(clientOid="sp-rest", price="1000")),
                    client.submit_new_spot_order(spot_market(clientOid="sp-mkt")),
                    client.submit_margin_order(margin(clientOid="mg-rest", price="1000")),
                    return_exceptions=True)
                ex.faults.drop_fraction = 0.0
                assert sorted(op for r in records for op in r.ops) == \
                    ["margin.order", "spot.order", "spot.order"]
                with pytest.raises(InvalidParamsError) as info:
                    await client.reconcile(records)
                assert info.value.code == "400102"
                found = await client.reconcile(records, symbol="BTC-USDT")
                by_oid = await client.reconcile(["sp-mkt"], symbol={"sp-mkt": "BTC-USDT"})
        assert found["sp-rest"].status == "open" and found["mg-rest"].status == "open"
        assert found["sp-mkt"].status == "done" and found["sp-mkt"].filled_size == "0.001"
        assert by_oid["sp-mkt"].order_id == found["sp-mkt"].order_id
        assert found["mg-rest"].raw["tradeType"] == "MARGIN_TRADE"
    arun(main())


def test_lagging_index_is_retried_then_found(arun: Any) -> None:
    """KuCoin's lookup index lags (spot doc §3.4): a not-found is retried with backoff
    and the order is found; a never-placed one is not_found only after every retry."""
    async def main() -> None:
        async with emulator(rest_visibility_delay_ms=400) as ex:
            client = make_client(ex, rest_url=ex.rest_url, reconcile_backoff=(0.2, 0.3, 0.4))
            async with client:
                await client.submit_futures_order(order("lag-1"))
                before = ex.rest.requests
                found = await client.reconcile(["lag-1", "lag-none"])
            assert found["lag-1"].status == "open" and found["lag-1"].source == "rest"
            assert found["lag-none"].status == "not_found"
            assert ex.rest.requests - before >= 4 + 2  # lag-none: 4 tries, lag-1: >= 2
    arun(main())


def test_push_message_answers_before_the_index_does(arun: Any) -> None:
    """An order the REST index does not show yet, but the order channel reported: the
    push state answers (``source == "push"``), never not_found."""
    async def main() -> None:
        async with emulator(rest_visibility_delay_ms=60_000) as ex:
            client = make_client(ex, rest_url=ex.rest_url, reconcile_backoff=(0.05, 0.05))
            async with client:
                async with client.order_events(("futures",)) as stream:
                    await client.submit_futures_order(market("push-1"))
                    async for event in stream:
                        if event.client_oid == "push-1" and event.is_done:
                            break
                found = await client.reconcile("push-1")
            status = found["push-1"]
            assert (status.status, status.source, status.filled_size) == ("done", "push", "1")
            assert isinstance(status.raw, OrderEvent) and status.order_id
    arun(main())


def test_late_ws_reply_needs_no_lookup(arun: Any) -> None:
    """A reply that came after the deadline (a ResolvedOutcome) answers reconcile
    without a REST request."""
    async def main() -> None:
        async with emulator() as ex:
            client = make_client(ex, rest_url=ex.rest_url, request_timeout=0.2)
            async with client:
                ex.faults.latency_ms = 500
                with pytest.raises(RequestTimeoutError):
                    await client.submit_futures_order(order("late-1"))
                await eventually(lambda: client.resolved_outcomes, what="the late reply")
                before = ex.rest.requests
                found = await client.reconcile(list(client.unknown_outcomes))
            assert found["late-1"].status == "accepted" and found["late-1"].source == "ws_reply"
            assert found["late-1"].order_id and ex.rest.requests == before
    arun(main())


def test_auto_reconcile_after_a_drop(client_impl: Any, arun: Any) -> None:
    """``auto_reconcile=True``: the drop's unknown outcomes are looked up after the
    reconnect and reported through ``on_reconciled``; nothing is re-sent."""
    async def main() -> None:
        reports: list[tuple[UnknownOutcome, Any]] = []
        async with emulator() as ex:
            client = make_client(ex, rest_url=ex.rest_url, reconnect_policy=FAST,
                                 auto_reconcile=True, reconcile_backoff=(0.05,),
                                 on_reconciled=lambda rec, res: reports.append((rec, res)))
            async with client:
                ex.faults.close_after = 2
                results = await asyncio.gather(client.submit_futures_order(order("ar-rest")),
                                               client.submit_futures_order(market("ar-mkt")),
                                               return_exceptions=True)
                assert all(getattr(r, "outcome_unknown", False) for r in results), results
                ex.faults.close_after = None
                await eventually(lambda: reports, what="on_reconciled")
                requests = ex.counters.requests
            record, statuses = reports[0]
            assert record.kind == "connection_lost" and isinstance(statuses, dict)
            assert statuses["ar-rest"].status == "open" and statuses["ar-mkt"].status == "done"
            assert ex.counters.requests == requests == 2  # nothing re-sent
    arun(main())


def test_order_events_reconnect_with_a_fresh_token(client_impl: Any, arun: Any) -> None:
    """The push session closed, then the token expired: the stream reconnects each time
    with a fresh token and keeps delivering (callback form)."""
    async def main() -> None:
        seen: list[OrderEvent] = []
        async with emulator() as ex:
            client = make_client(ex, rest_url=ex.rest_url, reconnect_policy=FAST)
            async with client:
                stream = client.order_events(("futures", "spot"), callback=seen.append)
                await stream.start()
                tokens = ex.rest.requests
                for n, fault in enumerate((ex.close_push_sessions, ex.expire_push_tokens)):
                    assert fault() == 2
                    await eventually(lambda n=n: stream.reconnects == 2 * (n + 1)
                                     and stream.state == "connected", what="reconnected")
                    await client.submit_futures_order(market(f"ev-{n}"))
                    await eventually(lambda n=n: any(e.client_oid == f"ev-{n}" and e.is_done
                                                     for e in seen), what="events")
                assert ex.rest.requests - tokens == 4  # a fresh bullet-private each time
                await stream.close()
                assert stream.state == "closed"
            assert [e.type for e in seen if e.client_oid == "ev-0"][-2:] == ["match", "filled"]
    arun(main())


def test_rest_errors_are_typed_and_secret_free(arun: Any) -> None:
    """A bad signature is AuthenticationError 400005; nothing secret in the error, its
    repr, or any log line; the stream stops with the same typed error."""
    import logging

    from rel_helpers import ACCOUNT

    from kucoin_fast import AuthenticationError, ConnectError

    async def main() -> None:
        lines: list[str] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                lines.append(record.getMessage())
                if record.exc_info:
                    lines.append(logging.Formatter().formatException(record.exc_info))

        handler = Keep(level=1)
        root = logging.getLogger()
        old = root.level
        root.addHandler(handler)
        root.setLevel(1)
        try:
            async with emulator() as ex:
                client = make_client(ex, rest_url=ex.rest_url, api_secret="not-the-secret-xyz")
                with pytest.raises(AuthenticationError) as info:
                    await client.reconcile("x")
                assert info.value.code == "400005"
                with pytest.raises(AuthenticationError):
                    await client.order_events(("futures",)).start()
                await client.close()
                good = make_client(ex, rest_url=ex.rest_url)
                async with good, good.order_events(("futures",)) as stream:
                    ex.expire_push_tokens()
                    await eventually(lambda: stream.reconnects == 1 and
                                     stream.state == "connected", what="reconnected")
                    tokens = [t for t in ex.push.tokens._by_token]
                dead = make_client(ex, rest_url="http://127.0.0.1:9", rest_timeout=2)
                with pytest.raises(ConnectError):
                    await dead.reconcile("y")
                await dead.close()
                text = "\n".join([*lines, str(info.value), repr(info.value), repr(client),
                                  repr(stream)])
                for secret in ("not-the-secret-xyz", ACCOUNT.api_secret, ACCOUNT.api_passphrase,
                               *tokens):
                    assert secret not in text
                assert tokens
        finally:
            root.removeHandler(handler)
            root.setLevel(old)
    arun(main())


def test_lookups_stay_within_the_rest_pool(arun: Any) -> None:
    """Lookups share KuCoin's per-account pool with the WS API: a burst of them is held
    until the window resets instead of drawing 429s."""
    async def main() -> None:
        async with emulator(rate_limit=12, rate_limit_window_ms=300) as ex:
            client = make_client(ex, rest_url=ex.rest_url, reconcile_backoff=())
            async with client:
                found = await client.reconcile([f"pool-{i}" for i in range(5)])
                pool = client._order_loop.rest.pool("futures")
            assert {s.status for s in found.values()} == {"not_found"}
            assert pool.held >= 1  # weight 5 each: at most two per 12-weight window
    arun(main())

"""Issue 12: reconciliation over REST and the private order channel, against the
emulator's REST and push services (real loopback sockets, both loops, both impls)."""
from __future__ import annotations

import asyncio
from typing import Any

from rel_helpers import emulator, make_client, market, order

from kucoin_fast import OrderEvent, RequestTimeoutError, UnknownOutcome


def test_drop_every_reply_then_reconcile(client_impl: Any, arun: Any) -> None:
    """Every WS reply dropped: a resting limit and a filling market order time out
    with their outcome unknown; ``reconcile`` reports them open and done, a never-sent
    clientOid not_found; an ``order_events`` subscriber sees the market order fill."""
    async def main() -> None:
        records: list[UnknownOutcome] = []
        async with emulator() as ex:
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

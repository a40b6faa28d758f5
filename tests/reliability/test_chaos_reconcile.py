"""A seeded chaos run over TLS: awaited and prepared orders through dropped, duplicated
and reordered replies and TCP resets, the order channel reset too; then reconcile.
Every request ends once, and every answer matches the emulator's own book."""
from __future__ import annotations

import asyncio
from typing import Any

from rel_helpers import emulator, eventually, make_client, order

from kucoin_fast import KucoinError, OrderEvent, ReconnectPolicy, UnknownOutcome

#: Even requests are awaited (XBTUSDTM), odd ones prepared (ETHUSDTM): 90 each, under the
#: emulator's 100 open orders per symbol.
REQUESTS = 180
FAST = ReconnectPolicy(initial=0.02, factor=2.0, cap=0.1)


def test_chaos_over_tls_then_reconcile(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        unknown: list[UnknownOutcome] = []
        outcomes: dict[str, str] = {}  # clientOid -> "ok", "unsent", "unknown", "error"
        events: list[OrderEvent] = []
        async with emulator(tls=True) as ex:
            ex.faults.seed = 7
            client = make_client(ex, rest_url=ex.rest_url, request_timeout=0.5,
                                 reconnect_policy=FAST, on_unknown_outcome=unknown.append,
                                 reconcile_backoff=(0.05, 0.1))
            async with client:
                stream = client.order_events(("futures",), callback=events.append)
                await stream.start()
                prepared = client.prepare_order(order("tpl", price="1000",
                                                      symbol="ETHUSDTM"))
                ex.faults.drop_fraction = 0.03
                ex.faults.duplicate_fraction = 0.05
                ex.faults.reorder_window = 3
                ex.faults.close_after = 50
                ex.faults.close_answer = True
                ex.faults.close_mode = "rst"

                def settle(coid: str, result: Any) -> None:
                    assert coid not in outcomes, coid  # every request ends exactly once
                    if not isinstance(result, BaseException):
                        outcomes[coid] = "ok"
                    elif getattr(result, "outcome_unknown", False):
                        outcomes[coid] = "unknown"
                    elif getattr(result, "sent", True) is False:
                        outcomes[coid] = "unsent"
                    else:
                        outcomes[coid] = "error"
                    if isinstance(result, KucoinError) and hasattr(result, "client_oids"):
                        assert result.client_oids == (coid,), (result, coid)

                async def one(n: int) -> None:
                    coid = f"chaos-{n}"
                    price = str(1000 + n % 50)
                    if n % 2 == 0:
                        try:
                            settle(coid, await client.submit_futures_order(
                                order(coid, price=price)))
                        except KucoinError as exc:
                            settle(coid, exc)
                        return
                    done = asyncio.get_running_loop().create_future()
                    try:
                        await client.wait_connected(timeout=5)
                        prepared.send(price, 1, coid, done.set_result)
                    except KucoinError as exc:
                        settle(coid, exc)
                        return
                    settle(coid, await done)

                for start in range(0, REQUESTS, 30):
                    await asyncio.gather(*(one(n) for n in range(start, start + 30)))
                    if start == REQUESTS // 2:
                        ex.close_push_sessions()
                ex.faults.reset()
                assert len(outcomes) == REQUESTS
                assert set(outcomes.values()) >= {"ok", "unknown"}, outcomes
                assert "error" not in outcomes.values(), outcomes
                await eventually(lambda: stream.state == "connected", what="push back")
                truth = {o.client_oid for o in ex.open_orders()}
                found = await client.reconcile(unknown)
                await stream.close()
            assert stream.reconnects >= 1
        for coid, outcome in outcomes.items():
            if outcome == "ok":
                assert coid in truth, coid
            elif outcome == "unsent":
                assert coid not in truth, coid
            elif outcome == "unknown":
                status = found[coid].status
                assert status in ("open", "accepted") if coid in truth else status in (
                    "not_found", "rejected"), (coid, status)
        phantom = {e.client_oid for e in events} - truth
        assert not phantom, phantom  # the channel never reports an order that is not there
        assert len({e.client_oid for e in events}) > REQUESTS // 4

    arun(main(), timeout=120)

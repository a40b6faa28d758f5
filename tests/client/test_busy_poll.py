"""Opt-in busy polling (client) and the always-awake emulator: functional checks only
(the latency effect is measured by the benchmark suite, never asserted here)."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from kf_helpers import KEY, PASSPHRASE, SECRET

from kucoin_fast import ConfigurationError, WebsocketAPIClient
from kucoin_fast._core.busypoll import BusyPoller
from kucoin_fast.emulator import Account, Emulator


def _order(oid: str) -> dict[str, Any]:
    return {"clientOid": oid, "side": "buy", "symbol": "XBTUSDTM", "type": "market", "size": 1}


@pytest.mark.parametrize("server_busy", [False, True])
def test_busy_poll_round_trips_and_stops_spinning(arun: Any, server_busy: bool) -> None:
    async def scenario() -> None:
        async with Emulator(accounts=[Account(KEY, SECRET, PASSPHRASE)], rate_limit=None,
                            busy_poll=server_busy) as ex:
            client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url=ex.url, busy_poll=0.002)
            async with client:
                for i in range(50):
                    r = await client.submit_futures_order(_order(f"bp-{i}"))
                    assert r.data["clientOid"] == f"bp-{i}"
                res = await client.submit_multiple_futures_orders(
                    [_order("bp-m1"), _order("bp-m2")])
                assert not res.failed
                got: list[Any] = []
                prepared = client.prepare_order(_order("tmpl"))
                prepared.send(None, 1, "bp-cb", got.append)
                while not got:
                    await asyncio.sleep(0.001)
                assert got[0].data["clientOid"] == "bp-cb"
                busy = client._busy
                assert busy is not None and busy.kicks == 52
                await asyncio.sleep(0.01)  # past the budget: the spinner must be gone
                assert not busy._active
            assert ex.counters.requests == 52
    arun(scenario())


def test_busy_poll_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        BusyPoller(0)
    with pytest.raises((ValueError, ConfigurationError)):
        WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url="ws://127.0.0.1:1/v1/private",
                           busy_poll=-1.0)

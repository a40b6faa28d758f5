"""Hedge a futures fill on spot, with no credentials needed.

By default it starts KuCoin's WS API emulator in-process (``kucoin_fast.emulator``),
so it runs offline with made-up keys. Point it at another gateway with ``--url`` and
the ``KUCOIN_API_KEY``/``KUCOIN_API_SECRET``/``KUCOIN_API_PASSPHRASE`` environment
variables (careful: on a real account these are real orders).

    python examples/spot_hedge.py --lots 5

Each round: buy ``--lots`` lots of XBTUSDTM at market (``futures.order``, 0.001 BTC a
lot), then sell the same BTC on spot (``spot.sync_order``, which answers with the
order's fill state), then rest a spot bid below the market, move it
(``spot.modify``: cancel-and-replace, a new order id) and cancel it
(``spot.sync_cancel``). The futures and spot requests use their own connections
(``wsApiFuturesV1``, ``wsApiSpotV1``), as the Node SDK does.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from kucoin_fast import Credentials, KucoinAPIError, WebsocketAPIClient

FUTURES = "XBTUSDTM"
SPOT = "BTC-USDT"
BTC_PER_LOT = Decimal("0.001")


@contextlib.asynccontextmanager
async def gateway(url: str | None) -> AsyncIterator[tuple[str, Credentials, Any]]:
    """Yield (base URL, credentials, emulator or None)."""
    if url:
        yield url, Credentials.from_env(), None
        return
    from kucoin_fast.emulator import Account, Emulator

    creds = Credentials("demo-key", "demo-secret", "demo-passphrase")
    account = Account(creds.api_key, creds.api_secret, creds.api_passphrase)
    async with Emulator(accounts=[account]) as ex:
        yield ex.url, creds, ex


async def hedge_round(client: WebsocketAPIClient, tag: str, lots: int) -> dict[str, Any]:
    """One round (see the module docstring); returns what it saw."""
    await client.submit_futures_order({"clientOid": f"{tag}-f", "side": "buy",
                                       "symbol": FUTURES, "type": "market", "size": lots,
                                       "leverage": 5})
    sold = await client.submit_sync_spot_order({
        "clientOid": f"{tag}-s", "symbol": SPOT, "side": "sell", "type": "market",
        "size": str(BTC_PER_LOT * lots)})
    bid = await client.submit_new_spot_order({
        "clientOid": f"{tag}-b", "symbol": SPOT, "side": "buy", "type": "limit",
        "price": "90000", "size": "0.001", "postOnly": True})
    moved = await client.modify_spot_order({"symbol": SPOT, "clientOid": f"{tag}-b",
                                            "newPrice": "90000.5"})
    final = await client.cancel_sync_spot_order({"symbol": SPOT,
                                                 "orderId": moved.new_order_id or ""})
    return {"hedged": sold.deal_size, "status": sold.status,
            "replaced": bid.data["orderId"] != moved.new_order_id, "bid": final.status}


async def run(url: str | None, rounds: int, lots: int) -> list[dict[str, Any]]:
    """Run the rounds; returns one summary per round."""
    tag = f"hg{int(time.time()) % 100000}"
    out = []
    async with gateway(url) as (base_url, creds, ex), \
            WebsocketAPIClient(credentials=creds, ws_url=base_url) as client:
        for n in range(rounds):
            try:
                out.append(await hedge_round(client, f"{tag}-{n}", lots))
            except KucoinAPIError as exc:  # a refusal is reported, never retried
                out.append({"error": f"{exc.code} {exc.msg}"})
        if ex is not None:
            pos = ex.positions()
            print("futures position:", [(p.symbol, p.lots) for p in pos],
                  "spot BTC:", ex.balances()["spot"]["BTC"]["available"])
    return out


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="gateway base URL (default: an in-process emulator)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--lots", type=int, default=5)
    args = ap.parse_args()
    results = asyncio.run(run(args.url, args.rounds, args.lots))
    for r in results:
        print(r)
    ok = sum(1 for r in results if "error" not in r)
    print(f"rounds={len(results)} hedged={ok} errors={len(results) - ok}")


if __name__ == "__main__":
    main()

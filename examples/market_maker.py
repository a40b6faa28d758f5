"""A small market-making loop: quote both sides, requote, cancel — no credentials needed.

By default it starts KuCoin's WS API emulator in-process (``kucoin_fast.emulator``),
so it runs offline with made-up keys. Point it at another gateway with ``--url``
and the ``KUCOIN_API_KEY``/``KUCOIN_API_SECRET``/``KUCOIN_API_PASSPHRASE``
environment variables (careful: on a real account these are real orders).

    python examples/market_maker.py --cycles 20

Each cycle: cancel the previous quotes in one ``futures.multi_cancel`` (by clientOid),
then place a fresh bid and ask around a drifting mid in one ``futures.multi_order``,
as post-only limit orders. Failed batch items are reported, never raised.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from kucoin_fast import Credentials, KucoinAPIError, WebsocketAPIClient

SYMBOL = "XBTUSDTM"
TICK = Decimal("0.1")
START_MID = Decimal("50000.0")


@contextlib.asynccontextmanager
async def gateway(url: str | None) -> AsyncIterator[tuple[str, Credentials]]:
    """Yield (base URL, credentials): the user's gateway, or an in-process emulator."""
    if url:
        yield url, Credentials.from_env()
        return
    from kucoin_fast.emulator import Account, Emulator

    creds = Credentials("demo-key", "demo-secret", "demo-passphrase")
    account = Account(creds.api_key, creds.api_secret, creds.api_passphrase)
    async with Emulator(accounts=[account]) as ex:
        ex.set_mark_price(SYMBOL, str(START_MID))  # quotes around it rest, never cross
        yield ex.url, creds


def quote(side: str, price: Decimal, oid: str) -> dict[str, Any]:
    """One post-only limit order of 1 lot."""
    return {"clientOid": oid, "side": side, "symbol": SYMBOL, "type": "limit",
            "price": str(price), "size": 1, "postOnly": True, "marginMode": "CROSS"}


async def run(url: str | None, cycles: int, spread_ticks: int, seed: int) -> dict[str, int]:
    """Run the loop; returns counters (placed, cancelled, rejected)."""
    rng = random.Random(seed)
    ids = itertools.count()
    run_tag = f"mm{int(time.time()) % 100000}"
    counts = {"placed": 0, "cancelled": 0, "rejected": 0}
    mid = START_MID
    async with gateway(url) as (base_url, creds), \
            WebsocketAPIClient(credentials=creds, ws_url=base_url) as client:
        live: list[str] = []
        for _ in range(cycles):
            if live:
                res = await client.cancel_multiple_futures_orders(
                    {"clientOidsList": [{"symbol": SYMBOL, "clientOid": o} for o in live]})
                counts["cancelled"] += len(res.succeeded)
                live = []
            mid += TICK * rng.randint(-5, 5)
            half = TICK * spread_ticks
            bid, ask = f"{run_tag}-{next(ids)}", f"{run_tag}-{next(ids)}"
            res = await client.submit_multiple_futures_orders(
                [quote("buy", mid - half, bid), quote("sell", mid + half, ask)])
            for item in res.items:
                if item.ok:
                    counts["placed"] += 1
                    live.append(item.client_oid or "")
                else:
                    counts["rejected"] += 1
                    print(f"rejected {item.client_oid}: {item.code} {item.msg}")
        for oid in live:  # single cancels on the way out
            try:
                await client.cancel_futures_order({"clientOid": oid, "symbol": SYMBOL})
                counts["cancelled"] += 1
            except KucoinAPIError as exc:
                print(f"cancel {oid}: {exc.code} {exc.msg}")
    return counts


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="base gateway URL (default: start an in-process emulator)")
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--spread-ticks", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    counts = asyncio.run(run(args.url, args.cycles, args.spread_ticks, args.seed))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()

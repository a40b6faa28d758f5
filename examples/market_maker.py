"""A small market-making loop: quote, take fills from the order channel, requote, and
reconcile after a dropped connection — no credentials needed.

By default it starts KuCoin's emulator in-process (``kucoin_fast.emulator``: the WS
API, its REST lookups and its private push channel), so it runs offline with made-up
keys. Point it at another gateway with ``--url`` and the ``KUCOIN_API_KEY``/
``KUCOIN_API_SECRET``/``KUCOIN_API_PASSPHRASE`` environment variables (careful: on a
real account these are real orders, and fills and lookups use KuCoin's REST hosts).

    python examples/market_maker.py --cycles 20

Each cycle: cancel the quotes still resting (``spot.cancel`` by clientOid), place a
fresh post-only bid and ask around a drifting mid (``spot.order``), then let the
market move (on the emulator: ``set_spot_price``; a quote it goes through fills).
Fills arrive on ``client.order_events()`` (``/spotMarket/tradeOrdersV2``), consumed by
their own task: that is where the inventory is kept, never from the replies.

At cycle ``--drop-at`` the emulator closes the connection as the quotes go out: their
outcome is unknown. The client reconnects by itself; the loop then asks
``client.reconcile()`` what became of each clientOid (REST lookups, merged with what
the order channel said): ``open`` quotes are cancelled with the others next cycle,
``done`` ones were filled (the fill came on the order channel), ``not_found`` ones
were never placed. Nothing is re-sent: the next cycle quotes with new clientOids.
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
from typing import Any, Literal

from kucoin_fast import (
    ConnectionLostError,
    Credentials,
    KucoinAPIError,
    OrderEvents,
    ReconnectPolicy,
    SpotOrderParams,
    WebsocketAPIClient,
)

SYMBOL = "BTC-USDT"
TICK = Decimal("0.1")
SIZE = "0.001"
START_MID = Decimal("60000.0")


@contextlib.asynccontextmanager
async def gateway(url: str | None) -> AsyncIterator[tuple[str, str | None, Credentials, Any]]:
    """Yield (WS base URL, REST base URL, credentials, emulator or None)."""
    if url:
        yield url, None, Credentials.from_env(), None
        return
    from kucoin_fast.emulator import Account, Emulator

    creds = Credentials("demo-key", "demo-secret", "demo-passphrase")
    account = Account(creds.api_key, creds.api_secret, creds.api_passphrase)
    async with Emulator(accounts=[account]) as ex:
        ex.set_spot_price(SYMBOL, str(START_MID))
        yield ex.url, ex.rest_url, creds, ex


def quote(side: Literal["buy", "sell"], price: Decimal, oid: str) -> SpotOrderParams:
    """One post-only spot limit order."""
    return {"clientOid": oid, "side": side, "symbol": SYMBOL, "type": "limit",
            "price": str(price), "size": SIZE, "postOnly": True}


class Book:
    """What the loop knows: resting quotes (clientOid -> side) and the inventory."""

    def __init__(self) -> None:
        self.live: dict[str, str] = {}
        self.position = Decimal(0)
        self.counts = dict.fromkeys(("placed", "cancelled", "fills", "unknown", "open",
                                     "done", "not_found", "rejected"), 0)

    async def consume(self, events: OrderEvents) -> None:
        """Fills from the order channel: the inventory and the resting set."""
        async for ev in events:
            if ev.is_fill and ev.match_size is not None:
                self.counts["fills"] += 1
                size = Decimal(ev.match_size)
                self.position += size if ev.side == "buy" else -size
            if ev.is_done and ev.client_oid is not None:
                self.live.pop(ev.client_oid, None)


async def place(client: WebsocketAPIClient, book: Book, orders: list[SpotOrderParams]) -> None:
    """Send the quotes; a lost reply is left for reconcile(), a rejection is counted."""
    results = await asyncio.gather(*(client.submit_new_spot_order(o) for o in orders),
                                   return_exceptions=True)
    for o, res in zip(orders, results):
        if isinstance(res, ConnectionLostError) and res.outcome_unknown:
            book.counts["unknown"] += 1
        elif isinstance(res, KucoinAPIError):
            book.counts["rejected"] += 1
            print(f"rejected {o['clientOid']}: {res.code} {res.msg}")
        elif isinstance(res, BaseException):
            raise res
        else:
            book.counts["placed"] += 1
            book.live[o["clientOid"]] = o["side"]


async def reconcile(client: WebsocketAPIClient, book: Book) -> None:
    """After the drop: what became of each quote whose outcome is unknown."""
    await client.wait_connected(timeout=10)
    statuses = await client.reconcile(client.take_unknown_outcomes(), symbol=SYMBOL)
    for oid, status in sorted(statuses.items()):
        print(f"reconciled {oid}: {status.status} (filled {status.filled_size})")
        book.counts[status.status if status.status in ("open", "done") else "not_found"] += 1
        if status.status == "open":
            book.live[oid] = str(status.raw.get("side", "?"))


async def cancel_all(client: WebsocketAPIClient, book: Book) -> None:
    """Cancel the resting quotes; one that filled meanwhile is not an error here."""
    for oid in list(book.live):
        try:
            await client.cancel_spot_order({"symbol": SYMBOL, "clientOid": oid})
            book.counts["cancelled"] += 1
        except KucoinAPIError as exc:  # filled (or cancelled) since: the channel says so
            print(f"cancel {oid}: {exc.code} {exc.msg}")
        book.live.pop(oid, None)


async def run(url: str | None, cycles: int, spread_ticks: int, seed: int,
              drop_at: int | None) -> dict[str, int]:
    """Run the loop; returns the counters."""
    rng = random.Random(seed)
    ids = itertools.count()
    tag = f"mm{int(time.time()) % 100000}"
    book = Book()
    mid = START_MID
    async with gateway(url) as (base_url, rest_url, creds, ex), WebsocketAPIClient(
            credentials=creds, ws_url=base_url, rest_url=rest_url,
            reconnect_policy=ReconnectPolicy(initial=0.05, cap=0.5)) as client, \
            client.order_events(("spot",), symbols=[SYMBOL]) as events:
        consumer = asyncio.get_running_loop().create_task(book.consume(events))
        for cycle in range(cycles):
            await cancel_all(client, book)
            mid += TICK * rng.randint(-5, 5)
            half = TICK * spread_ticks
            if ex is not None:
                ex.set_spot_price(SYMBOL, str(mid))
                if cycle == drop_at:
                    ex.faults.close_after = 1  # the next request closes the connection
            await place(client, book, [quote("buy", mid - half, f"{tag}-{next(ids)}"),
                                       quote("sell", mid + half, f"{tag}-{next(ids)}")])
            if ex is not None:
                ex.faults.close_after = None
                # The market moves; a quote it goes through fills at its own price.
                ex.set_spot_price(SYMBOL, str(mid + TICK * rng.randint(-2, 2) * spread_ticks))
            if client.unknown_outcomes:
                await reconcile(client, book)
            await asyncio.sleep(0.05)  # let the fills of this cycle arrive
        await cancel_all(client, book)
        await asyncio.sleep(0.05)
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
    print(f"position {book.position} BTC")
    return book.counts


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="base gateway URL (default: start an in-process emulator)")
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--spread-ticks", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drop-at", type=int, default=3,
                    help="cycle whose quotes lose their replies (emulator only; -1: never)")
    args = ap.parse_args()
    counts = asyncio.run(run(args.url, args.cycles, args.spread_ticks, args.seed,
                             None if args.drop_at < 0 else args.drop_at))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()

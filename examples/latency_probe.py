"""Latency probe: connect + handshake time and request round trips to a gateway.

    python examples/latency_probe.py --url wss://wsapi.kucoin.com/v1/private -n 200
    python examples/latency_probe.py --emulator -n 2000      # offline, in-process

Credentials come from ``KUCOIN_API_KEY``/``KUCOIN_API_SECRET``/``KUCOIN_API_PASSPHRASE``.
The probe places **no orders**: each round trip is a ``futures.cancel`` of a clientOid
that does not exist, which the gateway answers with ``100004`` (order not cancelable)
after a full trip through it. Each probe costs weight 1 of the futures rate-limit pool.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator

from kucoin_fast import Credentials, OrderNotCancelableError, WebsocketAPIClient


@contextlib.asynccontextmanager
async def target(url: str | None) -> AsyncIterator[tuple[str, Credentials]]:
    """Yield (base URL, credentials): the given gateway, or an in-process emulator."""
    if url:
        yield url, Credentials.from_env()
        return
    from kucoin_fast.emulator import Account, Emulator

    creds = Credentials("probe-key", "probe-secret", "probe-passphrase")
    async with Emulator(accounts=[Account(creds.api_key, creds.api_secret,
                                          creds.api_passphrase)], rate_limit=None) as ex:
        yield ex.url, creds


async def probe(url: str | None, n: int, symbol: str) -> dict[str, float]:
    """Return connect time and round-trip percentiles in microseconds."""
    async with target(url) as (base_url, creds):
        client = WebsocketAPIClient(credentials=creds, ws_url=base_url)
        t0 = time.perf_counter()
        await client.connect()
        connect_us = (time.perf_counter() - t0) * 1e6
        rtts: list[float] = []
        try:
            for i in range(n):
                t = time.perf_counter()
                try:
                    await client.cancel_futures_order(
                        {"clientOid": f"latency-probe-{i}", "symbol": symbol})
                except OrderNotCancelableError:
                    pass  # the expected answer: nothing to cancel
                rtts.append((time.perf_counter() - t) * 1e6)
        finally:
            await client.close()
    rtts.sort()

    def pct(p: float) -> float:
        return rtts[min(len(rtts) - 1, int(p / 100 * len(rtts)))]

    return {"connect_us": connect_us, "n": float(n), "p50_us": statistics.median(rtts),
            "p90_us": pct(90), "p99_us": pct(99), "max_us": rtts[-1]}


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--url", help="base gateway URL, e.g. wss://wsapi.kucoin.com/v1/private")
    src.add_argument("--emulator", action="store_true", help="probe an in-process emulator")
    ap.add_argument("-n", type=int, default=200, help="round trips (default 200)")
    ap.add_argument("--symbol", default="XBTUSDTM")
    ap.add_argument("--uvloop", action="store_true", help="run on uvloop")
    args = ap.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.install()
    r = asyncio.run(probe(args.url, args.n, args.symbol))
    print(f"connect+handshake {r['connect_us']:.0f} us; {int(r['n'])} round trips: "
          f"p50 {r['p50_us']:.1f} us, p90 {r['p90_us']:.1f} us, p99 {r['p99_us']:.1f} us, "
          f"max {r['max_us']:.1f} us")


if __name__ == "__main__":
    main()

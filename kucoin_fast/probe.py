"""``kucoin-fast probe``: connect time and round trips to a WS API gateway, no orders placed.

    kucoin-fast probe --url wss://wsapi.kucoin.com/v1/private -n 200
    kucoin-fast probe --emulator -n 2000        # offline: an in-process emulator

Credentials come from ``KUCOIN_API_KEY`` / ``KUCOIN_API_SECRET`` /
``KUCOIN_API_PASSPHRASE`` (only for ``--url``). The probe places **no orders**: each round
trip is a ``futures.cancel`` of a clientOid that does not exist, which the gateway
answers with ``100004`` (order not cancelable) after a full trip through it. Each probe
costs weight 1 of the futures rate-limit pool. With ``--emulator`` the gateway runs on
the probe's own event loop: the figures show the client and the emulator sharing one
thread, not a network.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from .errors import OrderNotCancelableError
from .types import Credentials

__all__ = ["add_arguments", "probe", "run"]


@contextlib.asynccontextmanager
async def _target(url: str | None) -> AsyncIterator[tuple[str, Credentials]]:
    """(base URL, credentials): the given gateway, or an in-process emulator."""
    if url:
        yield url, Credentials.from_env()
        return
    from .emulator import Account, Emulator

    creds = Credentials("probe-key", "probe-secret", "probe-passphrase")
    async with Emulator(accounts=[Account(creds.api_key, creds.api_secret,
                                          creds.api_passphrase)], rate_limit=None) as ex:
        yield ex.url, creds


def _percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


async def probe(url: str | None, n: int = 200, symbol: str = "XBTUSDTM",
                **client_options: Any) -> dict[str, float]:
    """Connect to ``url`` (None: an in-process emulator), make ``n`` round trips and
    return ``connect_us`` and the round-trip ``min/p50/p90/p99/max_us``."""
    from .client import WebsocketAPIClient

    if n < 1:
        raise ValueError("n must be at least 1")
    async with _target(url) as (base_url, creds):
        client = WebsocketAPIClient(credentials=creds, ws_url=base_url, **client_options)
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
    return {"connect_us": connect_us, "n": float(n), "min_us": rtts[0],
            "p50_us": _percentile(rtts, 50), "p90_us": _percentile(rtts, 90),
            "p99_us": _percentile(rtts, 99), "max_us": rtts[-1]}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The probe's command-line options."""
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--url", help="base gateway URL, e.g. wss://wsapi.kucoin.com/v1/private")
    src.add_argument("--emulator", action="store_true", help="probe an in-process emulator")
    parser.add_argument("-n", type=int, default=200, help="round trips (default 200)")
    parser.add_argument("--symbol", default="XBTUSDTM", help="contract of the probe cancels")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                        help="event loop (auto: uvloop when installed)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _runner(loop: str) -> Any:
    if loop != "asyncio":
        try:
            import uvloop
        except ImportError:
            if loop == "uvloop":
                raise
        else:
            return uvloop.run
    return asyncio.run


def run(args: argparse.Namespace) -> int:
    """Run the probe with parsed ``args``; print the result; exit status 0."""
    result = _runner(args.loop)(probe(args.url, args.n, args.symbol))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"connect+handshake {result['connect_us']:.0f} us; {int(result['n'])} round "
              f"trips: p50 {result['p50_us']:.1f} us, p90 {result['p90_us']:.1f} us, "
              f"p99 {result['p99_us']:.1f} us, min {result['min_us']:.1f} us, "
              f"max {result['max_us']:.1f} us")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kucoin_fast.probe``: the same as ``kucoin-fast probe``."""
    parser = argparse.ArgumentParser(prog="kucoin-fast probe", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

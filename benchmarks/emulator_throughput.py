"""Emulator throughput: futures.order requests/s over ONE pipelined connection.

Standalone tool (not part of the latency suite): starts the gateway (``python -m
kucoin_fast.emulator``, rate limit off; ``--gateway plain`` for the suite's plain-Python
gateway) in a subprocess pinned to core 0, pins itself to core 1 and floods it through
the suite's floor client (``benchmarks.clients.picows_floor``: its handshake, its
pre-built zero-masked frames, in its ``Flood`` mode: batches of 100 frames written while
fewer than ``--window`` requests are in flight, replies only counted). It prints
requests/s and the gateway's CPU time per request, measured from the gateway process's
own CPU counters.

    python -m benchmarks.emulator_throughput [--seconds 5] [--window 2000] [--order limit]

Orders are market orders (``--order limit``: limit orders priced through the mark, so
they fill at once; ``--order spot``: ``spot.order`` market orders of 0.001 BTC-USDT, on
the emulator's Python path; ``--order multi``: ``futures.multi_order`` of 10 market orders, one
reply counted per batch), alternating buy/sell so the position stays flat. The client
side costs far less per request than the gateway does.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any

from ._kucoin import Credentials, Workload
from ._runner import CLIENT_CORE, GATEWAY_CORE, pinning_available
from .clients.picows_floor import PicowsFloorClient
from .gateways import GATEWAYS, GatewayProcess, command


async def _drive(client: PicowsFloorClient, gateway: GatewayProcess, seconds: float,
                 window: int, kind: str) -> dict[str, Any]:
    await client.connect()
    flood = client.flood(kind, window)
    await asyncio.sleep(1.0)  # warm-up
    r0, c0, t0, m0 = flood.received, gateway.cpu_seconds(), time.perf_counter(), gateway.rss_mib()
    await asyncio.sleep(seconds)
    r1, c1, t1, m1 = flood.received, gateway.cpu_seconds(), time.perf_counter(), gateway.rss_mib()
    await flood.stop()
    await client.close()
    if flood.errors:
        # Only successes count as served: an error storm must not look fast.
        raise RuntimeError(f"{flood.errors} replies were not successes")
    n = r1 - r0
    return {"requests": n, "seconds": t1 - t0, "rps": n / (t1 - t0),
            "cpu_us_per_request": (c1 - c0) / n * 1e6 if n else float("nan"),
            "gateway_cpu_share": (c1 - c0) / (t1 - t0), "rss_start": m0, "rss_end": m1,
            "total": r1}


def _run(coro: Any, use_uvloop: bool) -> dict[str, Any]:
    if use_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.run(coro)
    return asyncio.run(coro)


def main(argv: list[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.emulator_throughput",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--window", type=int, default=2000, help="requests in flight")
    ap.add_argument("--order", choices=("market", "limit", "multi", "spot"), default="market",
                    help="market/limit: futures.order; multi: futures.multi_order of 10")
    ap.add_argument("--gateway", choices=GATEWAYS, default="emulator")
    ap.add_argument("--no-pin", action="store_true", help="do not use taskset/affinity")
    ap.add_argument("--no-uvloop", action="store_true", help="stock asyncio on both sides")
    args = ap.parse_args(argv)

    pin = not args.no_pin and pinning_available()
    creds = Credentials()
    extra = ["--no-uvloop"] if args.no_uvloop else []
    cmd = command(args.gateway, creds, extra_args=extra if args.gateway == "emulator" else [])
    if args.gateway == "plain" and args.no_uvloop:
        cmd.append("--no-uvloop")
    gateway = GatewayProcess(cmd, GATEWAY_CORE if pin else None, name=args.gateway)
    try:
        if pin:
            os.sched_setaffinity(0, {CLIENT_CORE})
        client = PicowsFloorClient(gateway.url, creds, Workload(), frozenset({"coalesce_writes"}))
        res = _run(_drive(client, gateway, args.seconds, args.window, args.order),
                   not args.no_uvloop)
    finally:
        gateway.stop()
    print(f"{args.gateway} throughput ({args.order} orders, 1 connection, window {args.window}, "
          f"{'pinned' if pin else 'unpinned'}):")
    print(f"  {res['rps']:,.0f} requests/s over {res['seconds']:.1f}s "
          f"({res['requests']:,} replies)")
    print(f"  {args.gateway} CPU {res['cpu_us_per_request']:.2f} us/request "
          f"({res['gateway_cpu_share'] * 100:.0f}% of one core)")
    print(f"  {args.gateway} RSS {res['rss_start']:.1f} -> {res['rss_end']:.1f} MiB "
          f"after {res['total']:,} replies")
    return 0


if __name__ == "__main__":
    sys.exit(main())

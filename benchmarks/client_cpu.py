"""Client CPU per request: kucoin_fast vs the raw picows floor vs picows+orjson+Future.

A quick, focused version of the suite's CPU/request column, built on the suite's own
clients (``benchmarks/clients``): the numbers are measured, never asserted.

* the gateway (``--gateway``, default the emulator) runs in its own process pinned to
  core 0 (``taskset -c 0``), rate limit off, market orders (they fill at once, so the
  open-order caps never bite);
* this process (all clients, each on its own connection, one after another) is pinned
  to core 1 and uses uvloop (``--loop``);
* each client keeps ``--inflight`` (100) requests pipelined on its connection and runs
  ``--requests`` requests after a warm-up; client CPU is the process's user+system CPU
  time (``time.process_time``) over the measured requests, divided by their number;
* rounds are interleaved (floor, orjson_future, kucoin_fast, ...), and the median over
  ``--rounds`` is reported, with per-round paired ratios.

Clients (suite module in brackets):

``floor``           [picows_floor] one constant pre-built frame per side, one send per
                    request from the frame callback, replies checked by a byte scan.
``orjson_future``   [picows_orjson] hand-rolled picows + orjson, an ``asyncio.Future``
                    per request, ``await`` in 100 worker tasks.
``kucoin_fast``     [kucoin_fast_await] ``await client.submit_futures_order(order)`` in
                    100 worker tasks, the client's default options.
``kf_prepared``     [kucoin_fast_lowlevel] ``PreparedOrder.send(..., callback)`` from the
                    completion callback (no future, no coroutine).
``kf_coalesced``    [kucoin_fast_await+coalesce_writes] ``coalesce_writes=True``.
``kf_no_coalesce``  [kucoin_fast_await+no_coalesce] ``coalesce_writes=False``.

Run: ``python -m benchmarks.client_cpu [--requests 200000] [--rounds 3]``.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import statistics
import sys
import time
from typing import Any

from ._kucoin import Credentials, Workload
from .clients import BenchClient, ClientUnavailable, load
from .gateways import GATEWAYS, GatewayProcess, command

#: name -> (suite client module, options)
CLIENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "floor": ("picows_floor", ()),
    "orjson_future": ("picows_orjson", ()),
    "kucoin_fast": ("kucoin_fast_await", ()),
    "kf_prepared": ("kucoin_fast_lowlevel", ()),
    "kf_coalesced": ("kucoin_fast_await", ("coalesce_writes",)),
    "kf_no_coalesce": ("kucoin_fast_await", ("no_coalesce",)),
}
#: (numerator, denominator, goal) lines printed after the table.
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("kucoin_fast", "floor", "   (goal <= 1.5x)"),
    ("orjson_future", "kucoin_fast", "   (goal >= 1.5x)"),
    ("kf_prepared", "floor", ""), ("kf_coalesced", "floor", ""), ("kf_no_coalesce", "floor", ""),
)


async def _connect(names: list[str], url: str) -> dict[str, BenchClient]:
    workload, creds = Workload(), Credentials()
    clients: dict[str, BenchClient] = {}
    for name in names:
        module, options = CLIENTS[name]
        try:
            client = load(module)(url, creds, workload, frozenset(options))
            await client.connect()
        except ClientUnavailable as exc:
            print(f"  {name}: skipped ({exc})", file=sys.stderr)
            continue
        clients[name] = client
    return clients


async def measure(url: str, args: argparse.Namespace) -> dict[str, list[float]]:
    """Per client, the CPU µs/request of every round."""
    names = list(dict.fromkeys(["floor", *(n for n in args.clients.split(",") if n)]))
    clients = await _connect(names, url)
    numbers = itertools.count(0, args.requests + args.warmup)  # unique clientOids per run
    results: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for client in clients.values():
            await client.run_pipelined(next(numbers), args.warmup, args.inflight)
        for _ in range(args.rounds):
            for name, client in clients.items():
                gc.collect()
                t0 = time.process_time()
                errors = await client.run_pipelined(next(numbers), args.requests, args.inflight)
                results[name].append((time.process_time() - t0) / args.requests * 1e6)
                if errors:
                    raise RuntimeError(f"{name}: {errors} requests failed")
    finally:
        for client in clients.values():
            await client.close()
    return results


def report(results: dict[str, list[float]], args: argparse.Namespace) -> None:
    """The table: median per client, ratio to the floor, the rounds; then paired ratios."""
    med = {name: statistics.median(v) for name, v in results.items() if v}
    print(f"client CPU per request (us), median of {args.rounds} rounds of {args.requests}, "
          f"{args.inflight} in flight, {args.loop}, {args.gateway} on core "
          f"{args.emulator_core}, client on core {args.client_core}")
    for name, value in med.items():
        print(f"  {name:14s} {value:7.2f} us   vs floor {value / med['floor']:5.2f}x   "
              f"(rounds: {', '.join(f'{x:.2f}' for x in results[name])})")
    for num, den, goal in PAIRS:
        if num in med and den in med:
            # Rounds are interleaved, so per-round ratios cancel most machine-load drift.
            ratios = [a / b for a, b in zip(results[num], results[den])]
            print(f"  {num} / {den}: {med[num] / med[den]:.2f}x (ratio of medians); "
                  f"{statistics.median(ratios):.2f}x (median of per-round ratios){goal}")


def main(argv: list[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.client_cpu",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--warmup", type=int, default=20_000)
    parser.add_argument("--inflight", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--emulator-core", type=int, default=0, help="the gateway's core")
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--gateway", choices=GATEWAYS, default="emulator")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--clients", default=",".join(CLIENTS),
                        help="comma-separated subset to run (the floor is always run)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.clients.split(",") if n and n not in CLIENTS]
    if unknown:
        parser.error(f"--clients: unknown {', '.join(unknown)} (known: {', '.join(CLIENTS)})")

    # The baselines send no keepalive and sit idle while the others run: keep the
    # emulator from closing them for idleness.
    extra = ["--idle-timeout-ms", str(24 * 3600 * 1000)]
    pin = hasattr(os, "sched_setaffinity")
    gateway = GatewayProcess(command(args.gateway, Credentials(), extra_args=extra),
                             args.emulator_core if pin else None, name=args.gateway)
    try:
        if pin:
            os.sched_setaffinity(0, {args.client_core})
        runner: Any = asyncio.run
        if args.loop == "uvloop":
            import uvloop

            runner = uvloop.run
        results = runner(measure(gateway.url, args))
    finally:
        gateway.stop()
    report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

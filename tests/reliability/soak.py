"""Soak test (failure scenario 20): N requests through the emulator, resources sampled.

    python tests/reliability/soak.py                # 10,000,000 market orders
    python tests/reliability/soak.py --requests 200000 --interval 20000 --json out.json

The emulator runs in a subprocess (``python -m kucoin_fast.emulator --no-rate-limit``)
so client and server each get a core; ``--in-process`` runs it on the client's loop.
The client sends market orders through the low-level prepared-order path with a fixed
window of requests in flight (``--window``), each with a unique clientOid.

Every ``--interval`` requests it samples: RSS, the client's pending-table size, timer
handles (``len(loop._scheduled)`` on asyncio; uvloop has no such list, so the proxy
measure is the pending count plus the client's own timers: one deadline timer while
anything is pending, one ping timer, one pong timer while a pong is awaited), open fds
and the number of asyncio tasks. At the end it reports the RSS slope (least squares,
bytes per million requests) over the samples after the warm-up (``--warmup``, default
20 % of the run) and exits non-zero when the final pending count, timer handles or fd
count grew (``check()``), so CI can run a small one (``test_soak.py`` beside this file
imports :func:`soak`).

The client is observed only through ``client.connection(ws_key)`` and that connection's
``pending_count``, ``stats()`` and ``is_ready``.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

KEY, SECRET, PASSPHRASE = "soak-key", "soak-secret", "soak-passphrase"
TEMPLATE = {"clientOid": "tpl", "side": "buy", "symbol": "XBTUSDTM", "type": "market",
            "size": 1}


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@dataclass
class Sample:
    requests: int
    seconds: float
    rss: int
    pending: int
    timers: int
    timers_kind: str
    fds: int
    tasks: int


@dataclass
class SoakResult:
    requests: int
    errors: int
    seconds: float
    loop: str
    samples: list[Sample] = field(default_factory=list)
    baseline: Sample | None = None
    final: Sample | None = None
    rss_slope_bytes_per_million: float = 0.0
    warmup_requests: int = 0
    #: ``client.connection().stats()`` at the end (replies, dropped frames by reason).
    connection_stats: dict[str, int] = field(default_factory=dict)

    def check(self) -> list[str]:
        """Problems: growth of pending entries, timer handles or fds (empty = fine)."""
        problems = []
        if self.errors:
            problems.append(f"{self.errors} requests failed")
        if self.final is None or self.baseline is None:
            return problems + ["no samples"]
        if self.final.pending != 0:
            problems.append(f"pending table not empty at the end: {self.final.pending}")
        if self.final.timers > self.baseline.timers:
            problems.append(f"timer handles grew: {self.baseline.timers} -> {self.final.timers}")
        if self.final.fds > self.baseline.fds:
            problems.append(f"fds grew: {self.baseline.fds} -> {self.final.fds}")
        if self.final.tasks > self.baseline.tasks:
            problems.append(f"tasks grew: {self.baseline.tasks} -> {self.final.tasks}")
        return problems

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points (0 with fewer than two points)."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    var = sum((p[0] - mx) ** 2 for p in points)
    if var == 0:
        return 0.0
    return sum((p[0] - mx) * (p[1] - my) for p in points) / var


def _pending(client: Any) -> int:
    conn = client.connection()
    return 0 if conn is None else int(conn.pending_count)


def _client_timers(client: Any, loop: asyncio.AbstractEventLoop) -> tuple[int, str]:
    scheduled = getattr(loop, "_scheduled", None)
    if scheduled is not None:
        return sum(1 for h in scheduled if not h.cancelled()), "loop._scheduled"
    conn = client.connection()
    pending = _pending(client)
    own = 0
    if conn is not None and conn.is_ready:
        own = 1 + (1 if pending else 0)  # ping timer + the deadline timer
    return pending + own, "pending+client timers"


class _EmulatorProcess:
    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> str:
        cmd = [sys.executable, "-m", "kucoin_fast.emulator", "--port", "0", "--no-rate-limit",
               "--api-key", KEY, "--api-secret", SECRET, "--api-passphrase", PASSPHRASE,
               "--history-size", "1000"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            match = re.search(r"listening on (ws://\S+)", line)
            if match:
                self.url = match.group(1)
                return self.url
        self.stop()
        raise RuntimeError("the emulator did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None


async def soak(requests: int, *, url: str | None = None, window: int = 256,
               interval: int = 500_000, warmup: float = 0.2, in_process: bool = False,
               progress: Any = None) -> SoakResult:
    """Drive ``requests`` market orders; returns the samples (see the module doc)."""
    from kucoin_fast import WebsocketAPIClient

    loop = asyncio.get_running_loop()
    emulator_cm: Any = None
    emulator_proc: _EmulatorProcess | None = None
    if url is None:
        if in_process:
            from kucoin_fast.emulator import Account, Emulator
            emulator_cm = Emulator(accounts=[Account(KEY, SECRET, PASSPHRASE)], rate_limit=None,
                                   history_size=1000)
            url = (await emulator_cm.__aenter__()).url
        else:
            emulator_proc = _EmulatorProcess()
            url = await loop.run_in_executor(None, emulator_proc.start)
    loop_name = type(loop).__module__.split(".")[0]
    result = SoakResult(requests=requests, errors=0, seconds=0.0, loop=loop_name)
    client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url=url, request_timeout=30.0)
    try:
        await client.connect()
        prepared = client.prepare_order(TEMPLATE)
        sent = 0
        done_count = 0
        errors = 0
        wake: asyncio.Future[None] | None = None
        first_error: list[Any] = []

        def on_result(res: Any) -> None:
            nonlocal done_count, errors, wake
            done_count += 1
            if not getattr(res, "ok", False):
                errors += 1
                if not first_error:
                    first_error.append(res)
            if wake is not None and not wake.done():
                wake.set_result(None)

        def sample() -> Sample:
            timers, kind = _client_timers(client, loop)
            return Sample(requests=done_count, seconds=time.perf_counter() - start,
                          rss=rss_bytes(), pending=_pending(client),
                          timers=timers, timers_kind=kind, fds=open_fds(),
                          tasks=len(asyncio.all_tasks()))

        start = time.perf_counter()
        # Baseline after a short warm-up with nothing in flight.
        warm = min(requests, max(window * 4, 1000))
        next_sample = interval
        while done_count < requests:
            while sent < requests and sent - done_count < window:
                sent += 1
                prepared.send(None, 1, f"s{sent}", on_result)
            wake = loop.create_future()
            await wake
            wake = None
            if done_count >= next_sample:
                next_sample += interval
                s = sample()
                result.samples.append(s)
                if progress is not None:
                    progress(s)
            if result.baseline is None and done_count >= warm:
                # drain the window once to take the baseline with nothing pending
                while done_count < sent:
                    wake = loop.create_future()
                    await wake
                    wake = None
                gc.collect()
                result.baseline = sample()
        await asyncio.sleep(0)
        gc.collect()
        result.final = sample()
        conn = client.connection()
        result.connection_stats = {} if conn is None else dict(conn.stats())
        result.seconds = time.perf_counter() - start
        result.errors = errors
        if first_error:
            print(f"first error: {first_error[0]!r}", file=sys.stderr)
        result.warmup_requests = int(requests * warmup)
        points = [(s.requests, s.rss) for s in result.samples if s.requests >= result.warmup_requests]
        result.rss_slope_bytes_per_million = slope(points) * 1e6
    finally:
        await client.close()
        if emulator_cm is not None:
            await emulator_cm.__aexit__(None, None, None)
        if emulator_proc is not None:
            emulator_proc.stop()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000_000)
    parser.add_argument("--window", type=int, default=256, help="requests in flight")
    parser.add_argument("--interval", type=int, default=None,
                        help="sample every N requests (default requests/40)")
    parser.add_argument("--warmup", type=float, default=0.2,
                        help="fraction of the run excluded from the RSS slope")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="uvloop")
    parser.add_argument("--url", help="use a running emulator (credentials soak-key/...)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the emulator on the client's loop")
    parser.add_argument("--json", help="write the result here")
    args = parser.parse_args(argv)
    interval = args.interval or max(1000, args.requests // 40)

    def progress(s: Sample) -> None:
        print(f"{s.requests:>11,d} req {s.seconds:8.1f}s {s.requests / max(s.seconds, 1e-9):9,.0f}/s"
              f"  rss {s.rss / 2**20:8.1f} MiB  pending {s.pending:4d}  timers {s.timers:3d}"
              f" ({s.timers_kind})  fds {s.fds:3d}  tasks {s.tasks}", flush=True)

    coro = soak(args.requests, url=args.url, window=args.window, interval=interval,
                warmup=args.warmup, in_process=args.in_process, progress=progress)
    if args.loop == "uvloop":
        import uvloop
        result = uvloop.run(coro)
    else:
        result = asyncio.run(coro)
    b, f = result.baseline, result.final
    assert b is not None and f is not None
    print(f"\n{result.requests:,d} requests in {result.seconds:.1f}s "
          f"({result.requests / result.seconds:,.0f}/s) on {result.loop}; errors {result.errors}")
    print(f"RSS   baseline {b.rss / 2**20:.1f} MiB  final {f.rss / 2**20:.1f} MiB  "
          f"slope after warm-up {result.rss_slope_bytes_per_million / 1024:+.1f} KiB per 1M requests")
    print(f"fds   baseline {b.fds}  final {f.fds}")
    print(f"pending baseline {b.pending}  final {f.pending}")
    print(f"timers baseline {b.timers}  final {f.timers} ({f.timers_kind})")
    print(f"tasks baseline {b.tasks}  final {f.tasks}")
    print("connection stats", result.connection_stats)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result.to_json(), fh, indent=1)
    problems = result.check()
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

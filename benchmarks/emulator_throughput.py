"""Emulator throughput: futures.order requests/s over ONE pipelined connection.

Standalone script (not part of the latency suite): starts ``python -m
kucoin_fast.emulator`` in a subprocess pinned to core 0 (``taskset -c 0``) with
rate limiting off, pins itself to core 1, authenticates with a raw picows client and
keeps a window of pre-built ``futures.order`` frames (market orders, so every order
fills and the book stays empty) in flight. It prints requests/s and the emulator's
CPU time per request, measured from the emulator process's own CPU counters.

    python benchmarks/emulator_throughput.py [--seconds 5] [--window 2000] [--order limit]

The client writes pre-masked frames (mask key 0, which RFC 6455 allows) in batches,
so the client side costs far less per request than the emulator does.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from typing import Any
from urllib.parse import quote

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

KEY, SECRET, PASSPHRASE = "bench-key", "bench-secret", "bench-passphrase"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _sign(msg: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), msg, hashlib.sha256).digest()).decode()


def _masked_frame(payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        hdr = bytes((0x81, 0x80 | n))
    elif n < 65536:
        hdr = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    else:
        hdr = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
    return hdr + b"\0\0\0\0" + payload


def _order_frame(i: int, kind: str) -> bytes:
    if kind == "multi":  # futures.multi_order of 10 market orders
        items = ",".join(f'{{"clientOid":"bench-{i}-{k}","side":"buy","symbol":"XBTUSDTM",'
                         f'"type":"market","size":1}}' for k in range(10))
        return _masked_frame(f'{{"id":"{i}","op":"futures.multi_order","args":[{items}]}}'
                             .encode())
    if kind == "market":
        args = (f'{{"clientOid":"bench-{i}","side":"buy","symbol":"XBTUSDTM",'
                f'"type":"market","size":1,"marginMode":"ISOLATED"}}')
    else:  # crossing limit order: fills at once
        args = (f'{{"clientOid":"bench-{i}","side":"buy","symbol":"XBTUSDTM",'
                f'"type":"limit","price":"200000","size":"1","timeInForce":"GTC"}}')
    return _masked_frame(f'{{"id":"{i}","op":"futures.order","args":{args}}}'.encode())


class _Client(WSListener):
    def __init__(self, batches: list[bytes], batch: int, window: int) -> None:
        self.batches = batches
        self.batch = batch
        self.window = window
        self.sent = 0
        self.received = 0
        self.errors = 0
        self.next_batch = 0
        self.state = "challenge"
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: WSTransport | None = None
        self.running = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def _pump(self) -> None:
        assert self.transport is not None
        write = self.transport.underlying_transport.write
        while self.running and self.sent - self.received < self.window:
            write(self.batches[self.next_batch])
            self.next_batch = (self.next_batch + 1) % len(self.batches)
            self.sent += self.batch

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if self.state == "challenge":
            transport.send(WSMsgType.TEXT, _sign(frame.get_payload_as_bytes(), SECRET).encode())
            self.state = "welcome"
        elif self.state == "welcome":
            if b"welcome" not in frame.get_payload_as_bytes():
                self.ready.set_exception(RuntimeError("handshake failed"))
                return
            self.state = "run"
            self.ready.set_result(None)
        else:
            self.received += 1
            # Only successes count as served: an error storm must not look fast.
            if b'"code":"200000"' not in frame.get_payload_as_bytes():
                self.errors += 1
            if frame.last_in_buffer:
                self._pump()


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(url: str, pid: int, seconds: float, window: int, kind: str) -> dict[str, Any]:
    batch = 100
    batches = [b"".join(_order_frame(b * batch + i, kind) for i in range(batch))
               for b in range(200)]
    ts = str(int(time.time() * 1000))
    q = (f"apikey={KEY}&timestamp={ts}&sign={quote(_sign((KEY + ts).encode(), SECRET), safe='')}"
         f"&passphrase={quote(_sign(PASSPHRASE.encode(), SECRET), safe='')}")
    client: _Client | None = None

    def factory() -> _Client:
        nonlocal client
        client = _Client(batches, batch, window)
        return client

    transport, _ = await ws_connect(factory, f"{url}?{q}", enable_auto_pong=True)
    assert client is not None
    await asyncio.wait_for(client.ready, 5)
    client.running = True
    # Warm-up, then measure.
    client._pump()
    await asyncio.sleep(1.0)
    r0, c0, t0, m0 = client.received, _cpu_seconds(pid), time.perf_counter(), _rss_mib(pid)
    await asyncio.sleep(seconds)
    r1, c1, t1, m1 = client.received, _cpu_seconds(pid), time.perf_counter(), _rss_mib(pid)
    if client.errors:
        raise RuntimeError(f"{client.errors} replies were not successes")
    client.running = False
    transport.disconnect()
    n = r1 - r0
    return {"requests": n, "seconds": t1 - t0, "rps": n / (t1 - t0),
            "cpu_us_per_request": (c1 - c0) / n * 1e6 if n else float("nan"),
            "emulator_cpu_share": (c1 - c0) / (t1 - t0), "rss_start": m0, "rss_end": m1,
            "total": r1}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--window", type=int, default=2000, help="requests in flight")
    ap.add_argument("--order", choices=("market", "limit", "multi"), default="market",
                    help="market/limit: futures.order; multi: futures.multi_order of 10")
    ap.add_argument("--no-pin", action="store_true", help="do not use taskset/affinity")
    ap.add_argument("--no-uvloop", action="store_true")
    args = ap.parse_args()

    cmd = [sys.executable, "-m", "kucoin_fast.emulator", "emulator", "--port", "0",
           "--no-rate-limit", "--api-key", KEY, "--api-secret", SECRET,
           "--api-passphrase", PASSPHRASE]
    if args.no_uvloop:
        cmd.append("--no-uvloop")
    pin = not args.no_pin and shutil.which("taskset") is not None and (os.cpu_count() or 1) > 1
    if pin:
        cmd = ["taskset", "-c", "0"] + cmd
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"(wss?://\S+)", line)
        if not m:
            print(f"emulator did not start: {line!r}", file=sys.stderr)
            return 1
        if pin:
            os.sched_setaffinity(0, {1})
        runner: Any = asyncio.run
        if not args.no_uvloop:
            try:
                import uvloop
                runner = uvloop.run
            except ImportError:
                pass
        res = runner(_drive(m.group(1), proc.pid, args.seconds, args.window, args.order))
    finally:
        proc.terminate()
        proc.wait(5)
    print(f"emulator throughput ({args.order} orders, 1 connection, window {args.window}, "
          f"{'pinned' if pin else 'unpinned'}):")
    print(f"  {res['rps']:,.0f} requests/s over {res['seconds']:.1f}s "
          f"({res['requests']:,} replies)")
    print(f"  emulator CPU {res['cpu_us_per_request']:.2f} us/request "
          f"({res['emulator_cpu_share'] * 100:.0f}% of one core)")
    print(f"  emulator RSS {res['rss_start']:.1f} -> {res['rss_end']:.1f} MiB "
          f"after {res['total']:,} filled orders")
    return 0


if __name__ == "__main__":
    sys.exit(main())

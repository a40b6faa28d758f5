"""Client CPU per request: kucoin_fast vs a raw picows floor vs picows+orjson+Future.

Method (the numbers are measured, never asserted):

* the emulator runs in its own process pinned to core 0 (``taskset -c 0``), rate
  limit off, market orders (they fill at once, so the open-order caps never bite);
* this process (all clients, one after another) is pinned to core 1 and uses uvloop;
* each client keeps ``--inflight`` (100) requests pipelined on one connection and
  runs ``--requests`` requests after a warm-up; client CPU is the process's
  user+system CPU time (``time.process_time``) over the measured requests,
  divided by their number;
* rounds are interleaved (floor, orjson, kucoin_fast, kucoin_fast prepared, ...),
  and the median over ``--rounds`` is reported.

Clients:

``floor``          picows, one constant pre-built frame re-sent from the frame callback
                   (copied into a buffer with headroom, masked in place), replies only
                   counted: no JSON, no futures, no coroutines.
``orjson_future``  hand-rolled picows + orjson: ``orjson.dumps`` of the envelope,
                   ``orjson.loads`` of each reply, an ``asyncio.Future`` per request
                   resolved from the frame callback, ``await`` in 100 worker tasks.
``kucoin_fast``    ``await client.submit_futures_order(order)`` in 100 worker tasks.
``kf_prepared``    kucoin_fast's low-level path: ``PreparedOrder.send(..., callback)``
                   from the completion callback (no future, no coroutine).
``kf_coalesced``   as ``kucoin_fast`` with ``coalesce_writes=True`` (opt-in: frames of one
                   loop iteration leave in one socket write). Not like-for-like with the
                   floor, which writes once per request: reported separately.

Run: ``python benchmarks/client_cpu.py [--requests 200000] [--rounds 3]``.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import orjson
from picows import WSListener, WSMsgType, WSTransport, ws_connect

KEY, SECRET, PASSPHRASE = "bench-key", "bench-secret", "bench-pass"
ORDER: dict[str, Any] = {"clientOid": "bench-1", "side": "buy", "symbol": "XBTUSDTM",
                         "type": "market", "size": 1, "leverage": 10}


def _b64hmac(key: str, msg: bytes) -> bytes:
    return base64.b64encode(hmac.new(key.encode(), msg, hashlib.sha256).digest())


def signed_url(base: str) -> str:
    from urllib.parse import quote
    ts = str(int(time.time() * 1000))
    sign = _b64hmac(SECRET, (KEY + ts).encode()).decode()
    pp = _b64hmac(SECRET, PASSPHRASE.encode()).decode()
    return (f"{base}?apikey={KEY}&timestamp={ts}&sign={quote(sign, safe='')}"
            f"&passphrase={quote(pp, safe='')}")


class _Handshake(WSListener):  # type: ignore[misc]
    """Challenge/welcome by hand for the baseline clients."""

    def __init__(self) -> None:
        super().__init__()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: WSTransport | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        # Fail loudly instead of hanging the run.
        print(f"{type(self).__name__}: disconnected by the server", file=sys.stderr)
        os._exit(3)

    def handshake_frame(self, payload: bytes) -> bool:
        if self.ready.done():
            return False
        if b"pingInterval" in payload:
            self.ready.set_result(None)
        else:
            assert self.transport is not None
            self.transport.send(WSMsgType.TEXT, _b64hmac(SECRET, payload))
        return True


class FloorClient(_Handshake):
    HEADROOM = 14

    def __init__(self) -> None:
        super().__init__()
        frame = orjson.dumps({"id": "1", "op": "futures.order", "args": ORDER})
        self.frame = frame
        self.buf = bytearray(self.HEADROOM + len(frame))
        self.remaining = 0
        self.outstanding = 0
        self.done: asyncio.Future[None] | None = None

    def send_one(self) -> None:
        buf = self.buf
        buf[self.HEADROOM:] = self.frame
        assert self.transport is not None
        self.transport.send_reuse_external_bytearray(WSMsgType.TEXT, buf, self.HEADROOM)
        self.remaining -= 1
        self.outstanding += 1

    def on_ws_frame(self, transport: WSTransport, frame: Any) -> None:
        if frame.msg_type != WSMsgType.TEXT or self.handshake_frame(frame.get_payload_as_bytes()):
            return
        self.outstanding -= 1
        if self.remaining > 0:
            self.send_one()
        elif self.outstanding == 0 and self.done is not None:
            self.done.set_result(None)

    async def run(self, n: int, inflight: int) -> None:
        self.remaining = n
        self.done = asyncio.get_running_loop().create_future()
        for _ in range(min(inflight, n)):
            self.send_one()
        await self.done


class OrjsonFutureClient(_Handshake):
    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.next_id = 0
        self.loop = asyncio.get_running_loop()

    def on_ws_frame(self, transport: WSTransport, frame: Any) -> None:
        if frame.msg_type != WSMsgType.TEXT:
            return
        payload = frame.get_payload_as_bytes()
        if self.handshake_frame(payload):
            return
        msg = orjson.loads(payload)
        fut = self.pending.pop(msg.get("id"), None)
        if fut is not None and not fut.done():
            fut.set_result(msg)

    async def request(self, op: str, args: Any) -> Any:
        self.next_id += 1
        rid = str(self.next_id)
        assert self.transport is not None
        self.transport.send(WSMsgType.TEXT, orjson.dumps({"id": rid, "op": op, "args": args}))
        fut = self.loop.create_future()
        self.pending[rid] = fut
        msg = await fut
        if msg.get("code") != "200000":
            raise RuntimeError(msg)
        return msg

    async def run(self, n: int, inflight: int) -> None:
        await _workers(lambda: self.request("futures.order", ORDER), n, inflight)


async def _workers(call: Callable[[], Any], n: int, inflight: int) -> None:
    left = [n]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(inflight)))


async def _connect_baseline(cls: type, url: str) -> Any:
    _, listener = await ws_connect(cls, signed_url(url), enable_auto_ping=False)
    await listener.ready
    return listener


async def run_kucoin_fast(url: str, n: int, inflight: int, prepared: bool,
                          coalesce: bool = False) -> Callable[..., Any]:
    from kucoin_fast import WebsocketAPIClient
    client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url=url, request_timeout=30,
                                coalesce_writes=coalesce)
    await client.connect()
    if not prepared:
        async def run(count: int) -> None:
            await _workers(lambda: client.submit_futures_order(ORDER), count, inflight)
    else:
        order = client.prepare_order(ORDER)
        loop = asyncio.get_running_loop()

        async def run(count: int) -> None:
            state = {"left": count, "out": 0}
            done = loop.create_future()

            def on_done(result: Any) -> None:
                state["out"] -= 1
                if not getattr(result, "ok", False):
                    raise RuntimeError(repr(result))
                if state["left"] > 0:
                    state["left"] -= 1
                    state["out"] += 1
                    order.send(None, 1, "bench-1", on_done)
                elif state["out"] == 0:
                    done.set_result(None)

            for _ in range(min(inflight, count)):
                state["left"] -= 1
                state["out"] += 1
                order.send(None, 1, "bench-1", on_done)
            await done
    run.client = client  # type: ignore[attr-defined]
    return run


async def measure(url: str, args: argparse.Namespace) -> dict[str, list[float]]:
    floor = await _connect_baseline(FloorClient, url)
    oj = await _connect_baseline(OrjsonFutureClient, url)
    kf = await run_kucoin_fast(url, args.requests, args.inflight, prepared=False)
    kfp = await run_kucoin_fast(url, args.requests, args.inflight, prepared=True)
    kfc = await run_kucoin_fast(url, args.requests, args.inflight, prepared=False, coalesce=True)
    runners: dict[str, Callable[[int], Any]] = {
        "floor": lambda k: floor.run(k, args.inflight),
        "orjson_future": lambda k: oj.run(k, args.inflight),
        "kucoin_fast": kf,
        "kf_prepared": kfp,
        "kf_coalesced": kfc,
    }
    wanted = set(args.clients.split(",")) | {"floor"}
    runners = {name: run for name, run in runners.items() if name in wanted}
    results: dict[str, list[float]] = {name: [] for name in runners}
    for name, run in runners.items():  # warm-up
        await run(args.warmup)
    for _ in range(args.rounds):
        for name, run in runners.items():
            t0 = time.process_time()
            await run(args.requests)
            results[name].append((time.process_time() - t0) / args.requests * 1e6)
    await kf.client.close()  # type: ignore[attr-defined]
    await kfp.client.close()  # type: ignore[attr-defined]
    await kfc.client.close()  # type: ignore[attr-defined]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--warmup", type=int, default=20_000)
    parser.add_argument("--inflight", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--emulator-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--clients",
                        default="floor,orjson_future,kucoin_fast,kf_prepared,kf_coalesced",
                        help="comma-separated subset to run (the floor is always run)")
    args = parser.parse_args()

    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # The baseline clients send no keepalive and may sit idle while the others run:
    # keep the emulator from closing them for idleness.
    cmd = [sys.executable, "-m", "kucoin_fast", "emulator", "--port", "0", "--no-rate-limit",
           "--idle-timeout-ms", str(24 * 3600 * 1000),
           "--api-key", KEY, "--api-secret", SECRET, "--api-passphrase", PASSPHRASE]
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", str(args.emulator_core)] + cmd
        os.sched_setaffinity(0, {args.client_core})
    emu = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert emu.stdout is not None
        url = ""
        for line in emu.stdout:
            if "listening on" in line:
                url = line.split("listening on", 1)[1].strip()
                break
        if not url:
            raise SystemExit("the emulator did not start")
        import uvloop
        results = uvloop.run(measure(url, args))
    finally:
        emu.terminate()
        emu.wait(10)

    med = {name: statistics.median(v) for name, v in results.items()}
    print(f"client CPU per request (us), median of {args.rounds} rounds of {args.requests}, "
          f"{args.inflight} in flight, uvloop, emulator on core {args.emulator_core}, "
          f"client on core {args.client_core}")
    for name, value in med.items():
        print(f"  {name:14s} {value:7.2f} us   vs floor {value / med['floor']:5.2f}x   "
              f"(rounds: {', '.join(f'{x:.2f}' for x in results[name])})")
    def paired(num: str, den: str) -> str:
        # Rounds are interleaved, so per-round ratios cancel most machine-load drift.
        ratios = [a / b for a, b in zip(results[num], results[den])]
        return (f"{med[num] / med[den]:.2f}x (ratio of medians); "
                f"{statistics.median(ratios):.2f}x (median of per-round ratios)")

    for name in ("kucoin_fast", "kf_prepared", "kf_coalesced"):
        goal = name == "kucoin_fast"
        if name in med:
            print(f"  {name} / floor: {paired(name, 'floor')}"
                  + ("   (goal <= 1.5x)" if goal else ""))
        if name in med and "orjson_future" in med:
            print(f"  orjson_future / {name}: {paired('orjson_future', name)}"
                  + ("   (goal >= 1.5x)" if goal else ""))


if __name__ == "__main__":
    main()

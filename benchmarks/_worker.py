"""One benchmark client in its own process: ``python -m benchmarks._worker SPEC_JSON OUT_JSON``.

The runner pins this process to a core, so the client's CPU time (``time.process_time``
over each measured window only) is its own. The result is one JSON object in OUT_JSON.
"""
from __future__ import annotations

import asyncio
import gc
import json
import sys
import traceback
from collections.abc import Callable
from resource import RUSAGE_SELF, getrusage
from time import perf_counter, perf_counter_ns, process_time
from typing import Any

from ._kucoin import Credentials, Workload
from ._stats import summarize_ns
from ._tls import client_context
from .clients import BenchClient, ClientUnavailable, load

#: Measured phases after the connect phase, in the order they run.
PHASES: tuple[str, ...] = ("seq", "pipe", "pipe_lat", "batch")


def _quiesce() -> None:
    """Collect garbage before a measured window so earlier phases' litter is not billed."""
    gc.collect()


class Worker:
    """Runs the phases named in the spec against one client and collects the numbers."""

    def __init__(self, spec: dict[str, Any], cls: type[BenchClient]) -> None:
        self.spec = spec
        self.cls = cls
        self.workload = Workload()
        self.creds = Credentials(*spec["creds"])
        self.n = 0  # next request number (clientOids stay unique within the process)
        self.result: dict[str, Any] = {}
        cafile = spec.get("cafile")
        #: The TLS profile's run-time CA (``wss://`` gateways); None over ``ws://``.
        self.ssl_context = None if cafile is None else client_context(cafile)

    def _client(self) -> BenchClient:
        options = frozenset(self.spec.get("options", ()))
        return self.cls(self.spec["url"], self.creds, self.workload, options, self.ssl_context)

    def _numbers(self, n: int) -> int:
        start, self.n = self.n, self.n + n
        return start

    async def run(self) -> None:
        spec = self.spec
        phases = spec["phases"]
        timeout = spec.get("phase_timeout", 300.0)
        if "connect" in phases:
            await asyncio.wait_for(self.connect_phase(spec["n_connect"]), timeout)
        client = self._client()
        await asyncio.wait_for(client.connect(), timeout)
        try:
            await asyncio.wait_for(self.warmup(client), timeout)
            for phase in PHASES:
                if phase in phases:
                    await asyncio.wait_for(getattr(self, f"{phase}_phase")(client), timeout)
        finally:
            await asyncio.wait_for(client.close(), 10)

    async def connect_phase(self, n: int) -> None:
        """Fresh connection + handshake (signed URL, challenge, welcome), ``n`` times."""
        samples: list[int] = []
        for _ in range(n):
            client = self._client()
            t0 = perf_counter_ns()
            await client.connect()
            samples.append(perf_counter_ns() - t0)
            await client.close()
        self.result["connect"] = summarize_ns(samples)

    async def warmup(self, client: BenchClient) -> None:
        """Sequential and pipelined traffic before anything is measured."""
        n = self.spec["n_warmup"]
        errors = await client.run_sequential(self._numbers(n), n, [])
        errors += await client.run_pipelined(self._numbers(n), n, self.spec["depth"])
        if "batch" in self.spec["phases"]:
            errors += await client.run_batches(self._numbers(10), 10, self.spec["batch_size"], [])
        self.result["warmup_errors"] = errors

    async def _measured(self, name: str, requests: int, run: Callable[[], Any]) -> None:
        _quiesce()
        ru0 = getrusage(RUSAGE_SELF)
        cpu0, wall0 = process_time(), perf_counter()
        errors = await run()
        cpu, wall = process_time() - cpu0, perf_counter() - wall0
        ru1 = getrusage(RUSAGE_SELF)
        self.result[name] = {
            "requests": requests,
            "errors": errors,
            "wall_s": wall,
            "rps": requests / wall,
            "cpu_us_per_req": cpu / requests * 1e6,
            # The split shows how much of the CPU is the kernel (socket syscalls).
            "user_us_per_req": (ru1.ru_utime - ru0.ru_utime) / requests * 1e6,
            "sys_us_per_req": (ru1.ru_stime - ru0.ru_stime) / requests * 1e6,
            "ctx_switches_per_req": (ru1.ru_nvcsw + ru1.ru_nivcsw - ru0.ru_nvcsw - ru0.ru_nivcsw)
            / requests,
        }

    async def seq_phase(self, client: BenchClient) -> None:
        """Round trips one at a time: latency percentiles."""
        n = self.spec["n_seq"]
        lat: list[int] = []
        await self._measured("seq", n, lambda: client.run_sequential(self._numbers(n), n, lat))
        self.result["seq"].update(summarize_ns(lat))

    async def pipe_phase(self, client: BenchClient) -> None:
        """``depth`` requests in flight: throughput and client CPU per request."""
        n = self.spec["n_pipe"]
        await self._measured(
            "pipe", n, lambda: client.run_pipelined(self._numbers(n), n, self.spec["depth"])
        )

    async def pipe_lat_phase(self, client: BenchClient) -> None:
        """``depth`` requests in flight again, each one's send -> reply time recorded (a
        window of its own, so the timing does not touch the CPU/request above)."""
        n = self.spec["n_pipe_lat"]
        lat: list[int] = []
        await self._measured(
            "pipe_lat", n,
            lambda: client.run_pipelined(self._numbers(n), n, self.spec["depth"], lat))
        self.result["pipe_lat"].update(summarize_ns(lat))

    async def batch_phase(self, client: BenchClient) -> None:
        """``futures.multi_order`` of ``batch_size`` orders, one batch at a time."""
        n, size = self.spec["n_batch"], self.spec["batch_size"]
        lat: list[int] = []
        await self._measured("batch", n, lambda: client.run_batches(self._numbers(n), n, size, lat))
        self.result["batch"].update(summarize_ns(lat))


def _new_loop(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    if name == "asyncio":
        return asyncio.new_event_loop
    raise ValueError(f"unknown loop {name!r}")


def main(argv: list[str]) -> int:
    """Entry point: run the spec in ``argv[0]``, write the result JSON to ``argv[1]``."""
    spec = json.loads(argv[0])
    result: dict[str, Any] = {"client": spec["client"], "loop": spec["loop"], "available": True}
    rc = 0
    try:
        cls = load(spec["client"])
        missing = set(spec.get("options", ())) - cls.supported_options
        if missing:
            raise ClientUnavailable(f"no {', '.join(sorted(missing))} mode")
        if cls.note():
            result["note"] = cls.note()
        worker = Worker(spec, cls)
        loop = _new_loop(spec["loop"])()
        asyncio.set_event_loop(loop)  # asyncio.Runner(loop_factory=...) needs Python 3.11
        try:
            loop.run_until_complete(worker.run())
        finally:
            result.update(worker.result)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
    except ClientUnavailable as exc:
        result.update(available=False, note=str(exc))
    except Exception as exc:  # noqa: BLE001 -- reported in the table, never hidden
        result["failed"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
        rc = 1
    with open(argv[1], "w") as fh:
        json.dump(result, fh)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

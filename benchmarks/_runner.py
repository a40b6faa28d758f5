"""Orchestration: start the gateways on one core, run every client in its own process on
the other, repeat in interleaved order, collect the workers' JSON results."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import gateways
from ._kucoin import Credentials
from ._tls import TLSFiles, make_files
from .clients import ClientUnavailable, load
from .gateways import GatewayProcess

ROOT = Path(__file__).resolve().parent.parent
#: The pseudo-option of a row run from the ``--before`` checkout.
BEFORE = "before"
GATEWAY_CORE = 0
CLIENT_CORE = 1
#: Rows every run adds by default: kucoin_fast's awaitable API with each write mode, and
#: the spot rows (``spot.order``): kucoin_fast's ``submit_new_spot_order`` against the
#: floor and the hand-rolled client sending the same orders.
DEFAULT_VARIANTS: tuple[str, ...] = ("kucoin_fast_await+coalesce_writes",
                                     "kucoin_fast_await+no_coalesce", "picows_floor+spot",
                                     "kucoin_fast_await+spot", "picows_orjson+spot")


@dataclasses.dataclass
class Settings:
    """Sizes of one suite run (see ``PROFILES``)."""

    runs: int
    n_connect: int
    n_warmup: int
    n_seq: int
    n_same_core: int
    n_pipe: int
    n_pipe_lat: int
    n_batch: int
    depth: int = 100
    batch_size: int = 10
    worker_timeout_s: float = 300.0
    micro_seconds: float = 0.2
    #: Same-core passes per run. A same-core p50 moves by a third between two processes
    #: started a second apart on this VM (the floor's: 22 and 33 µs), so each run
    #: measures every same-core row this many times, interleaved.
    same_core_passes: int = 1


PROFILES: dict[str, Settings] = {
    "smoke": Settings(runs=1, n_connect=2, n_warmup=50, n_seq=200, n_same_core=200, n_pipe=400,
                      n_pipe_lat=200, n_batch=20, worker_timeout_s=60.0, micro_seconds=0.02),
    "quick": Settings(runs=1, n_connect=10, n_warmup=1000, n_seq=3000, n_same_core=3000,
                      n_pipe=20_000, n_pipe_lat=5000, n_batch=300, worker_timeout_s=120.0,
                      micro_seconds=0.1),
    "full": Settings(runs=5, n_connect=50, n_warmup=5000, n_seq=20_000, n_same_core=10_000,
                     n_pipe=100_000, n_pipe_lat=20_000, n_batch=2000, worker_timeout_s=600.0,
                     micro_seconds=0.5, same_core_passes=3),
}


@dataclasses.dataclass(frozen=True)
class Server:
    """Where the clients connect: a gateway kind over ``ws://`` or ``wss://``."""

    gateway: str
    tls: bool = False

    @property
    def profile(self) -> str:
        """The name results are grouped by: ``emulator``, ``plain+tls``, ..."""
        return self.gateway + ("+tls" if self.tls else "")


@dataclasses.dataclass(frozen=True)
class Job:
    """One worker process: a client on a loop against a server, in one placement."""

    run: int
    client: str
    loop: str
    placement: str  # "cross-core" (gateway core 0, client core 1) | "same-core" (both core 1)
    phases: tuple[str, ...]
    options: tuple[str, ...] = ()
    server: Server = Server("emulator")
    sample: int = 0  # which same-core pass of the run (0 for cross-core jobs)

    @property
    def variant(self) -> str:
        """The table row name: the client plus any options."""
        return "+".join((self.client, *self.options))


def pinning_available() -> bool:
    """True when ``taskset`` exists and both cores we pin to are usable."""
    return (shutil.which("taskset") is not None
            and {GATEWAY_CORE, CLIENT_CORE} <= os.sched_getaffinity(0))


def _pin_prefix(core: int | None) -> list[str]:
    return [] if core is None else ["taskset", "-c", str(core)]


def _supports(client: str, option: str) -> bool:
    try:
        return option in load(client).supported_options
    except ClientUnavailable:
        return False


def option_variants(clients: list[str], options: list[str],
                    variants: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(client, options) rows: every client with its defaults; each ``client+option`` of
    ``variants`` whose client is in the run (a value the client rejects is reported as
    unavailable by the worker); and every client that has an ``options`` mode with it."""
    combos: list[tuple[str, tuple[str, ...]]] = [(c, ()) for c in clients]
    for spec in variants:
        client, *opts = spec.split("+")
        if client in clients and opts:
            combos.append((client, tuple(opts)))
    combos += [(c, (o,)) for o in options for c in clients if _supports(c, o)]
    return list(dict.fromkeys(combos))


def plan(settings: Settings, variants: list[tuple[str, tuple[str, ...]]], loops: list[str],
         servers: list[Server]) -> list[Job]:
    """All worker jobs in execution order.

    Each run visits every (row, loop, server) once cross-core (connect, sequential,
    pipelined, pipelined latency, batch) and then, over ``ws://``,
    ``settings.same_core_passes`` times same-core (sequential only). The visiting order
    rotates by one position every run and every pass, so no client is always first or
    last (interleaved repeats: drift in the machine's state spreads over all clients
    instead of biasing one).
    """
    combos = [(c, opts, lp, srv) for srv in servers for c, opts in variants for lp in loops]
    cross = ("connect", "seq", "pipe", "pipe_lat", "batch")
    jobs: list[Job] = []
    for run in range(settings.runs):
        shift = run % len(combos)
        order = combos[shift:] + combos[:shift]
        jobs += [Job(run, c, lp, "cross-core", cross, opts, srv) for c, opts, lp, srv in order]
        for sample in range(settings.same_core_passes):
            shift = (run * settings.same_core_passes + sample) % len(combos)
            order = combos[shift:] + combos[:shift]
            jobs += [Job(run, c, lp, "same-core", ("seq",), opts, srv, sample)
                     for c, opts, lp, srv in order if not srv.tls]
    return jobs


class Progress:
    """A one-line text progress bar on stderr (no dependency)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.t0 = time.monotonic()

    def show(self, label: str) -> None:
        """Redraw with ``label`` as the current step."""
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / max(1, self.total))
        elapsed = time.monotonic() - self.t0
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} {elapsed:4.0f}s"
                         f" (~{eta:3.0f}s left) {label:<52.52}")
        sys.stderr.flush()

    def step(self) -> None:
        """Count one finished job."""
        self.done += 1

    def finish(self) -> None:
        """End the progress line."""
        if self.enabled:
            self.show("done")
            sys.stderr.write("\n")


def run_worker(job: Job, settings: Settings, url: str, creds: Credentials, core: int | None,
               tmpdir: str, cafile: str | None = None,
               before_tree: Path | None = None) -> dict[str, Any]:
    """Run one job in a fresh interpreter (in ``before_tree`` for a ``+before`` row); return
    its result dict (never raises)."""
    spec = {
        "client": job.client, "loop": job.loop, "url": url, "creds": list(creds),
        "cafile": cafile if job.server.tls else None,
        "phases": list(job.phases), "options": [o for o in job.options if o != BEFORE],
        "n_connect": settings.n_connect, "n_warmup": settings.n_warmup,
        "n_seq": settings.n_same_core if job.placement == "same-core" else settings.n_seq,
        "n_pipe": settings.n_pipe, "n_pipe_lat": settings.n_pipe_lat, "n_batch": settings.n_batch,
        "depth": settings.depth, "batch_size": settings.batch_size,
        "phase_timeout": settings.worker_timeout_s,
    }
    out = os.path.join(tmpdir, f"{job.run}-{job.variant}-{job.loop}-{job.server.profile}-"
                               f"{job.placement}-{job.sample}.json")
    cmd = [*_pin_prefix(core), sys.executable, "-m", "benchmarks._worker", json.dumps(spec), out]
    result: dict[str, Any]
    try:
        cwd = before_tree if before_tree is not None and BEFORE in job.options else ROOT
        proc = subprocess.run(cmd, check=False, cwd=cwd, capture_output=True, text=True,
                              timeout=settings.worker_timeout_s)
        stderr = proc.stderr
    except subprocess.TimeoutExpired as exc:
        stderr = f"worker timed out after {exc.timeout:.0f}s"
    try:
        with open(out) as fh:
            result = json.load(fh)
    except (OSError, ValueError):
        result = {"client": job.client, "loop": job.loop, "available": True,
                  "failed": (stderr.strip().splitlines() or ["worker died"])[-1]}
    if "failed" in result and stderr.strip():
        result["stderr_tail"] = stderr.strip().splitlines()[-5:]
    result.update(run=job.run, variant=job.variant, placement=job.placement,
                  profile=job.server.profile, sample=job.sample)
    return result


@dataclasses.dataclass
class GatewayOptions:
    """How to start the gateways: extra emulator arguments or another emulator build."""

    emulator_args: list[str] = dataclasses.field(default_factory=list)
    emulator_cmd: list[str] | None = None


def start_gateways(servers: list[Server], creds: Credentials, core: int | None,
                   options: GatewayOptions, tls: TLSFiles | None) -> dict[Server, GatewayProcess]:
    """One gateway process per server, all on ``core``; stops the started ones on failure."""
    started: dict[Server, GatewayProcess] = {}
    try:
        for srv in servers:
            certfile = tls.certfile if srv.tls and tls is not None else None
            cmd = gateways.command(srv.gateway, creds, certfile=certfile,
                                   extra_args=options.emulator_args,
                                   emulator_cmd=options.emulator_cmd)
            started[srv] = GatewayProcess(cmd, core, name=f"{srv.profile} gateway")
    except BaseException:
        for gw in started.values():
            gw.stop()
        raise
    return started


def execute(settings: Settings, jobs: list[Job], *, pin: bool, creds: Credentials,
            gateway_options: GatewayOptions, progress: bool,
            before_tree: Path | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run ``jobs``; return (every worker result, facts about the run)."""
    servers = list(dict.fromkeys(job.server for job in jobs))
    bar = Progress(len(jobs), progress)
    results: list[dict[str, Any]] = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kf-bench-") as tmpdir:
        tls = make_files(tmpdir) if any(srv.tls for srv in servers) else None
        running = start_gateways(servers, creds, GATEWAY_CORE if pin else None,
                                 gateway_options, tls)
        facts: dict[str, Any] = {"gateway_urls": {s.profile: g.url for s, g in running.items()},
                                 "pinned": pin}
        try:
            for job in jobs:
                bar.show(f"run {job.run + 1}/{settings.runs} {job.placement} {job.server.profile}"
                         f" {job.variant}/{job.loop}")
                gw = running[job.server]
                if pin:
                    gw.pin(CLIENT_CORE if job.placement == "same-core" else GATEWAY_CORE)
                cpu0 = gw.cpu_seconds()
                result = run_worker(job, settings, gw.url, creds, CLIENT_CORE if pin else None,
                                    tmpdir, tls.cafile if tls else None, before_tree)
                result["gateway_cpu_s"] = gw.cpu_seconds() - cpu0
                results.append(result)
                bar.step()
                gw.check_alive()
        finally:
            bar.finish()
            for gw in running.values():
                gw.stop()
    facts["elapsed_s"] = time.monotonic() - t0
    return results, facts


def iter_available(results: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Results of workers that ran (not skipped, not failed)."""
    return (r for r in results if r.get("available") and "failed" not in r)

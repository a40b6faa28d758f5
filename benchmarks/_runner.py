"""Orchestration: start the emulator on one core, run every client in its own process on
the other, repeat in interleaved order, collect the workers' JSON results."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._kucoin import Credentials
from .clients import CLIENT_MODULES, ClientUnavailable, load

ROOT = Path(__file__).resolve().parent.parent
URL_RE = re.compile(r"(wss?://\S+)")
EMULATOR_CORE = 0
CLIENT_CORE = 1


@dataclasses.dataclass
class Settings:
    """Sizes of one suite run (see ``PROFILES``)."""

    runs: int
    n_connect: int
    n_warmup: int
    n_seq: int
    n_same_core: int
    n_pipe: int
    n_batch: int
    depth: int = 100
    batch_size: int = 10
    worker_timeout_s: float = 300.0
    micro_seconds: float = 0.2


PROFILES: dict[str, Settings] = {
    "smoke": Settings(runs=1, n_connect=2, n_warmup=50, n_seq=200, n_same_core=200, n_pipe=400,
                      n_batch=20, worker_timeout_s=60.0, micro_seconds=0.02),
    "quick": Settings(runs=1, n_connect=10, n_warmup=1000, n_seq=3000, n_same_core=3000,
                      n_pipe=20_000, n_batch=300, worker_timeout_s=120.0, micro_seconds=0.1),
    "full": Settings(runs=5, n_connect=50, n_warmup=5000, n_seq=20_000, n_same_core=20_000,
                     n_pipe=100_000, n_batch=2000, worker_timeout_s=600.0, micro_seconds=0.5),
}


@dataclasses.dataclass(frozen=True)
class Job:
    """One worker process: a client on a loop, in one placement, for some phases."""

    run: int
    client: str
    loop: str
    placement: str  # "cross-core" (emulator core 0, client core 1) | "same-core" (both core 1)
    phases: tuple[str, ...]
    options: tuple[str, ...] = ()

    @property
    def variant(self) -> str:
        """The table row name: the client plus any opt-in mode."""
        return "+".join((self.client, *self.options))


def pinning_available() -> bool:
    """True when ``taskset`` exists and both cores we pin to are usable."""
    return shutil.which("taskset") is not None and {EMULATOR_CORE, CLIENT_CORE} <= os.sched_getaffinity(0)


def _pin_prefix(core: int | None) -> list[str]:
    return [] if core is None else ["taskset", "-c", str(core)]


class Emulator:
    """``python -m kucoin_fast.emulator`` in its own process, optionally pinned to a core."""

    def __init__(self, creds: Credentials, core: int | None, extra_args: list[str],
                 command: list[str] | None = None) -> None:
        self.creds = creds
        self.core = core
        base = command or [sys.executable, "-m", "kucoin_fast.emulator"]
        cmd = [*_pin_prefix(core), *base, "--host", "127.0.0.1", "--port", "0",
               "--no-rate-limit", "--api-key", creds.api_key, "--api-secret", creds.api_secret,
               "--api-passphrase", creds.passphrase, *extra_args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)
        self.output: deque[str] = deque(maxlen=50)
        self.url = self._wait_for_url(timeout=30.0)
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_for_url(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line.rstrip())
            if "listening" in line and (m := URL_RE.search(line)):
                return m.group(1)
        self.stop()
        raise RuntimeError("the emulator did not print its URL:\n" + "\n".join(self.output))

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip())

    def pin(self, core: int) -> None:
        """Move every thread of the emulator to ``core``."""
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            os.sched_setaffinity(int(tid), {core})

    def cpu_seconds(self) -> float:
        """User + system CPU the emulator process has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Terminate the emulator process."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def option_variants(clients: list[str], options: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(client, options) pairs: every client plainly, plus each client that supports an
    opt-in option once more with it."""
    combos: list[tuple[str, tuple[str, ...]]] = [(c, ()) for c in clients]
    for option in options:
        for c in clients:
            try:
                if option in load(c).supported_options:
                    combos.append((c, (option,)))
            except ClientUnavailable:
                pass
    return combos


def plan(settings: Settings, clients: list[str], loops: list[str], options: list[str]) -> list[Job]:
    """All worker jobs in execution order.

    Each run visits every (client, loop) once cross-core (connect, sequential, pipelined,
    batch) and then once same-core (sequential only). The visiting order rotates by one
    position every run so no client is always first or last (interleaved repeats: drift in
    the machine's state spreads over all clients instead of biasing one).
    """
    combos = [(c, lp, opts) for c, opts in option_variants(clients, options) for lp in loops]
    jobs: list[Job] = []
    for run in range(settings.runs):
        shift = run % len(combos)
        order = combos[shift:] + combos[:shift]
        for c, lp, opts in order:
            jobs.append(Job(run, c, lp, "cross-core", ("connect", "seq", "pipe", "batch"), opts))
        for c, lp, opts in order:
            jobs.append(Job(run, c, lp, "same-core", ("seq",), opts))
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
               tmpdir: str) -> dict[str, Any]:
    """Run one job in a fresh interpreter; return its result dict (never raises)."""
    spec = {
        "client": job.client, "loop": job.loop, "url": url, "creds": list(creds),
        "phases": list(job.phases), "options": list(job.options),
        "n_connect": settings.n_connect, "n_warmup": settings.n_warmup,
        "n_seq": settings.n_same_core if job.placement == "same-core" else settings.n_seq,
        "n_pipe": settings.n_pipe, "n_batch": settings.n_batch, "depth": settings.depth,
        "batch_size": settings.batch_size, "phase_timeout": settings.worker_timeout_s,
    }
    out = os.path.join(tmpdir, f"{job.run}-{job.variant}-{job.loop}-{job.placement}.json")
    cmd = [*_pin_prefix(core), sys.executable, "-m", "benchmarks._worker", json.dumps(spec), out]
    result: dict[str, Any]
    try:
        proc = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True,
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
    result.update(run=job.run, variant=job.variant, placement=job.placement)
    return result


def execute(settings: Settings, clients: list[str], loops: list[str], *, pin: bool,
            options: list[str], creds: Credentials, emulator_args: list[str],
            emulator_cmd: list[str] | None, progress: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run the whole plan; return (every worker result, facts about the run)."""
    unknown = [c for c in clients if c not in CLIENT_MODULES]
    if unknown:
        raise SystemExit(f"unknown client(s): {', '.join(unknown)}")
    jobs = plan(settings, clients, loops, options)
    bar = Progress(len(jobs), progress)
    emulator = Emulator(creds, EMULATOR_CORE if pin else None, emulator_args, emulator_cmd)
    results: list[dict[str, Any]] = []
    facts: dict[str, Any] = {"emulator_url": emulator.url, "pinned": pin}
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="kf-bench-") as tmpdir:
            for job in jobs:
                bar.show(f"run {job.run + 1}/{settings.runs} {job.placement} {job.variant}/{job.loop}")
                if pin:
                    emulator.pin(CLIENT_CORE if job.placement == "same-core" else EMULATOR_CORE)
                cpu0 = emulator.cpu_seconds()
                result = run_worker(job, settings, emulator.url, creds,
                                    CLIENT_CORE if pin else None, tmpdir)
                result["emulator_cpu_s"] = emulator.cpu_seconds() - cpu0
                results.append(result)
                bar.step()
                if emulator.proc.poll() is not None:
                    raise RuntimeError("the emulator exited:\n" + "\n".join(emulator.output))
    finally:
        bar.finish()
        emulator.stop()
    facts["elapsed_s"] = time.monotonic() - t0
    return results, facts


def iter_available(results: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Results of workers that ran (not skipped, not failed)."""
    return (r for r in results if r.get("available") and "failed" not in r)

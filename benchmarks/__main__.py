"""``python -m benchmarks``: the kucoin_fast latency suite against ``kucoin_fast.emulator``.

Starts the emulator pinned to core 0, runs every client in its own process pinned to
core 1 (and once more with both on core 1), repeats in interleaved order, prints a
comparison table with ratios against the raw picows floor measured in the same run, and
writes JSON, CSV and a PNG chart to ``benchmarks/results/``. See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import _calibrate, _report, _runner
from ._kucoin import Credentials
from .clients import CLIENT_MODULES
from .clients._base import KNOWN_OPTIONS

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOOPS = ("uvloop", "asyncio")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("kucoin_fast", "picows", "uvloop", "orjson", "aiohttp", "websockets", "pysimdjson"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=_runner.ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _micro(seconds: float, pin: bool) -> dict[str, Any]:
    """Run ``benchmarks.micro`` in its own process on the client core."""
    with tempfile.TemporaryDirectory(prefix="kf-micro-") as tmp:
        out = Path(tmp) / "micro.json"
        cmd = [sys.executable, "-m", "benchmarks.micro", "--seconds", str(seconds),
               "--json", str(out)]
        if pin:
            cmd = ["taskset", "-c", str(_runner.CLIENT_CORE), *cmd]
        proc = subprocess.run(cmd, check=False, cwd=_runner.ROOT, capture_output=True, text=True)
        try:
            return {"rows": json.loads(out.read_text())}
        except (OSError, ValueError):
            return {"error": (proc.stderr.strip().splitlines() or ["micro-benchmarks failed"])[-1]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (``--help``)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="one run, small sizes (~2 min)")
    size.add_argument("--smoke", action="store_true",
                      help="smallest configuration (a few hundred requests, for tests)")
    ap.add_argument("--runs", type=int, help="repeats per client (default: full 5, quick 1)")
    ap.add_argument("--clients", default=",".join(CLIENT_MODULES),
                    help="comma-separated client modules (default: all)")
    ap.add_argument("--loops", default=",".join(LOOPS), help="uvloop,asyncio")
    ap.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    ap.add_argument("--option", action="append", default=[], choices=KNOWN_OPTIONS,
                    help="also run every client that has this opt-in mode with it, as extra "
                         "rows <client>+<option> (repeatable)")
    ap.add_argument("--no-micro", action="store_true", help="skip the micro-benchmarks")
    ap.add_argument("--out", type=Path, default=RESULTS_DIR,
                    help="directory for results.json/.csv/.png (default: benchmarks/results)")
    ap.add_argument("--emulator-arg", action="append", default=[],
                    help="extra argument for `python -m kucoin_fast.emulator` (repeatable)")
    ap.add_argument("--emulator-cmd",
                    help="run this command instead of `python -m kucoin_fast.emulator` (it gets "
                         "the same --host/--port/--no-rate-limit arguments)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the suite; print the table; write the results."""
    args = parse_args(argv)
    profile = "smoke" if args.smoke else "quick" if args.quick else "full"
    settings = dataclasses.replace(_runner.PROFILES[profile])
    if args.runs:
        settings.runs = args.runs
    clients = [c for c in args.clients.split(",") if c]
    loops = [lp for lp in args.loops.split(",") if lp]
    pin = not args.no_pin and _runner.pinning_available()
    if not args.no_pin and not pin:
        print("note: taskset or two cores unavailable; running unpinned", file=sys.stderr)
    creds = Credentials()

    calibration = _calibrate.calibrate(pin)
    results, facts = _runner.execute(
        settings, clients, loops, pin=pin, options=args.option, creds=creds,
        emulator_args=args.emulator_arg,
        emulator_cmd=shlex.split(args.emulator_cmd) if args.emulator_cmd else None, progress=not args.no_progress)
    rows = _report.summarize(results, list(CLIENT_MODULES), loops)
    micro = None if args.no_micro else _micro(settings.micro_seconds, pin)

    meta = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "profile": profile, "settings": dataclasses.asdict(settings), "clients": clients,
        "loops": loops, "git_commit": _git_commit(), "python": sys.version.split()[0],
        "implementation": platform.python_implementation(), "platform": platform.platform(),
        "cpu": _cpu_model(), "cpus": os.cpu_count(), "versions": _versions(),
        "placement": ("emulator on core 0, client on core 1; same-core rows: both on core 1"
                      if pin else "unpinned"),
        "calibration": calibration,
        **facts,
    }
    subtitle = (f"{meta['cpu']}, {meta['cpus']} cores, Python {meta['python']}, "
                f"{profile} profile, {settings.runs} run(s), {meta['placement']}")

    print()
    print(f"kucoin_fast benchmark suite ({profile}: {settings.runs} run(s); medians"
          f"{', [min-max] over runs' if settings.runs > 1 else ''}; µs unless noted)")
    print(subtitle)
    print("bare wake-up cost, 1-byte pipe ping-pong between two processes (µs): "
          + ", ".join(f"{k[9:-3]} {v:.1f}" for k, v in calibration.items()))
    print()
    print(_report.table(rows))
    print()
    print("Goals (ratios vs the picows floor on the same loop, same run):")
    print("\n".join(_report.goal_lines(rows)))
    if micro is not None:
        from .micro import table as micro_table

        print()
        print("Micro-benchmarks (ns per call, best of 5):")
        print(micro_table(micro["rows"]) if "rows" in micro else micro["error"])

    args.out.mkdir(parents=True, exist_ok=True)
    _report.write_json(args.out / "results.json", meta, rows, results, micro)
    _report.write_csv(args.out / "results.csv", rows)
    _report.write_png(args.out / "results.png", rows, subtitle)
    print(f"\nwrote {args.out}/results.json, results.csv, results.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

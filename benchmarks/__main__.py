"""``python -m benchmarks``: the kucoin_fast latency suite.

Starts the gateways (the project's emulator and an independent plain-Python gateway,
over ws:// and, with --tls, wss://) pinned to core 0, runs every client in its own
process pinned to core 1 (and once more with both on core 1), repeats in interleaved
order, prints one comparison table per gateway with ratios against the raw picows floor
and the hand-rolled picows + orjson + Future client measured in the same run, and
writes JSON, CSV and PNG charts to ``benchmarks/results/local/`` (untracked), or with
``--publish`` to the committed ``benchmarks/results/``. See benchmarks/README.md.
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
import textwrap
from pathlib import Path
from typing import Any

from . import _calibrate, _chart, _report, _runner
from ._kucoin import Credentials
from ._runner import DEFAULT_VARIANTS
from .clients import CLIENT_MODULES
from .clients._base import KNOWN_OPTIONS, WORKLOAD_MODES
from .gateways import GATEWAYS

#: The committed results (written by ``--publish`` only) and where every other run writes.
RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOCAL_DIR = RESULTS_DIR / "local"
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
    size.add_argument("--quick", action="store_true",
                      help="one run, small sizes, emulator over ws:// only (~2 min)")
    size.add_argument("--smoke", action="store_true",
                      help="smallest configuration (a few hundred requests, for tests)")
    ap.add_argument("--runs", type=int, help="repeats per client (default: full 5, quick 1)")
    ap.add_argument("--clients", default=",".join(CLIENT_MODULES),
                    help="comma-separated client modules (default: all)")
    ap.add_argument("--loops", default=",".join(LOOPS), help="uvloop,asyncio")
    ap.add_argument("--gateway", choices=(*GATEWAYS, "both"),
                    help="server(s) to measure against (default: full both, quick/smoke emulator)")
    ap.add_argument("--tls", action=argparse.BooleanOptionalAction, default=None,
                    help="also run every client over wss:// (run-time trustme CA; default: "
                         "on for the full run)")
    ap.add_argument("--variants", default=",".join(DEFAULT_VARIANTS),
                    help="extra rows client+option (default: %(default)s; '' for none)")
    ap.add_argument("--option", action="append", default=[],
                    choices=[*KNOWN_OPTIONS, *WORKLOAD_MODES],
                    help="also run every client that has this mode with it, as extra rows "
                         "<client>+<option> (repeatable)")
    ap.add_argument("--before", type=Path, metavar="TREE",
                    help="also run every kucoin_fast row from another checkout TREE (built in "
                         "place; its own benchmarks/ adapters), as rows <row>+before: a "
                         "before/after comparison in one interleaved run")
    ap.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    ap.add_argument("--no-micro", action="store_true", help="skip the micro-benchmarks")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path,
                       help="directory for results.json/.csv/.png (default: "
                            "benchmarks/results/local, untracked)")
    where.add_argument("--publish", action="store_true",
                       help="write the committed results in benchmarks/results/ (full profile "
                            "only; the README quotes them)")
    ap.add_argument("--emulator-arg", action="append", default=[],
                    help="extra argument for `python -m kucoin_fast.emulator` (repeatable)")
    ap.add_argument("--emulator-cmd",
                    help="run this command instead of `python -m kucoin_fast.emulator` (it gets "
                         "the same --host/--port/--no-rate-limit/--certfile arguments)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    ap.add_argument("--report", type=Path, metavar="RESULTS_JSON",
                    help="run nothing: print the report of a results.json again and redraw "
                         "its charts beside it (or in --out)")
    return ap.parse_args(argv)


def _servers(args: argparse.Namespace, profile: str) -> list[_runner.Server]:
    gateway = args.gateway or ("both" if profile == "full" else "emulator")
    kinds = list(GATEWAYS) if gateway == "both" else [gateway]
    tls = args.tls if args.tls is not None else profile == "full"
    return [_runner.Server(k, t) for t in ([False, True] if tls else [False]) for k in kinds]


def _print_report(profile: str, runs: int, meta: dict[str, Any],
                  rows: list[dict[str, Any]], micro: dict[str, Any] | None) -> None:
    calibration = meta["calibration"]
    def wrap(text: str) -> None:
        print(textwrap.fill(text, _report.WIDTH, subsequent_indent="  "))

    print()
    wrap(f"kucoin_fast benchmark suite ({profile}: {runs} run(s); medians"
         f"{', [min-max] over runs' if runs > 1 else ''}; µs unless noted)")
    wrap(meta["subtitle"])
    wrap("bare wake-up cost, 1-byte pipe ping-pong between two processes (µs): "
         + ", ".join(f"{k[9:-3]} {v:.1f}" for k, v in calibration.items()))
    wrap("ratios: per run against picows_floor ('vs floor') and picows_orjson "
         "('vs hand-rolled') on the same loop and gateway, then median [min-max]")
    print()
    print(_report.tables(rows, meta["profiles"]))
    print()
    print("kucoin_fast's default awaitable API, as a user compares it:")
    print("\n".join(_report.headline_lines(rows)))
    print()
    wrap("Targets (ratios vs the floor and the hand-rolled client in the same mode, loop "
         "and run; reported, never asserted), per [gateway profile, loop]:")
    if profile != "full":
        wrap(f"  A {profile} run is short and single on a shared machine: its verdicts are "
             "indicative only. The reference is the committed full run: python -m "
             "benchmarks --report benchmarks/results/results.json")
    print("\n".join(_report.goal_lines(rows, profile)))
    if micro is not None:
        from .micro import table as micro_table

        print()
        print("Micro-benchmarks (ns per call, best of 7 interleaved loops):")
        print(micro_table(micro["rows"]) if "rows" in micro else micro["error"])


def main(argv: list[str] | None = None) -> int:
    """Run the suite; print the tables; write the results."""
    args = parse_args(argv)
    if args.report:
        return _reprint(args.report, args.out or args.report.parent)
    profile = "smoke" if args.smoke else "quick" if args.quick else "full"
    if args.publish and profile != "full":
        raise SystemExit(f"--publish writes the committed results, which the README quotes: "
                         f"it takes the full profile, not --{profile}")
    out = args.out or (RESULTS_DIR if args.publish else LOCAL_DIR)
    settings = dataclasses.replace(_runner.PROFILES[profile])
    if args.runs:
        settings.runs = args.runs
    clients = [c for c in args.clients.split(",") if c]
    unknown = [c for c in clients if c not in CLIENT_MODULES]
    if unknown:
        raise SystemExit(f"unknown client(s): {', '.join(unknown)}")
    loops = [lp for lp in args.loops.split(",") if lp]
    servers = _servers(args, profile)
    variants = _runner.option_variants(clients, args.option,
                                       [v for v in args.variants.split(",") if v])
    if args.before:
        variants += [(c, (*opts, _runner.BEFORE)) for c, opts in variants
                     if c.startswith("kucoin_fast")]
    pin = not args.no_pin and _runner.pinning_available()
    if not args.no_pin and not pin:
        print("note: taskset or two cores unavailable; running unpinned", file=sys.stderr)

    calibration = _calibrate.calibrate(pin)
    jobs = _runner.plan(settings, variants, loops, servers)
    results, facts = _runner.execute(
        settings, jobs, pin=pin, creds=Credentials(), progress=not args.no_progress,
        gateway_options=_runner.GatewayOptions(
            args.emulator_arg, shlex.split(args.emulator_cmd) if args.emulator_cmd else None),
        before_tree=args.before)
    profiles = [srv.profile for srv in servers]
    rows = _report.summarize(results, list(CLIENT_MODULES), loops, profiles)
    micro = None if args.no_micro else _micro(settings.micro_seconds, pin)
    meta = _meta(profile, settings, clients, variants, loops, profiles, pin, calibration, facts)
    _print_report(profile, settings.runs, meta, rows, micro)

    _prepare(out)
    _report.write_json(out / "results.json", meta, rows, results, micro)
    _report.write_csv(out / "results.csv", rows)
    charts = _chart.write_png(out, rows, profiles, meta["subtitle"])
    print(f"\nwrote {out}/results.json, results.csv, " + ", ".join(p.name for p in charts))
    if out != RESULTS_DIR:
        print("(the committed results in benchmarks/results/ are unchanged; a full run with "
              "--publish replaces them)")
    return 0


def _prepare(out: Path) -> None:
    """Create ``out``; the local results folder ignores itself in git."""
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() == LOCAL_DIR.resolve():
        ignore = out / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Local benchmark runs: never committed (see --publish).\n*\n")


def _reprint(path: Path, charts_to: Path) -> int:
    """The tables, headline and targets of a committed ``results.json`` (summaries and
    targets are recomputed from its raw worker results), and its charts, redrawn."""
    doc = json.loads(path.read_text())
    meta = doc["meta"]
    rows = _report.summarize(doc["raw"], list(CLIENT_MODULES), meta["loops"],
                             meta.get("profiles", [_report.DEFAULT_PROFILE]))
    _print_report(meta["profile"], meta["settings"]["runs"], meta, rows, doc.get("micro"))
    charts_to.mkdir(parents=True, exist_ok=True)
    written = _chart.write_png(charts_to, rows, meta.get("profiles", [_report.DEFAULT_PROFILE]),
                               meta["subtitle"])
    print("\nredrew " + "\n       ".join(str(p) for p in written))
    return 0


def _meta(profile: str, settings: _runner.Settings, clients: list[str],
          variants: list[tuple[str, tuple[str, ...]]], loops: list[str], profiles: list[str],
          pin: bool, calibration: dict[str, float], facts: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "profile": profile, "settings": dataclasses.asdict(settings), "clients": clients,
        "rows": ["+".join((c, *o)) for c, o in variants], "loops": loops, "profiles": profiles,
        "git_commit": _git_commit(), "python": sys.version.split()[0],
        "implementation": platform.python_implementation(), "platform": platform.platform(),
        "cpu": _cpu_model(), "cpus": os.cpu_count(), "versions": _versions(),
        "placement": ("gateway on core 0, client on core 1; same-core rows: both on core 1"
                      + (f", {settings.same_core_passes} passes per run"
                         if settings.same_core_passes > 1 else "")
                      if pin else "unpinned"),
        "calibration": calibration,
        **facts,
    }
    meta["subtitle"] = (f"{meta['cpu']}, {meta['cpus']} cores, Python {meta['python']}, "
                        f"{profile} profile, {settings.runs} run(s), {meta['placement']}")
    return meta


if __name__ == "__main__":
    sys.exit(main())

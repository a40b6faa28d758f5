"""Aggregation across runs, the comparison tables, and the JSON / CSV outputs (the chart
is in ``_chart``).

Rows are (client variant, loop, profile); a profile is a gateway over ``ws://`` or
``wss://`` (``emulator``, ``plain``, ``emulator+tls``, ``plain+tls``). Every ratio is
taken within one run, on the same loop and profile, and then summarised over the runs.
"""
from __future__ import annotations

import csv
import json
import statistics
import textwrap
from collections import defaultdict
from pathlib import Path
from typing import Any, NamedTuple

from .clients import FLOOR, HAND_ROLLED


class Metric(NamedTuple):
    """One reported number: where it comes from in a worker result and how to show it."""

    key: str
    placement: str
    path: tuple[str, str]
    label: str
    scale: float = 1.0


METRICS: tuple[Metric, ...] = (
    Metric("connect_ms", "cross-core", ("connect", "p50"), "connect+auth ms", 1e-3),
    Metric("seq_p50_us", "cross-core", ("seq", "p50"), "seq p50 µs"),
    Metric("seq_p90_us", "cross-core", ("seq", "p90"), "p90"),
    Metric("seq_p99_us", "cross-core", ("seq", "p99"), "p99"),
    Metric("seq_p99.9_us", "cross-core", ("seq", "p99.9"), "p99.9"),
    Metric("seq_max_us", "cross-core", ("seq", "max"), "max"),
    Metric("same_p50_us", "same-core", ("seq", "p50"), "1-core p50 µs"),
    Metric("same_p99_us", "same-core", ("seq", "p99"), "1-core p99"),
    Metric("pipe_rps", "cross-core", ("pipe", "rps"), "pipelined req/s"),
    Metric("pipe_cpu_us", "cross-core", ("pipe", "cpu_us_per_req"), "CPU µs/req"),
    Metric("pipe_p50_us", "cross-core", ("pipe_lat", "p50"), "pipelined p50 µs"),
    Metric("pipe_p99_us", "cross-core", ("pipe_lat", "p99"), "pipelined p99 µs"),
    Metric("batch_p50_us", "cross-core", ("batch", "p50"), "batch×10 p50 µs"),
    Metric("batch_cpu_us", "cross-core", ("batch", "cpu_us_per_req"), "batch CPU µs"),
)


class Ratio(NamedTuple):
    """A ratio against a reference client, per run: row metric / reference metric."""

    key: str
    metric: str
    reference: str
    label: str


RATIOS: tuple[Ratio, ...] = (
    Ratio("cpu_vs_floor", "pipe_cpu_us", FLOOR, "CPU/req vs floor"),
    Ratio("cpu_vs_hand", "pipe_cpu_us", HAND_ROLLED, "CPU/req vs hand-rolled"),
    Ratio("same_p50_vs_floor", "same_p50_us", FLOOR, "1-core p50 vs floor"),
    Ratio("same_p50_vs_hand", "same_p50_us", HAND_ROLLED, "1-core p50 vs hand-rolled"),
    Ratio("seq_p50_vs_floor", "seq_p50_us", FLOOR, "seq p50 vs floor"),
    Ratio("seq_p50_vs_hand", "seq_p50_us", HAND_ROLLED, "seq p50 vs hand-rolled"),
)
class Goal(NamedTuple):
    """A target: ``client``'s ratio ``ratio`` at most ``limit``, on each of ``profiles``."""

    client: str
    ratio: str
    limit: float
    profiles: tuple[str, ...] = ("emulator", "plain")


#: The speed targets of the default options, the same targets for the spot row (against
#: the floor's and the hand-rolled client's spot rows), and the CPU goal over ``wss://``.
GOALS: tuple[Goal, ...] = (
    Goal("kucoin_fast_await", "cpu_vs_floor", 1.0),
    Goal("kucoin_fast_await", "cpu_vs_hand", 0.55),
    Goal("kucoin_fast_await", "same_p50_vs_floor", 1.1),
    Goal("kucoin_fast_lowlevel", "cpu_vs_floor", 0.6),
    Goal("kucoin_fast_await", "cpu_vs_hand", 0.5, ("emulator+tls", "plain+tls")),
    Goal("kucoin_fast_await+spot", "cpu_vs_floor", 1.0, ("emulator",)),
    Goal("kucoin_fast_await+spot", "cpu_vs_hand", 0.55, ("emulator",)),
    Goal("kucoin_fast_await+spot", "same_p50_vs_floor", 1.1, ("emulator",)),
)
DEFAULT_PROFILE = "emulator"  # results older than the profiles
HEADLINE = "kucoin_fast_await"

Key = tuple[str, str, str]  # (variant, loop, profile)
Sample = int | tuple[int, int]  # a run, or a (run, same-core pass) pair


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def _metric_value(result: dict[str, Any], m: Metric) -> float | None:
    section = result.get(m.path[0])
    if not isinstance(section, dict) or m.path[1] not in section:
        return None
    return float(section[m.path[1]]) * m.scale


class _Collected:
    """Worker results sorted by row: metric values per run, status, notes, errors."""

    def __init__(self, results: list[dict[str, Any]]) -> None:
        # row -> sample -> metric: a sample is a run (cross-core metrics) or a (run, pass)
        # pair (same-core metrics).
        self.per_run: dict[Key, dict[Sample, dict[str, float]]] = defaultdict(
            lambda: defaultdict(dict))
        self.status: dict[Key, list[str]] = defaultdict(list)
        self.notes: dict[Key, list[str]] = defaultdict(list)
        self.errors: dict[Key, int] = defaultdict(int)
        for r in results:
            self._add(r)

    def _add(self, r: dict[str, Any]) -> None:
        key = (r["variant"], r["loop"], r.get("profile", DEFAULT_PROFILE))
        if not r.get("available", True):
            self.status[key].append("skipped: " + r.get("note", "unavailable"))
            return
        if r.get("note"):
            self.notes[key].append(r["note"])
        if "failed" in r:
            self.status[key].append(f"failed ({r['placement']}): {r['failed']}")
        # A same-core pass is a sample of its own: its ratios are taken against the
        # reference's same pass.
        sample = (r["run"], r.get("sample", 0)) if r["placement"] == "same-core" else r["run"]
        for m in METRICS:
            if m.placement == r["placement"] and (v := _metric_value(r, m)) is not None:
                self.per_run[key][sample][m.key] = v
        for phase in ("seq", "pipe", "pipe_lat", "batch"):
            if isinstance(r.get(phase), dict):
                self.errors[key] += int(r[phase].get("errors", 0))
        self.errors[key] += int(r.get("warmup_errors", 0))

    def reference(self, base: str, variant: str, loop: str, profile: str) -> str:
        """The reference row for ``variant``: ``base`` in the same mode when it ran in it
        (``picows_floor+coalesce_writes`` for a ``+coalesce_writes`` row), else ``base``."""
        same_mode = base + variant[len(variant.split("+")[0]):]
        return same_mode if (same_mode, loop, profile) in self.per_run else base

    def ratio(self, ratio: Ratio, key: Key) -> dict[str, float] | None:
        variant, loop, profile = key
        ref = self.per_run.get((self.reference(ratio.reference, variant, loop, profile),
                                loop, profile), {})
        mk = ratio.metric
        return _spread([rv[mk] / ref[run][mk] for run, rv in self.per_run.get(key, {}).items()
                        if mk in rv and ref.get(run, {}).get(mk, 0) > 0])

    def row(self, key: Key) -> dict[str, Any]:
        variant, loop, profile = key
        runs = self.per_run.get(key, {})
        row: dict[str, Any] = {
            "client": variant, "loop": loop, "profile": profile,
            "runs": len({s if isinstance(s, int) else s[0] for s in runs}),
            "floor": self.reference(FLOOR, variant, loop, profile),
            "hand_rolled": self.reference(HAND_ROLLED, variant, loop, profile),
            "errors": self.errors[key],
            "status": "; ".join(dict.fromkeys(self.status[key])) or "ok",
            "note": "; ".join(dict.fromkeys(self.notes[key]))}
        for m in METRICS:
            row[m.key] = _spread([rv[m.key] for rv in runs.values() if m.key in rv])
        for ratio in RATIOS:
            row[ratio.key] = self.ratio(ratio, key)
        return row


def summarize(results: list[dict[str, Any]], order: list[str], loops: list[str],
              profiles: list[str]) -> list[dict[str, Any]]:
    """One row per (client variant, loop, profile): median/min/max of each metric and
    ratio over the runs; profiles in ``profiles`` order, then clients in ``order``."""
    data = _Collected(results)

    def rank(variant: str) -> tuple[bool, int, str]:
        base = variant.split("+")[0]
        return ("+" in variant, order.index(base) if base in order else len(order), variant)

    keys = set(data.per_run) | set(data.status)
    variants = sorted({k[0] for k in keys}, key=rank)
    return [data.row((v, lp, pf)) for pf in profiles for v in variants for lp in loops
            if (v, lp, pf) in keys]


def _ratio_text(spread: dict[str, float] | None) -> str:
    if spread is None:
        return "n/a"
    if spread["n"] == 1:
        return f"{spread['median']:.2f}"
    return f"{spread['median']:.2f} [{spread['min']:.2f}-{spread['max']:.2f}]"


def goal_lines(rows: list[dict[str, Any]], run_profile: str = "full") -> list[str]:
    """One line per goal, loop and gateway profile that ran: median [min-max] ratio vs the
    limit, and whether it is met; a run other than the full profile says its verdicts are
    indicative only."""
    lines = []
    caveat = "" if run_profile == "full" else f" ({run_profile} profile: indicative only)"
    for goal in GOALS:
        label = next(r.label for r in RATIOS if r.key == goal.ratio)
        mine = [r for r in rows if r["client"] == goal.client and r["profile"] in goal.profiles]
        for row in mine:
            spread = row.get(goal.ratio)
            verdict = ("" if spread is None else
                       " met" if spread["median"] <= goal.limit else " not met")
            detail = _ratio_text(spread) if spread else f"n/a ({row['status']})"
            lines.append(f"  [{row['profile']}, {row['loop']}] {short_name(goal.client)} "
                         f"{label} <= {goal.limit}: {detail}{verdict}{caveat}")
        if not mine:
            lines.append(f"  [{', '.join(goal.profiles)}] {short_name(goal.client)} {label} "
                         f"<= {goal.limit}: not run (no such profile or row in this run)")
    return lines


def headline_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The user's comparison per profile and loop: the default awaitable API against the
    floor and the hand-rolled client, and its pipelined latency with each write mode."""
    lines = []
    for row in rows:
        if row["client"] != HEADLINE:
            continue
        lines.append(f"  {row['profile']:<13} {row['loop']:<7} CPU/req "
                     f"{_ratio_text(row['cpu_vs_floor'])} x floor, "
                     f"{_ratio_text(row['cpu_vs_hand'])} x hand-rolled")
        if row["same_p50_vs_floor"] is not None:
            lines.append(f"  {'':<21} 1-core p50 {_ratio_text(row['same_p50_vs_floor'])} x "
                         f"floor, {_ratio_text(row['same_p50_vs_hand'])} x hand-rolled")
        for other in rows:
            if (other["client"].startswith(HEADLINE) and other["loop"] == row["loop"]
                    and other["profile"] == row["profile"] and other.get("pipe_p50_us")):
                lines.append(f"      {short_name(other['client']):<26} pipelined p50/p99 "
                             f"{_fmt(other['pipe_p50_us'], 0, False)}/"
                             f"{_fmt(other['pipe_p99_us'], 0, False)} µs, CPU/req "
                             f"{_fmt(other['pipe_cpu_us'], 2, False)} µs")
    return lines


def _fmt(spread: dict[str, float] | None, digits: int, with_range: bool) -> str:
    if spread is None:
        return "-"
    med = f"{spread['median']:,.{digits}f}"
    if with_range and spread["n"] > 1:
        return f"{med} [{spread['min']:,.{digits}f}-{spread['max']:,.{digits}f}]"
    return med


#: Widest line of a printed table.
WIDTH = 100
#: Prefix shortened in the tables' client column (the CSV and JSON keep full names).
SHORT = ("kucoin_fast_", "kf_")


class Column(NamedTuple):
    """A table column: a row key, its header, decimals, whether min-max is shown, and the
    title of its group (the heading of the block it is printed in)."""

    key: str
    header: str
    digits: int
    ranged: bool
    group: str


_RTT = "sequential round trips, µs (1-core: client and gateway on one core)"
_CPU = "client CPU per request, 100 in flight; ratios per run"
_PIPE = "1-core p50 ratios per run; pipelined latency (100 in flight); connect"
TABLE_COLUMNS: tuple[Column, ...] = (
    Column("seq_p50_us", "seq p50", 1, True, _RTT),
    Column("seq_p99_us", "seq p99", 0, False, _RTT),
    Column("same_p50_us", "1-core p50", 1, True, _RTT),
    Column("batch_p50_us", "batch×10 p50", 1, False, _RTT),
    Column("pipe_cpu_us", "CPU µs/req", 2, True, _CPU),
    Column("cpu_vs_floor", "vs floor", 2, True, _CPU),
    Column("cpu_vs_hand", "vs hand-rolled", 2, True, _CPU),
    Column("pipe_rps", "req/s", 0, False, _CPU),
    Column("same_p50_vs_floor", "1-core vs floor", 2, True, _PIPE),
    Column("same_p50_vs_hand", "vs hand-rolled", 2, True, _PIPE),
    Column("pipe_p50_us", "pipe p50", 0, False, _PIPE),
    Column("pipe_p99_us", "p99 µs", 0, False, _PIPE),
    Column("connect_ms", "connect ms", 2, False, _PIPE),
)


def short_name(client: str) -> str:
    """A client row's name as the tables print it."""
    return SHORT[1] + client[len(SHORT[0]):] if client.startswith(SHORT[0]) else client


def _blocks(columns: list[tuple[Column, list[str]]], label: int) -> list[list[tuple[Column, list[str]]]]:
    """Columns (each with its cells) packed in order into blocks no wider than WIDTH
    beside the ``label`` columns; a new group starts a new block."""
    blocks: list[list[tuple[Column, list[str]]]] = []
    width = WIDTH
    for col, cells in columns:
        w = 2 + max(len(col.header), *(len(c) for c in cells))
        if not blocks or width + w > WIDTH or col.group != blocks[-1][-1][0].group:
            blocks.append([])
            width = label
        blocks[-1].append((col, cells))
        width += w
    return blocks


def table(rows: list[dict[str, Any]]) -> str:
    """The comparison table of one profile as aligned plain text (medians, [min-max]),
    in blocks of columns no wider than WIDTH; then the rows' notes and statuses."""
    names = [[short_name(r["client"]), r["loop"]] for r in rows]
    label = [max(len(h), *(len(n[i]) for n in names)) for i, h in enumerate(("client", "loop"))]
    columns = [(col, [_fmt(r.get(col.key), col.digits, col.ranged) for r in rows])
               for col in TABLE_COLUMNS]
    parts = []
    for block in _blocks(columns, sum(label) + 2):
        widths = [*label, *(max(len(c.header), *(len(x) for x in cells)) for c, cells in block)]
        lines = [" " + " / ".join(dict.fromkeys(c.group for c, _ in block))]
        for i in range(-2, len(rows)):
            cells = (["client", "loop", *(c.header for c, _ in block)] if i == -2 else
                     ["-" * w for w in widths] if i == -1 else
                     [*names[i], *(cells[i] for _, cells in block)])
            lines.append("  ".join(c.ljust(w) if k < 2 else c.rjust(w)
                                   for k, (c, w) in enumerate(zip(cells, widths))).rstrip())
        parts.append("\n".join(lines))
    return "\n\n".join([*parts, _notes(rows)])


def _notes(rows: list[dict[str, Any]]) -> str:
    """Errors (replies other than code 200000; must be 0) and each row's status or note."""
    notes = []
    for r in rows:
        text = [f"{r['errors']} errors"] if r["errors"] else []
        text += [t for t in (r["note"] if r["status"] == "ok" else r["status"],) if t]
        if text:
            notes.append(textwrap.fill(f"{short_name(r['client'])} [{r['loop']}]: "
                                       + "; ".join(text), WIDTH, initial_indent="  ",
                                       subsequent_indent="    "))
    errors = "" if any(r["errors"] for r in rows) else " 0 errors in every row"
    return "\n".join([f"notes ({SHORT[1]} = {SHORT[0]}):{errors}", *notes])


def tables(rows: list[dict[str, Any]], profiles: list[str]) -> str:
    """One table per profile, each under a heading line."""
    parts = []
    for profile in profiles:
        mine = [r for r in rows if r["profile"] == profile]
        if mine:
            parts.append(f"[{profile}] gateway {profile.split('+')[0]} over "
                         f"{'wss://' if profile.endswith('+tls') else 'ws://'}\n" + table(mine))
    return "\n\n".join(parts)


def write_json(path: Path, meta: dict[str, Any], rows: list[dict[str, Any]],
               results: list[dict[str, Any]], micro: dict[str, Any] | None) -> None:
    """Everything: run facts, the summary rows, every worker's raw result, micro-benchmarks."""
    doc = {"meta": meta, "summary": rows, "micro": micro, "raw": results}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """One line per row: median, min and max of every metric and ratio."""
    keys = [m.key for m in METRICS] + [r.key for r in RATIOS]
    header = ["client", "loop", "profile", "runs", "errors", "status"]
    for k in keys:
        header += [f"{k}_median", f"{k}_min", f"{k}_max"]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            line = [row["client"], row["loop"], row["profile"], row["runs"], row["errors"],
                    row["status"]]
            for k in keys:
                s = row.get(k)
                line += ["", "", ""] if s is None else [f"{s['median']:.4g}", f"{s['min']:.4g}",
                                                        f"{s['max']:.4g}"]
            w.writerow(line)

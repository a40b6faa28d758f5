"""Aggregation across runs, the comparison table, and the JSON / CSV / PNG outputs."""
from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any, NamedTuple

from .clients import FLOOR


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
    Metric("batch_p50_us", "cross-core", ("batch", "p50"), "batch×10 p50 µs"),
    Metric("batch_cpu_us", "cross-core", ("batch", "cpu_us_per_req"), "batch CPU µs"),
)
#: Ratios against the floor on the same loop, computed per run and then summarised.
RATIOS: tuple[tuple[str, str, str], ...] = (
    ("cpu_vs_floor", "pipe_cpu_us", "CPU/req vs floor"),
    ("same_p50_vs_floor", "same_p50_us", "1-core p50 vs floor"),
    ("seq_p50_vs_floor", "seq_p50_us", "seq p50 vs floor"),
)
#: The issue's goals: (client, ratio key, threshold).
GOALS: tuple[tuple[str, str, float], ...] = (
    ("kucoin_fast_await", "cpu_vs_floor", 1.3),
    ("kucoin_fast_await", "same_p50_vs_floor", 1.15),
    ("kucoin_fast_lowlevel", "cpu_vs_floor", 1.1),
    ("kucoin_fast_lowlevel", "same_p50_vs_floor", 1.1),
)


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


def summarize(results: list[dict[str, Any]], order: list[str], loops: list[str]) -> list[dict[str, Any]]:
    """One row per (client variant, loop): median/min/max of each metric over the runs."""
    per_run: dict[tuple[str, str], dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    status: dict[tuple[str, str], list[str]] = defaultdict(list)
    notes: dict[tuple[str, str], list[str]] = defaultdict(list)
    errors: dict[tuple[str, str], int] = defaultdict(int)
    for r in results:
        key = (r["variant"], r["loop"])
        if not r.get("available", True):
            status[key].append("skipped: " + r.get("note", "unavailable"))
            continue
        if r.get("note"):
            notes[key].append(r["note"])
        if "failed" in r:
            status[key].append(f"failed ({r['placement']}): {r['failed']}")
        for m in METRICS:
            if m.placement == r["placement"] and (v := _metric_value(r, m)) is not None:
                per_run[key][r["run"]][m.key] = v
        for phase in ("seq", "pipe", "batch"):
            if isinstance(r.get(phase), dict):
                errors[key] += int(r[phase].get("errors", 0))
        errors[key] += int(r.get("warmup_errors", 0))

    rows: list[dict[str, Any]] = []
    def rank(variant: str) -> tuple[int, int, str]:
        base = variant.split("+")[0]
        return ("+" in variant, order.index(base) if base in order else len(order), variant)

    variants = sorted({k[0] for k in set(per_run) | set(status)}, key=rank)
    for variant in variants:
        for loop in loops:
            key = (variant, loop)
            if key not in per_run and key not in status:
                continue
            runs = per_run.get(key, {})
            # An opt-in variant is compared with the floor in the same mode when it has one.
            floor = FLOOR + variant[len(variant.split("+")[0]):]
            if (floor, loop) not in per_run:
                floor = FLOOR
            floor_runs = per_run.get((floor, loop), {})
            row: dict[str, Any] = {"client": variant, "loop": loop, "runs": len(runs),
                                   "floor": floor,
                                   "errors": errors[key],
                                   "status": "; ".join(dict.fromkeys(status[key])) or "ok",
                                   "note": "; ".join(dict.fromkeys(notes[key]))}
            for m in METRICS:
                row[m.key] = _spread([rv[m.key] for rv in runs.values() if m.key in rv])
            for rkey, mkey, _ in RATIOS:
                ratios = [rv[mkey] / floor_runs[run][mkey] for run, rv in runs.items()
                          if mkey in rv and mkey in floor_runs.get(run, {})
                          and floor_runs[run][mkey] > 0]
                row[rkey] = _spread(ratios)
            rows.append(row)
    return rows


def goal_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per issue goal: measured median ratio vs threshold, or why it is missing."""
    lines = []
    for client, rkey, limit in GOALS:
        label = next(lbl for k, _, lbl in RATIOS if k == rkey)
        for row in rows:
            if row["client"] != client:
                continue
            spread = row.get(rkey)
            if spread is None:
                lines.append(f"  {client} [{row['loop']}] {label} <= {limit}: n/a ({row['status']})")
            else:
                verdict = "met" if spread["median"] <= limit else "NOT met"
                lines.append(f"  {client} [{row['loop']}] {label} <= {limit}: "
                             f"{spread['median']:.2f} ({spread['min']:.2f}-{spread['max']:.2f}) {verdict}")
        if not any(row["client"] == client for row in rows):
            lines.append(f"  {client}: {label} <= {limit}: not run")
    return lines


def _fmt(spread: dict[str, float] | None, digits: int, with_range: bool) -> str:
    if spread is None:
        return "-"
    med = f"{spread['median']:,.{digits}f}"
    if with_range and spread["n"] > 1:
        return f"{med} [{spread['min']:,.{digits}f}-{spread['max']:,.{digits}f}]"
    return med


TABLE_COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    # (row key, header, decimals, show min-max)
    ("seq_p50_us", "seq p50 µs", 1, True),
    ("seq_p90_us", "p90", 1, False),
    ("seq_p99_us", "p99", 1, False),
    ("seq_p99.9_us", "p99.9", 0, False),
    ("seq_max_us", "max", 0, False),
    ("same_p50_us", "1-core p50 µs", 1, True),
    ("same_p50_vs_floor", "vs floor", 2, False),
    ("pipe_rps", "pipelined req/s", 0, True),
    ("pipe_cpu_us", "CPU µs/req", 2, True),
    ("cpu_vs_floor", "vs floor", 2, False),
    ("batch_p50_us", "batch×10 p50 µs", 1, False),
    ("connect_ms", "connect ms", 2, False),
)


def table(rows: list[dict[str, Any]]) -> str:
    """The comparison table as aligned plain text (medians, [min-max] over runs)."""
    header = ["client", "loop", *(h for _, h, _, _ in TABLE_COLUMNS), "errors", "note"]
    body = []
    for row in rows:
        cells = [row["client"], row["loop"]]
        cells += [_fmt(row.get(k), d, rng) for k, _, d, rng in TABLE_COLUMNS]
        cells += [str(row["errors"]), (row["note"] if row["status"] == "ok" else row["status"])[:70]]
        body.append(cells)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def fmt_row(cells: list[str]) -> str:
        # Names and the note left-aligned, numbers right-aligned.
        return "  ".join(c.ljust(w) if i < 2 or i == len(cells) - 1 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    lines = [fmt_row(header), "  ".join("-" * w for w in widths)]
    lines += [fmt_row(c) for c in body]
    return "\n".join(lines)


def write_json(path: Path, meta: dict[str, Any], rows: list[dict[str, Any]],
               results: list[dict[str, Any]], micro: dict[str, Any] | None) -> None:
    """Everything: run facts, the summary rows, every worker's raw result, micro-benchmarks."""
    doc = {"meta": meta, "summary": rows, "micro": micro, "raw": results}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """One line per client row: median, min and max of every metric and ratio."""
    keys = [m.key for m in METRICS] + [k for k, _, _ in RATIOS]
    header = ["client", "loop", "runs", "errors", "status"]
    for k in keys:
        header += [f"{k}_median", f"{k}_min", f"{k}_max"]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            line = [row["client"], row["loop"], row["runs"], row["errors"], row["status"]]
            for k in keys:
                s = row.get(k)
                line += ["", "", ""] if s is None else [f"{s['median']:.4g}", f"{s['min']:.4g}",
                                                        f"{s['max']:.4g}"]
            w.writerow(line)


def write_png(path: Path, rows: list[dict[str, Any]], subtitle: str) -> None:
    """Three panels: sequential latency percentiles, same-core p50, CPU per request."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r.get("seq_p50_us") or r.get("pipe_cpu_us")]
    if not rows:
        return
    labels = [f"{r['client']} [{r['loop']}]" for r in rows][::-1]
    rows = rows[::-1]
    ys = range(len(rows))
    fig, axes = plt.subplots(1, 3, figsize=(17, 0.45 * len(rows) + 2.2), sharey=True,
                             gridspec_kw={"width_ratios": [2.2, 1, 1]})

    def med(row: dict[str, Any], key: str) -> float:
        s = row.get(key)
        return s["median"] if s else 0.0

    def err(row: dict[str, Any], key: str) -> tuple[float, float]:
        s = row.get(key)
        return (s["median"] - s["min"], s["max"] - s["median"]) if s else (0.0, 0.0)

    ax = axes[0]
    pcts = [("seq_p50_us", "p50"), ("seq_p90_us", "p90"), ("seq_p99_us", "p99"),
            ("seq_p99.9_us", "p99.9")]
    h = 0.8 / len(pcts)
    for k, (key, name) in enumerate(pcts):
        ax.barh([y + 0.4 - h * (k + 0.5) for y in ys], [med(r, key) for r in rows], height=h,
                label=name)
    ax.set_xscale("log")
    ax.set_xlabel("round-trip latency, µs (log); emulator on core 0, client on core 1")
    ax.set_title("sequential futures.order round trip")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_yticks(list(ys), labels, fontsize=8)

    for ax, key, title, xlabel in (
        (axes[1], "same_p50_us", "same core p50", "µs (client + emulator on one core)"),
        (axes[2], "pipe_cpu_us", "client CPU per request", "µs CPU/req (100 in flight)"),
    ):
        vals = [med(r, key) for r in rows]
        errs = list(zip(*[err(r, key) for r in rows])) or None
        ax.barh(list(ys), vals, xerr=errs, color="tab:gray" if key == "same_p50_us" else "tab:green",
                capsize=2)
        for y, v in zip(ys, vals):
            if v:
                ax.text(v, y, f" {v:.1f}", va="center", fontsize=7)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
    fig.suptitle(f"kucoin_fast benchmark suite: medians over runs (bars: min-max)\n{subtitle}",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

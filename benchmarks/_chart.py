"""The PNG charts: one figure per profile (``results.png`` for the first, then
``results-<profile>.png``), rows as in the table, medians with min-max whiskers."""
from __future__ import annotations

from pathlib import Path
from typing import Any

_PERCENTILES = (("seq_p50_us", "p50"), ("seq_p90_us", "p90"), ("seq_p99_us", "p99"),
                ("seq_p99.9_us", "p99.9"))


def chart_paths(out: Path, profiles: list[str]) -> dict[str, Path]:
    """Where each profile's chart goes."""
    return {p: out / ("results.png" if k == 0 else f"results-{p.replace('+', '-')}.png")
            for k, p in enumerate(profiles)}


def _med(row: dict[str, Any], key: str) -> float:
    s = row.get(key)
    return float(s["median"]) if s else 0.0


def _err(rows: list[dict[str, Any]], key: str) -> list[list[float]]:
    lows, highs = [], []
    for row in rows:
        s = row.get(key)
        lows.append(s["median"] - s["min"] if s else 0.0)
        highs.append(s["max"] - s["median"] if s else 0.0)
    return [lows, highs]


def _percentiles(ax: Any, rows: list[dict[str, Any]], labels: list[str]) -> None:
    ys = range(len(rows))
    h = 0.8 / len(_PERCENTILES)
    for k, (key, name) in enumerate(_PERCENTILES):
        ax.barh([y + 0.4 - h * (k + 0.5) for y in ys], [_med(r, key) for r in rows], height=h,
                label=name)
    ax.set_xscale("log")
    ax.set_xlabel("round-trip latency, µs (log); gateway on core 0, client on core 1")
    ax.set_title("sequential futures.order round trip")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_yticks(list(ys), labels, fontsize=8)


def _bars(ax: Any, rows: list[dict[str, Any]], key: str, title: str, xlabel: str,
          color: str) -> None:
    ys = list(range(len(rows)))
    vals = [_med(r, key) for r in rows]
    ax.set_title(title)
    if not any(vals):
        ax.text(0.5, 0.5, "not measured in this profile", transform=ax.transAxes,
                ha="center", va="center", fontsize=8)
        ax.set_xticks([])
        return
    ax.barh(ys, vals, xerr=_err(rows, key), color=color, capsize=2)
    for y, v in zip(ys, vals):
        if v:
            ax.text(v, y, f" {v:.1f}", va="center", fontsize=7)
    ax.set_xlabel(xlabel)


def _pairs(ax: Any, rows: list[dict[str, Any]], keys: tuple[tuple[str, str], ...], title: str,
           xlabel: str, reference_line: bool) -> None:
    ys = range(len(rows))
    h = 0.8 / len(keys)
    for k, (key, name) in enumerate(keys):
        pos = [y + 0.4 - h * (k + 0.5) for y in ys]
        vals = [_med(r, key) for r in rows]
        ax.barh(pos, vals, height=h, xerr=_err(rows, key), capsize=2, label=name)
        for y, v in zip(pos, vals):
            if v:
                ax.text(v, y, f" {v:.2f}" if reference_line else f" {v:.0f}", va="center",
                        fontsize=6)
    if reference_line:
        ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", fontsize=7)


def _figure(path: Path, rows: list[dict[str, Any]], title: str) -> None:
    import matplotlib.pyplot as plt

    rows = rows[::-1]
    labels = [f"{r['client']} [{r['loop']}]" for r in rows]
    fig, axes = plt.subplots(1, 5, figsize=(24, 0.45 * len(rows) + 2.4), sharey=True,
                             gridspec_kw={"width_ratios": [2.0, 1, 1, 1.2, 1.2]})
    _percentiles(axes[0], rows, labels)
    _bars(axes[1], rows, "same_p50_us", "same core p50 (ws:// only)",
          "µs (client + gateway on one core)", "tab:gray")
    _bars(axes[2], rows, "pipe_cpu_us", "client CPU per request", "µs CPU/req (100 in flight)",
          "tab:green")
    _pairs(axes[3], rows, (("cpu_vs_floor", "vs floor"), ("cpu_vs_hand", "vs hand-rolled")),
           "CPU/req ratio (same run)", "× reference (1 = equal)", True)
    _pairs(axes[4], rows, (("pipe_p50_us", "p50"), ("pipe_p99_us", "p99")),
           "pipelined per-request latency", "µs send -> reply, 100 in flight", False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_png(out: Path, rows: list[dict[str, Any]], profiles: list[str],
              subtitle: str) -> list[Path]:
    """One chart per profile that has numbers; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    written = []
    for profile, path in chart_paths(out, profiles).items():
        mine = [r for r in rows if r["profile"] == profile
                and (r.get("seq_p50_us") or r.get("pipe_cpu_us"))]
        if mine:
            title = (f"kucoin_fast benchmark suite, {profile}: medians over runs "
                     f"(whiskers: min-max)\n{subtitle}")
            _figure(path, mine, title)
            written.append(path)
    return written

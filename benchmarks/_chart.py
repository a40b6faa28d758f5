"""The PNG charts: one figure per profile (``results.png`` for the first, then
``results-<profile>.png``), rows as in the table, medians with min-max whiskers, sized to
be read at the README's width: six panels in two columns, p50s on linear axes (the tail
percentiles on a log axis of their own), kucoin_fast's rows highlighted, value labels
beyond the whiskers."""
from __future__ import annotations

from pathlib import Path
from typing import Any

OURS = "kucoin_fast"  # rows whose client starts with this are highlighted
OURS_COLOR, OTHER_COLOR, BAND_COLOR = "#1f5fbf", "#9a9a9a", "#fff3c4"
PAIR_COLORS = ("#1f5fbf", "#e07b39")
_TAILS = (("seq_p50_us", "p50", "o"), ("seq_p90_us", "p90", "s"), ("seq_p99_us", "p99", "^"),
          ("seq_p99.9_us", "p99.9", "D"))
ROW_INCHES = 0.2  # height of one row in a panel
DPI = 110  # 11.5 in wide: 1,265 px, about 1.4 times the README's column


def chart_paths(out: Path, profiles: list[str]) -> dict[str, Path]:
    """Where each profile's chart goes."""
    return {p: out / ("results.png" if k == 0 else f"results-{p.replace('+', '-')}.png")
            for k, p in enumerate(profiles)}


def _ours(row: dict[str, Any]) -> bool:
    return str(row["client"]).startswith(OURS)


def _spread(row: dict[str, Any], key: str) -> tuple[float, float, float]:
    """(median, min, max) of a row's metric; zeros when it was not measured."""
    s = row.get(key)
    return (float(s["median"]), float(s["min"]), float(s["max"])) if s else (0.0, 0.0, 0.0)


def _highlight(ax: Any, rows: list[dict[str, Any]]) -> None:
    for y, row in enumerate(rows):
        if _ours(row):
            ax.axhspan(y - 0.5, y + 0.5, color=BAND_COLOR, zorder=0, linewidth=0)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _labelled_bars(ax: Any, pos: list[float], spreads: list[tuple[float, float, float]],
                   colors: list[str] | str, height: float, fmt: str,
                   label: str | None = None) -> float:
    """Bars at the medians, min-max whiskers, the value written after the whisker's end;
    returns the largest x drawn (whisker ends included)."""
    meds = [m for m, _, _ in spreads]
    err = [[m - lo for m, lo, _ in spreads], [hi - m for m, _, hi in spreads]]
    ax.barh(pos, meds, height=height, color=colors, label=label, zorder=2)
    ax.errorbar(meds, pos, xerr=err, fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2,
                zorder=3)
    right = max([hi for _, _, hi in spreads] + meds + [0.0])
    for y, (m, _, hi) in zip(pos, spreads):
        if m:
            ax.text(max(hi, m) + right * 0.015, y, format(m, fmt), va="center", fontsize=7.5,
                    zorder=4, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.2,
                                    "alpha": 0.75})
    return right


def _linear_ticks(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}" if ax.get_xlim()[1] > 20
                                                    else "{x:,.1f}"))


def _single(ax: Any, rows: list[dict[str, Any]], key: str, title: str, xlabel: str,
            fmt: str) -> None:
    _highlight(ax, rows)
    ax.set_title(title, fontsize=10)
    spreads = [_spread(r, key) for r in rows]
    if not any(m for m, _, _ in spreads):
        ax.text(0.5, 0.5, "not measured in this profile", transform=ax.transAxes,
                ha="center", va="center", fontsize=9)
        ax.set_xticks([])
        return
    colors = [OURS_COLOR if _ours(r) else OTHER_COLOR for r in rows]
    right = _labelled_bars(ax, list(range(len(rows))), spreads, colors, 0.7, fmt)
    ax.set_xlim(0, right * 1.2)
    _linear_ticks(ax)
    ax.set_xlabel(xlabel, fontsize=8.5)


def _pairs(ax: Any, rows: list[dict[str, Any]], keys: tuple[tuple[str, str], ...],
           title: str, xlabel: str, fmt: str, reference_line: bool) -> None:
    _highlight(ax, rows)
    h = 0.8 / len(keys)
    right = 0.0
    for k, ((key, name), color) in enumerate(zip(keys, PAIR_COLORS)):
        pos = [y + 0.4 - h * (k + 0.5) for y in range(len(rows))]  # first series on top
        right = max(right, _labelled_bars(ax, pos, [_spread(r, key) for r in rows], color,
                                          h * 0.9, fmt, name))
    if reference_line:
        ax.axvline(1.0, color="black", linewidth=0.8, zorder=3)
    ax.set_xlim(0, right * 1.22)
    _linear_ticks(ax)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel, fontsize=8.5)
    ax.legend(loc="lower right", fontsize=7.5, framealpha=0.9)


def _tails(ax: Any, rows: list[dict[str, Any]]) -> None:
    _highlight(ax, rows)
    ys = list(range(len(rows)))
    for key, name, marker in _TAILS:
        ax.scatter([_spread(r, key)[0] or float("nan") for r in rows], ys, marker=marker,
                   s=16, label=name, zorder=3)
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter, StrMethodFormatter

    ax.xaxis.set_major_locator(FixedLocator([10, 20, 50, 100, 200, 500, 1000, 2000, 5000,
                                             10000]))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    values = [v for r in rows for key, _, _ in _TAILS if (v := _spread(r, key)[0])]
    if values:  # room on the right for the legend
        ax.set_xlim(min(values) * 0.8, max(values) * 3)
    ax.set_title("sequential round trip: p50 to p99.9 (log)", fontsize=10)
    ax.set_xlabel("µs (medians over runs)", fontsize=8.5)
    ax.legend(loc="center right", fontsize=7.5, framealpha=0.9)


def figure(rows: list[dict[str, Any]], title: str) -> Any:
    """The matplotlib figure of one profile's rows."""
    import matplotlib.pyplot as plt

    rows = rows[::-1]  # first row at the top
    labels = [f"{r['client']} [{r['loop']}]" for r in rows]
    fig, axes = plt.subplots(3, 2, figsize=(11.5, 3 * (ROW_INCHES * len(rows) + 1.1) + 0.6),
                             sharey=True)
    _single(axes[0][0], rows, "seq_p50_us", "sequential round trip p50, cross-core",
            "µs (gateway on core 0, client on core 1)", ".1f")
    _tails(axes[0][1], rows)
    _single(axes[1][0], rows, "same_p50_us", "same-core round trip p50",
            "µs (client and gateway on one core)", ".1f")
    _single(axes[1][1], rows, "pipe_cpu_us", "client CPU per request",
            "µs CPU/request (100 in flight)", ".2f")
    _pairs(axes[2][0], rows, (("cpu_vs_floor", "vs floor"), ("cpu_vs_hand", "vs hand-rolled")),
           "client CPU/request ratio (per run)", "× reference (1 = equal)", ".2f", True)
    _pairs(axes[2][1], rows, (("pipe_p50_us", "p50"), ("pipe_p99_us", "p99")),
           "pipelined latency, 100 in flight", "µs send → reply", ",.0f", False)
    for ax_row in axes:
        ax_row[0].set_yticks(range(len(rows)), labels, fontsize=8)
        for tick, row in zip(ax_row[0].get_yticklabels(), rows):
            if _ours(row):
                tick.set_fontweight("bold")
                tick.set_color(OURS_COLOR)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    return fig


def write_png(out: Path, rows: list[dict[str, Any]], profiles: list[str],
              subtitle: str) -> list[Path]:
    """One chart per profile that has numbers; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for profile, path in chart_paths(out, profiles).items():
        mine = [r for r in rows if r["profile"] == profile
                and (r.get("seq_p50_us") or r.get("pipe_cpu_us"))]
        if mine:
            title = (f"kucoin_fast benchmark suite, {profile}: medians over runs, whiskers "
                     f"min-max; kucoin_fast rows highlighted\n{subtitle}")
            fig = figure(mine, title)
            fig.savefig(path, dpi=DPI)
            plt.close(fig)
            written.append(path)
    return written

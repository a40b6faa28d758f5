"""The printed report and the charts as a reader gets them: tables no wider than 100
columns (the CSV and JSON keep every figure), target lines that name their gateway
profile and say when a run is only indicative, and charts with kucoin_fast's rows
highlighted, value labels clear of the whiskers and the p50s on linear axes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import _report

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "benchmarks" / "results" / "results.json"


def _committed_rows() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not COMMITTED.exists():
        pytest.skip("no committed results in this checkout")
    from benchmarks.clients import CLIENT_MODULES

    doc = json.loads(COMMITTED.read_text())
    meta = doc["meta"]
    return meta, _report.summarize(doc["raw"], list(CLIENT_MODULES), meta["loops"],
                                   meta["profiles"])


def _spread(value: float) -> dict[str, float]:
    return {"median": value, "min": value * 0.5, "max": value * 3, "n": 5}


def test_committed_report_fits_100_columns(tmp_path: Path) -> None:
    _committed_rows()
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--report", str(COMMITTED),
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    report = proc.stdout.split("Micro-benchmarks")[0]  # the micro table is micro.py's
    wide = [ln for ln in report.splitlines() if len(ln) > _report.WIDTH]
    assert not wide, "\n".join(wide[:5])
    assert report.count("seq p50") >= 4  # one table per profile
    assert {p.name for p in tmp_path.glob("*.png")} == {
        "results.png", "results-plain.png", "results-emulator-tls.png",
        "results-plain-tls.png"}


def test_wide_values_and_long_names_still_fit() -> None:
    row: dict[str, Any] = {"client": "kucoin_fast_lowlevel+coalesce_writes+busy_poll",
                           "loop": "asyncio", "profile": "plain+tls", "errors": 3,
                           "status": "ok", "note": "pure-Python fallback build " * 20}
    for m in _report.METRICS:
        row[m.key] = _spread(123456.789)
    for r in _report.RATIOS:
        row[r.key] = _spread(12.345)
    text = _report.table([row])
    assert max(len(ln) for ln in text.splitlines()) <= _report.WIDTH, text
    for col in _report.TABLE_COLUMNS:  # every column is still printed
        assert col.header in text
    assert "3 errors" in text and "kf_lowlevel+coalesce_writes+busy_poll [asyncio]" in text


def test_target_lines_name_the_profile_and_flag_short_runs() -> None:
    _, rows = _committed_rows()
    full = _report.goal_lines(rows, "full")
    quick = _report.goal_lines(rows, "quick")
    assert len(full) == len(quick) > 0
    for line in full:
        assert "indicative" not in line and "NOT met" not in line
    for line in quick:
        assert line.endswith("(quick profile: indicative only)"), line
        assert any(f"[{p}, " in line for p in ("emulator", "plain", "emulator+tls",
                                                "plain+tls")), line


def test_chart_highlights_ours_and_keeps_labels_clear_of_whiskers() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from benchmarks import _chart

    meta, rows = _committed_rows()
    mine = [r for r in rows if r["profile"] == meta["profiles"][0]]
    fig = _chart.figure(mine, "test")
    try:
        fig.canvas.draw()
        axes = fig.axes
        shown = list(reversed(mine))  # first row at the top
        for tick, row in zip(axes[0].get_yticklabels(), shown):
            assert (tick.get_fontweight() == "bold") == row["client"].startswith("kucoin_fast")
        assert axes[0].get_xscale() == "linear" and axes[1].get_xscale() == "log"
        for ax in axes:
            _assert_labels_clear(ax)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    assert fig.get_figwidth() * _chart.DPI <= 1400


def _assert_labels_clear(ax: Any) -> None:
    """Every value label starts right of the whisker ends of its own bar."""
    ends: dict[float, float] = {}
    for coll in ax.collections:  # errorbar line collections: one segment per whisker
        for seg in getattr(coll, "get_segments", list)():
            if len(seg) == 2 and seg[0][1] == seg[1][1]:
                ends[round(float(seg[0][1]), 3)] = max(float(seg[0][0]), float(seg[1][0]))
    for text in ax.texts:
        x, y = text.get_position()
        if text.get_text().strip() and round(y, 3) in ends:
            assert x > ends[round(y, 3)], (ax.get_title(), text.get_text())

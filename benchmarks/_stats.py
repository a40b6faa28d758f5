"""Latency summaries (hdrhistogram) and medians across runs."""
from __future__ import annotations

import statistics
from collections.abc import Iterable

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

PERCENTILES: tuple[float, ...] = (50.0, 90.0, 99.0, 99.9)


def summarize_ns(latencies_ns: Iterable[int]) -> dict[str, float]:
    """p50/p90/p99/p99.9/max/mean in microseconds from raw nanosecond samples."""
    hist = HdrHistogram(1, 60_000_000_000, 3)
    count = 0
    for v in latencies_ns:
        hist.record_value(max(1, v))
        count += 1
    out = {f"p{p:g}": hist.get_value_at_percentile(p) / 1000.0 for p in PERCENTILES}
    out["max"] = hist.get_max_value() / 1000.0
    out["mean"] = hist.get_mean_value() / 1000.0
    out["count"] = count
    return out


def median_min_max(values: list[float]) -> tuple[float, float, float]:
    """(median, min, max) of one metric across runs."""
    return statistics.median(values), min(values), max(values)

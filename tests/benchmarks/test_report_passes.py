"""The suite's summary pairs each same-core pass with the floor's same pass and counts
runs, not samples (the full profile makes three same-core passes per run)."""
from __future__ import annotations

from typing import Any

from benchmarks import _report, _runner


def _result(client: str, run: int, placement: str, p50: float, sample: int = 0) -> dict[str, Any]:
    return {"client": client, "variant": client, "loop": "uvloop", "profile": "plain",
            "available": True, "run": run, "placement": placement, "sample": sample,
            "seq": {"p50": p50, "p99": p50 * 2, "errors": 0}}


def test_same_core_ratios_are_per_pass_and_runs_are_counted_once() -> None:
    results = []
    for run in range(2):
        results.append(_result("picows_floor", run, "cross-core", 40.0))
        results.append(_result("kucoin_fast_await", run, "cross-core", 44.0))
        for sample, (floor, ours) in enumerate([(20.0, 22.0), (30.0, 30.0), (20.0, 30.0)]):
            results.append(_result("picows_floor", run, "same-core", floor, sample))
            results.append(_result("kucoin_fast_await", run, "same-core", ours, sample))
    rows = _report.summarize(results, ["picows_floor", "kucoin_fast_await"], ["uvloop"],
                             ["plain"])
    row = next(r for r in rows if r["client"] == "kucoin_fast_await")
    assert row["runs"] == 2
    # Six pass ratios (1.1, 1.0, 1.5 twice each): paired pass by pass, not pooled.
    assert row["same_p50_vs_floor"] == {"median": 1.1, "min": 1.0, "max": 1.5, "n": 6}
    assert row["seq_p50_vs_floor"]["n"] == 2
    assert row["same_p50_us"]["n"] == 6


def test_the_full_plan_interleaves_every_same_core_pass() -> None:
    settings = _runner.PROFILES["full"]
    servers = [_runner.Server("plain"), _runner.Server("plain", tls=True)]
    variants = [("picows_floor", ()), ("kucoin_fast_await", ())]
    jobs = _runner.plan(settings, variants, ["uvloop", "asyncio"], servers)
    same = [j for j in jobs if j.placement == "same-core"]
    assert {j.server.tls for j in same} == {False}
    assert len(same) == settings.runs * settings.same_core_passes * 4
    first_run = [(j.client, j.loop, j.sample) for j in same if j.run == 0]
    # Each pass visits every combination once, starting one place further along.
    for sample in range(settings.same_core_passes):
        visit = [(c, lp) for c, lp, s in first_run if s == sample]
        assert len(set(visit)) == 4
    assert first_run[0][:2] != next((c, lp) for c, lp, s in first_run if s == 1)

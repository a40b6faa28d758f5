"""Smoke test of the benchmark suite: its smallest configuration runs end to end against
``kucoin_fast.emulator`` and writes JSON and CSV with a row per client. Never asserts speed."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("hdrh", reason="benchmark extras not installed")
pytest.importorskip("orjson", reason="benchmark extras not installed")


def _checkout_can_run() -> None:
    if not (ROOT / "benchmarks" / "__main__.py").exists():
        pytest.skip("benchmarks/ not in this checkout")
    # The suite runs from the checkout (python -m benchmarks / kucoin_fast.emulator with the
    # checkout first on sys.path), so it needs the package importable from there.
    probe = subprocess.run([sys.executable, "-c", "import kucoin_fast.emulator"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60, check=False)
    if probe.returncode != 0:
        pytest.skip("kucoin_fast is not importable from the checkout (extensions not built "
                    "in place?): " + (probe.stderr.strip().splitlines() or ["?"])[-1])


def _run_suite(out: Path, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--no-pin", "--no-micro",
         "--loops", "uvloop", "--no-progress", "--out", str(out), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=80, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    doc: dict[str, Any] = json.loads((out / "results.json").read_text())
    return doc


def _check_rows(doc: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every (row, profile) ran: numbers and no failures (kucoin_fast rows may be skipped
    with a reason); the references' own ratios are 1."""
    rows = {(r["client"], r["loop"], r["profile"]): r for r in doc["summary"]}
    meta = doc["meta"]
    assert set(rows) == {(c, "uvloop", p) for c in meta["rows"] for p in meta["profiles"]}
    for (client, _, _), row in rows.items():
        if row["status"].startswith("skipped"):
            assert client.startswith("kucoin_fast"), row["status"]
            continue
        assert row["status"] == "ok", row["status"]
        assert row["errors"] == 0
        assert row["seq_p50_us"]["median"] > 0
        assert row["pipe_cpu_us"]["median"] > 0
        assert row["pipe_p50_us"]["median"] > 0
    for profile in meta["profiles"]:
        assert rows[("picows_floor", "uvloop", profile)]["cpu_vs_floor"]["median"] == \
            pytest.approx(1.0)
        assert rows[("picows_orjson", "uvloop", profile)]["cpu_vs_hand"]["median"] == \
            pytest.approx(1.0)
    return rows


@pytest.mark.timeout(90)
def test_smoke_run_writes_results(tmp_path: Path) -> None:
    _checkout_can_run()
    doc = _run_suite(tmp_path)
    assert doc["meta"]["profiles"] == ["emulator"]
    assert "kucoin_fast_await+no_coalesce" in doc["meta"]["rows"]
    rows = _check_rows(doc)

    with (tmp_path / "results.csv").open() as fh:
        lines = list(csv.DictReader(fh))
    assert {(r["client"], r["loop"], r["profile"]) for r in lines} == set(rows)
    assert (tmp_path / "results.png").exists()

    # --report prints a committed run again, its summary recomputed from the raw results.
    again = subprocess.run([sys.executable, "-m", "benchmarks", "--report",
                            str(tmp_path / "results.json")], cwd=ROOT, capture_output=True,
                           text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Targets (ratios vs the floor" in again.stdout
    assert "[emulator, uvloop] kf_await CPU/req vs floor <= 1.0:" in again.stdout


@pytest.mark.timeout(90)
def test_smoke_tls_profile_on_both_gateways(tmp_path: Path) -> None:
    pytest.importorskip("trustme", reason="the TLS profile needs trustme")
    _checkout_can_run()
    doc = _run_suite(tmp_path, "--gateway", "both", "--tls", "--variants", "",
                     "--clients", "picows_floor,kucoin_fast_await,picows_orjson")
    assert doc["meta"]["profiles"] == ["emulator", "plain", "emulator+tls", "plain+tls"]
    assert all(url.startswith("wss://") == profile.endswith("+tls")
               for profile, url in doc["meta"]["gateway_urls"].items())
    rows = _check_rows(doc)
    # Over TLS the suite measures cross-core only (no same-core rows).
    assert rows[("picows_floor", "uvloop", "plain+tls")]["same_p50_us"] is None
    assert (tmp_path / "results-plain-tls.png").exists()

"""Where the suite writes: every run lands in the untracked benchmarks/results/local/
(which ignores itself in git) unless --publish asks for the committed results, which
take the full profile only."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"

pytest.importorskip("hdrh", reason="benchmark extras not installed")
pytest.importorskip("orjson", reason="benchmark extras not installed")


def _bench(*args: str, timeout: float = 80) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _committed() -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in RESULTS.iterdir() if p.is_file()}


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False)


@pytest.mark.timeout(90)
def test_a_run_without_publish_leaves_the_committed_results_alone() -> None:
    if not (ROOT / "benchmarks" / "__main__.py").exists():
        pytest.skip("benchmarks/ not in this checkout")
    before = _committed()
    status = _git("status", "--porcelain", "--", "benchmarks/results").stdout
    started = time.time()
    try:
        proc = _bench("--smoke", "--no-pin", "--no-micro", "--loops", "uvloop", "--no-progress",
                      "--clients", "picows_floor,picows_orjson", "--variants", "")
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        changed = sorted(p.name for p, data in _committed().items()
                         if before.get(p) != data)
        assert not changed, f"a smoke run rewrote the committed {changed}"
    finally:
        for path, data in before.items():  # never leave the committed files clobbered
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
    local = RESULTS / "local"
    doc = json.loads((local / "results.json").read_text())
    assert doc["meta"]["profile"] == "smoke"
    assert (local / "results.json").stat().st_mtime >= started - 1
    assert (local / "results.csv").exists() and (local / "results.png").exists()
    assert "benchmarks/results/local" in proc.stdout
    if shutil.which("git") and _git("rev-parse", "--git-dir").returncode == 0:
        assert _git("check-ignore", "-q", "benchmarks/results/local/results.json").returncode == 0
        assert _git("status", "--porcelain", "--", "benchmarks/results").stdout == status


@pytest.mark.parametrize("profile", ["--quick", "--smoke"])
def test_publish_takes_the_full_profile_only(profile: str) -> None:
    proc = _bench(profile, "--publish", "--no-progress", timeout=30)
    assert proc.returncode != 0
    assert "--publish" in proc.stderr and "full profile" in proc.stderr, proc.stderr


def test_publish_and_out_exclude_each_other(tmp_path: Path) -> None:
    proc = _bench("--publish", "--out", str(tmp_path), timeout=30)
    assert proc.returncode == 2 and "not allowed with" in proc.stderr, proc.stderr

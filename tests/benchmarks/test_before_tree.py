"""``--before TREE``: a ``+before`` row's worker runs in the other checkout (its own
benchmarks/ and kucoin_fast/), with the pseudo-option removed from its spec; other rows
run in this checkout."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FAKE_WORKER = """
import json, os, sys
spec = json.loads(sys.argv[1])
with open(sys.argv[2], "w") as fh:
    json.dump({"client": spec["client"], "loop": spec["loop"], "available": True,
               "cwd": os.getcwd(), "options": spec["options"]}, fh)
"""


def test_before_rows_run_in_the_other_tree(tmp_path: Path) -> None:
    if not (ROOT / "benchmarks" / "_runner.py").exists():
        pytest.skip("benchmarks/ not in this checkout")
    from benchmarks import _runner

    before = tmp_path / "before"
    (before / "benchmarks").mkdir(parents=True)
    (before / "benchmarks" / "__init__.py").write_text("")
    (before / "benchmarks" / "_worker.py").write_text(FAKE_WORKER)
    settings = _runner.PROFILES["smoke"]
    creds = _runner.Credentials()
    job = _runner.Job(0, "kucoin_fast_await", "asyncio", "same-core", ("seq",),
                      ("spot", _runner.BEFORE))
    result = _runner.run_worker(job, settings, "ws://127.0.0.1:9/v1/private", creds, None,
                                str(tmp_path), before_tree=before)
    assert "failed" not in result, result
    assert Path(result["cwd"]) == before
    assert result["options"] == ["spot"]
    assert result["variant"] == "kucoin_fast_await+spot+before"
    plain = _runner.Job(0, "kucoin_fast_await", "asyncio", "same-core", ("seq",), ("spot",))
    mine = _runner.run_worker(plain, settings, "ws://127.0.0.1:9/v1/private", creds, None,
                              str(tmp_path), before_tree=before)
    assert mine.get("cwd") is None  # the real worker ran here (and failed to connect to :9)

"""Scenario 20, CI-sized: 200,000 market orders through the emulator (in a subprocess)
with benchmarks/soak.py; fails if pending entries, timer handles, tasks or fds grow.
The full 10M run is ``python -m benchmarks.soak`` (not in the default run)."""
from __future__ import annotations

import os
import sys
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.append(ROOT)  # for benchmarks.soak; never ahead of an installed kucoin_fast

from rel_helpers import run_on

from benchmarks.soak import soak

REQUESTS = int(os.environ.get("KF_SOAK_CI_REQUESTS", "200000"))


def test_s20_soak_ci(loop_kind: str) -> None:
    result: Any = run_on(loop_kind, soak(REQUESTS, interval=REQUESTS // 10), timeout=300)
    assert result.final is not None and result.baseline is not None
    assert result.final.requests == REQUESTS
    assert result.check() == [], (result.check(), result.baseline, result.final)
    if loop_kind == "asyncio":
        assert result.final.timers_kind == "loop._scheduled"

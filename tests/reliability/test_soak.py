"""Scenario 20, CI-sized: 200,000 market orders through the emulator (in a subprocess)
with the soak harness beside this file (``soak.py``); fails if pending entries, timer
handles, tasks or fds grow. The full 10M run is ``python tests/reliability/soak.py``
(not in the default run; see README.md)."""
from __future__ import annotations

import os
from typing import Any

from rel_helpers import run_on
from soak import soak

REQUESTS = int(os.environ.get("KF_SOAK_CI_REQUESTS", "200000"))


def test_s20_soak_ci(loop_kind: str) -> None:
    result: Any = run_on(loop_kind, soak(REQUESTS, interval=REQUESTS // 10), timeout=300)
    assert result.final is not None and result.baseline is not None
    assert result.final.requests == REQUESTS
    assert result.check() == [], (result.check(), result.baseline, result.final)
    if loop_kind == "asyncio":
        assert result.final.timers_kind == "loop._scheduled"
    assert result.connection_stats.get("replies", REQUESTS) >= REQUESTS

"""An option row whose value the installed client refuses is reported as unavailable
with a one-line reason (``ClientUnavailable``), never as a crash of the suite. Runs in
a subprocess from the checkout, like the suite itself."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import asyncio
from benchmarks._kucoin import Credentials, Workload
from benchmarks.clients import ClientUnavailable, _base, load

# A keyword every WebsocketAPIClient has, with a value it must refuse.
_base.KNOWN_OPTIONS["bogus"] = ("request_timeout", -1.0)
cls = load("kucoin_fast_await")
cls.supported_options = cls.supported_options | {"bogus"}
client = cls("ws://127.0.0.1:9/v1/private", Credentials(), Workload(), frozenset({"bogus"}))
try:
    asyncio.run(client.connect())
except ClientUnavailable as exc:
    print("UNAVAILABLE", exc)
"""


@pytest.mark.timeout(60)
def test_rejected_option_value_makes_the_row_unavailable() -> None:
    if not (ROOT / "benchmarks" / "clients").exists():
        pytest.skip("benchmarks/ not in this checkout")
    pytest.importorskip("orjson", reason="benchmark extras not installed")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=50, check=False)
    if "ClientUnavailable" in proc.stderr and "has not landed" in proc.stderr:
        pytest.skip("kucoin_fast client API not importable from the checkout")
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = proc.stdout.strip()
    assert line.startswith("UNAVAILABLE installed client rejects request_timeout=-1.0: "), line
    assert "\n" not in line

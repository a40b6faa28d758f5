"""The examples must keep running: each is executed as a user would run it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from kf_shared import PKG_PARENT

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    env = dict(os.environ)
    env.pop("KUCOIN_API_KEY", None)  # the examples must not need credentials
    # The examples import the same kucoin_fast the tests run against.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PKG_PARENT, env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, *args], check=False, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_market_maker_fills_from_order_events_and_reconciles_a_drop() -> None:
    out = _run("examples/market_maker.py", "--cycles", "8", "--drop-at", "3")
    c = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", out.splitlines()[-1])}
    assert c["rejected"] == 0 and c["fills"] >= 1, out
    # Both quotes of the dropped cycle were sent, their outcome unknown, then reconciled.
    assert c["unknown"] == 2 and c["open"] + c["done"] + c["not_found"] == 2, out
    assert len(re.findall(r"^reconciled \S+: (open|done|not_found) ", out, re.MULTILINE)) == 2, out
    # Every quote that exists ended cancelled or filled (fills come from order_events).
    assert c["placed"] + c["open"] + c["done"] == c["cancelled"] + c["fills"], out
    assert re.search(r"^position -?\d+(\.\d+)? BTC$", out, re.MULTILINE), out


def test_latency_probe_against_emulator() -> None:
    out = _run("examples/latency_probe.py", "--emulator", "-n", "50")
    m = re.search(r"connect\+handshake (\d+) us; 50 round trips: p50 ([\d.]+) us", out)
    assert m is not None, out
    assert float(m.group(2)) > 0


def test_probe_command_runs_offline() -> None:
    out = _run("-m", "kucoin_fast", "probe", "--emulator", "-n", "30", "--json")
    import json

    result = json.loads(out.strip().splitlines()[-1])
    assert result["n"] == 30
    assert 0 < result["min_us"] <= result["p50_us"] <= result["p99_us"] <= result["max_us"]
    assert result["connect_us"] > 0


def test_spot_hedge_runs_every_spot_op() -> None:
    out = _run("examples/spot_hedge.py", "--rounds", "3", "--lots", "2")
    lines = out.strip().splitlines()
    assert lines[-1] == "rounds=3 hedged=3 errors=0", out
    assert "('XBTUSDTM', 6)" in out, out
    assert "'hedged': '0.002', 'status': 'done', 'replaced': True, 'bid': 'done'" in out, out

"""The probe's round-trip split: the connection's readings of the gateway's clock, the
NTP-style offset, the legs from the gateway's own ns stamps, and the JSON types."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from kf_helpers import KEY, PASSPHRASE, SECRET
from kf_shared import PKG_PARENT

from kucoin_fast import OrderNotCancelableError, WebsocketAPIClient
from kucoin_fast.emulator import Account, Emulator
from kucoin_fast.probe import estimate_offset, probe


async def _readings(**options: Any) -> tuple[Any, Any, list[int]]:
    """The challenge's reading, a pong's, and one cancel's (send, inTime, outTime, receive)."""
    async with Emulator(accounts=[Account(KEY, SECRET, PASSPHRASE)], rate_limit=None) as ex:
        client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url=ex.url, **options)
        async with client:
            await client.connect()
            conn = client.connection()
            challenge = conn.server_clock
            for _ in range(200):
                if conn.server_clock != challenge:
                    break
                await asyncio.sleep(0.005)
            pong = conn.server_clock
            before = time.time_ns()
            with pytest.raises(OrderNotCancelableError) as info:
                await client.cancel_futures_order({"clientOid": "x", "symbol": "XBTUSDTM"})
            after = time.time_ns()
    reply = info.value.response
    return challenge, pong, [before, reply.in_time, reply.out_time, after]


def test_connection_reads_the_gateway_clock(client_impl: Any, arun: Any) -> None:
    """The challenge and each pong give (local before, gateway stamp, local after); the
    emulator stamps with this machine's clock, so the stamp lies between the two."""
    challenge, pong, trip = arun(_readings(enable_ns=True, ping_interval=0.01))
    for before, stamp, after in (challenge, pong):
        assert before <= stamp <= after
    assert pong[0] > challenge[2]  # a later exchange, not the challenge again
    before, in_time, out_time, after = trip
    assert before <= in_time <= out_time <= after  # enable_ns: real ns stamps


def test_without_enable_ns_the_stamps_are_ms(client_impl: Any, arun: Any) -> None:
    challenge, _, trip = arun(_readings(ping_interval=0.01))
    assert challenge[0] // 10**6 <= challenge[1] <= challenge[2] // 10**6
    assert trip[0] // 10**6 <= trip[1] <= trip[3] // 10**6


def test_offset_takes_the_tightest_reading() -> None:
    t = 1_700_000_000_000_000_000
    readings = [(t, t // 10**6 + 5, t + 4_000_000),           # ms stamp, 4 ms round trip
                (t + 10**9, t + 10**9 + 700_000, t + 10**9 + 1_000_000),  # ns, 1 ms
                (t + 2 * 10**9, t + 2 * 10**9 + 300, t + 2 * 10**9 + 3_000_000)]
    best = estimate_offset(readings)
    assert best == {"offset_ns": 200_000, "uncertainty_ns": 500_000, "rtt_ns": 1_000_000,
                    "stamp_unit_ns": 1, "readings": 3}
    ms = estimate_offset(readings[:1])
    # A ms stamp covers [5 ms, 6 ms): its middle, and half a ms more uncertainty.
    assert ms == {"offset_ns": 5_500_000 - 2_000_000, "uncertainty_ns": 2_500_000,
                  "rtt_ns": 4_000_000, "stamp_unit_ns": 1_000_000, "readings": 1}
    assert estimate_offset([]) is None


def test_probe_splits_round_trips_consistently(arun: Any) -> None:
    result = arun(probe(None, n=100, pings=5))
    assert result["n"] == 100 and result["errors"] == 0
    clock = result["clock"]
    assert clock["readings"] >= 6 and clock["stamp_unit_ns"] == 1
    # One machine, one clock: the true offset is 0, which the estimate must admit.
    assert abs(clock["offset_ns"]) <= clock["uncertainty_ns"]
    legs = result["legs_ns"]
    inside = legs["in_gateway"]
    assert 0 < inside["min"] <= inside["p50"] <= inside["max"]
    # The three legs of one trip add up to it: their minimums cannot exceed the fastest.
    assert sum(legs[name]["min"] for name in legs) <= result["min_us"] * 1000 + 1
    assert sum(legs[name]["max"] for name in legs) >= result["max_us"] * 1000 - 1


def _probe_cli(*args: str) -> str:
    """``kucoin-fast probe --emulator -n 30 --pings 3 args``: its stdout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "kucoin_fast", "probe", "--emulator", "-n",
                           "30", "--pings", "3", *args], check=False, capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_probe_json_counts_are_integers() -> None:
    result = json.loads(_probe_cli("--json"))
    assert type(result["n"]) is int and type(result["errors"]) is int
    assert all(type(v) is int for v in result["clock"].values())
    for leg in result["legs_ns"].values():
        assert set(leg) == {"min", "p50", "p90", "p99", "max"}
        assert all(type(v) is int for v in leg.values())
    assert all(type(result[f"{p}_us"]) is float for p in ("min", "p50", "p90", "p99", "max"))


def test_probe_text_states_the_uncertainty_beside_the_legs() -> None:
    lines = _probe_cli().splitlines()
    unc = lines[1].split("+- ")[1].split(" us")[0]
    assert lines[1].startswith("gateway clock - local clock: ")
    assert f"the one-way legs hold only within +- {unc} us" in lines[2]
    assert [line.split()[0] for line in lines[4:]] == ["client", "inside", "gateway"]

"""Machine calibration: what a bare process-to-process wake-up costs here.

Two processes bounce one byte over a pair of pipes (blocking reads, no event loop, no
Python work worth mentioning); the round trip is two wake-ups. Measured with the two
processes on different cores and on one core, it tells how much of every round trip in
the suite is the scheduler/hypervisor rather than anybody's Python (on this 2-vCPU KVM
guest a cross-core wake-up of an idle vCPU is expensive).
"""
from __future__ import annotations

import os
import statistics
from time import perf_counter_ns

from ._runner import CLIENT_CORE, GATEWAY_CORE


def pipe_round_trip_us(parent_core: int | None, child_core: int | None, rounds: int = 1000,
                       idle_us: float = 0.0) -> float:
    """Median µs of a 1-byte ping-pong between two processes pinned as given.

    ``idle_us`` spins that long before each ping, so the peer has gone idle (as the
    emulator has while a client thinks) and must really be woken up.
    """
    p2c_r, p2c_w = os.pipe()
    c2p_r, c2p_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: echo until EOF
        try:
            os.close(p2c_w)
            os.close(c2p_r)
            if child_core is not None:
                os.sched_setaffinity(0, {child_core})
            while os.read(p2c_r, 1):
                os.write(c2p_w, b"x")
        finally:
            os._exit(0)
    saved = os.sched_getaffinity(0)
    try:
        if parent_core is not None:
            os.sched_setaffinity(0, {parent_core})
        samples = []
        for k in range(rounds + 200):
            spin_until = perf_counter_ns() + idle_us * 1000
            while perf_counter_ns() < spin_until:
                pass
            t0 = perf_counter_ns()
            os.write(p2c_w, b"x")
            os.read(c2p_r, 1)
            if k >= 200:  # warm-up rounds
                samples.append(perf_counter_ns() - t0)
    finally:
        os.sched_setaffinity(0, saved)
        os.close(p2c_w)
        os.waitpid(pid, 0)
        for fd in (p2c_r, c2p_r, c2p_w):
            os.close(fd)
    return statistics.median(samples) / 1000.0


def calibrate(pin: bool) -> dict[str, float]:
    """Pipe ping-pong medians cross-core and same-core (or unpinned), back to back and
    after 200 µs of idling."""
    placements = ({"cross_core": (CLIENT_CORE, GATEWAY_CORE), "same_core": (CLIENT_CORE, CLIENT_CORE)}
                  if pin else {"unpinned": (None, None)})
    out = {}
    for name, (parent, child) in placements.items():
        out[f"pipe_rtt_{name}_us"] = pipe_round_trip_us(parent, child)
        out[f"pipe_rtt_{name}_idle200_us"] = pipe_round_trip_us(parent, child, idle_us=200)
    return out


if __name__ == "__main__":
    print(calibrate(pin=True))

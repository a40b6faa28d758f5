"""Micro-benchmarks of each hot path against its obvious Python equivalent.

``python -m benchmarks.micro [--seconds S] [--json OUT]``. Every case is one callable
timed with ``timeit`` (best of 5 repeats, ns per call). kucoin_fast cases are built from
the compiled modules (``kucoin_fast._sign``, ``_encode``, ``_dispatch``) and their
pure-Python twins in ``kucoin_fast._reference``; a case whose module or function is
missing is reported as skipped with the reason, never as a failure.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import timeit
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson

from ._kucoin import DEFAULT_API_SECRET, Workload, hmac_b64

CHALLENGE = b'{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc","timestamp":1742175983882}'
RESPONSE = (b'{"id":"1234","op":"futures.order","code":"200000","data":{"orderId":'
            b'"403371203999346688","clientOid":"b5f3a9c2e1d4b1234"},"inTime":1742175983882,'
            b'"outTime":1742175983883}')


class Case(NamedTuple):
    """One timed callable: group (hot path), name, and a builder returning the callable."""

    group: str
    name: str
    build: Callable[[], Callable[[], Any]]


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise LookupError(f"{name} not importable ({exc})") from exc


def _attr(module: str, name: str) -> Any:
    mod = _module(module)
    if not hasattr(mod, name):
        raise LookupError(f"{module}.{name} missing")
    return getattr(mod, name)


# ------------------------------------------------------------------- signing
def _sign_python() -> Callable[[], Any]:
    return lambda: hmac_b64(DEFAULT_API_SECRET, CHALLENGE)


def _sign_kf(module: str) -> Callable[[], Callable[[], Any]]:
    def build() -> Callable[[], Any]:
        fn = _attr(module, "sign_challenge")
        secret = DEFAULT_API_SECRET.encode()
        return lambda: fn(secret, CHALLENGE)
    return build


# ------------------------------------------------------------------- encoding
_WORKLOAD = Workload()
_ORDER = _WORKLOAD.order(12345)


def _encode_orjson() -> Callable[[], Any]:
    dumps = orjson.dumps
    return lambda: dumps({"id": "12345", "op": "futures.order", "args": _ORDER})


def _encode_json() -> Callable[[], Any]:
    dumps = json.dumps
    return lambda: dumps({"id": "12345", "op": "futures.order", "args": _ORDER}).encode()


# ------------------------------------------------------------------- dispatch
def _dispatch_orjson() -> Callable[[], Any]:
    loads = orjson.loads
    pending = {"1234": None}

    def run() -> Any:
        msg = loads(RESPONSE)
        return pending.get(msg["id"]), msg["code"] == "200000", msg["data"]
    return run


def _dispatch_json() -> Callable[[], Any]:
    loads = json.loads
    pending = {"1234": None}

    def run() -> Any:
        msg = loads(RESPONSE)
        return pending.get(msg["id"]), msg["code"] == "200000", msg["data"]
    return run


CASES: list[Case] = [
    Case("sign challenge", "hmac+hashlib+base64 (Python)", _sign_python),
    Case("sign challenge", "kucoin_fast._sign", _sign_kf("kucoin_fast._sign")),
    Case("sign challenge", "kucoin_fast._reference", _sign_kf("kucoin_fast._reference")),
    Case("encode futures.order", "orjson.dumps(dict)", _encode_orjson),
    Case("encode futures.order", "json.dumps(dict)", _encode_json),
    Case("dispatch response", "orjson.loads + dict lookup", _dispatch_orjson),
    Case("dispatch response", "json.loads + dict lookup", _dispatch_json),
]


def time_case(fn: Callable[[], Any], seconds: float) -> float:
    """ns per call: best of 5 repeats of a loop sized to ``seconds``/5."""
    timer = timeit.Timer(fn)
    number, took = timer.autorange()
    number = max(1, int(number * (seconds / 5) / max(took, 1e-9)))
    return min(timer.repeat(repeat=5, number=number)) / number * 1e9


def run(seconds: float) -> list[dict[str, Any]]:
    """Time every case; a case that cannot be built is returned with ``skipped``."""
    out: list[dict[str, Any]] = []
    for case in CASES:
        row: dict[str, Any] = {"group": case.group, "name": case.name}
        try:
            fn = case.build()
            fn()  # must work before it is timed
        except LookupError as exc:
            row["skipped"] = str(exc)
        except Exception as exc:  # noqa: BLE001 -- an API mismatch is reported, not fatal
            row["skipped"] = f"{type(exc).__name__}: {exc}"
        else:
            row["ns_per_call"] = time_case(fn, seconds)
        out.append(row)
    # Ratio against the first (Python) entry of each group.
    base: dict[str, float] = {}
    for row in out:
        if "ns_per_call" in row:
            base.setdefault(row["group"], row["ns_per_call"])
            row["vs_first"] = row["ns_per_call"] / base[row["group"]]
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """Plain-text table of the micro-benchmark rows."""
    lines = [f"{'hot path':<22}  {'implementation':<44}  {'ns/call':>9}  {'vs first':>8}",
             "-" * 90]
    for r in rows:
        if "ns_per_call" in r:
            lines.append(f"{r['group']:<22}  {r['name']:<44}  {r['ns_per_call']:9.0f}"
                         f"  {r['vs_first']:8.2f}")
        else:
            lines.append(f"{r['group']:<22}  {r['name']:<44}  {'skipped':>9}  {r['skipped'][:60]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: print the table; with ``--json`` also write the rows."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.micro", description=__doc__)
    ap.add_argument("--seconds", type=float, default=0.5, help="time budget per case")
    ap.add_argument("--json", help="write the rows as JSON to this path")
    args = ap.parse_args(argv)
    rows = run(args.seconds)
    print(table(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())

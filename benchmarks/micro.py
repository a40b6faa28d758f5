"""Micro-benchmarks of each hot path against its obvious Python equivalent.

``python -m benchmarks.micro [--seconds S] [--json OUT]``. Every case is one callable
timed with ``timeit`` (best of 7 loops, ns per call), the cases of a
group taking turns loop by loop. kucoin_fast cases are built from
each of its builds: the compiled one and the pure-Python one, from
``kucoin_fast._core.build`` (``compiled()`` / ``python()``). The compiled cases are
reported as skipped when the extensions are not built.
"""
from __future__ import annotations

import argparse
import json
import sys
import timeit
from collections.abc import Callable
from types import SimpleNamespace
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


# ------------------------------------------------------------------- signing
def _sign_python() -> Callable[[], Any]:
    return lambda: hmac_b64(DEFAULT_API_SECRET, CHALLENGE)


def _sign_kf() -> Callable[[], Any]:
    from kucoin_fast._core.sign import sign_challenge  # one module serves both builds

    secret = DEFAULT_API_SECRET.encode()
    return lambda: sign_challenge(secret, CHALLENGE)


def kf_build(build: str) -> Any:
    """kucoin_fast's ``compiled`` or ``python`` build (:mod:`kucoin_fast._core.build`): ``.sign``
    and ``.encode`` modules and a ``Connection`` factory."""
    from kucoin_fast._core import build as builds

    try:
        impl = builds.compiled() if build == "compiled" else builds.python()
    except ImportError as exc:
        raise LookupError(f"the {build} build is not built ({exc})") from exc
    return SimpleNamespace(sign=impl.sign, encode=impl.encode, Connection=impl.Connection)


# ------------------------------------------------------------------- encoding
_WORKLOAD = Workload()
_ORDER = _WORKLOAD.order(12345)
_OID = _WORKLOAD.client_oid(12345)


# The order dict is built once, outside the timed call: building it is the user's code and
# costs the same for every encoder (timing it would dilute every ratio).
# orjson's case still builds the envelope dict, as a user of orjson must.
def _encode_orjson() -> Callable[[], Any]:
    dumps, order = orjson.dumps, _ORDER
    return lambda: dumps({"id": "12345", "op": "futures.order", "args": order})


def _encode_json() -> Callable[[], Any]:
    dumps, order = json.dumps, _ORDER
    return lambda: dumps({"id": "12345", "op": "futures.order", "args": order}).encode()


def _encode_kf(build: str) -> Callable[[], Callable[[], Any]]:
    def make() -> Callable[[], Any]:
        enc = kf_build(build).encode
        encode, buf, order = enc.encode_request, enc.FrameBuffer(), _ORDER
        return lambda: encode(buf, 12345, "futures.order", order)
    return make


def _encode_prepared_kf(build: str) -> Callable[[], Callable[[], Any]]:
    def make() -> Callable[[], Any]:
        from .clients._kf import order_template

        enc = kf_build(build).encode
        encode, buf = enc.encode_prepared_order, enc.FrameBuffer()
        template = enc.OrderTemplate(order_template("buy"))
        return lambda: encode(buf, 12345, template, None, 1, _OID)
    return make


# ------------------------------------------------- request cycle without a socket
# encode -> picows framing (masked, written to a null transport) -> response frame through
# on_ws_frame -> id lookup -> completion callback. The same picows WSTransport and the same
# per-iteration response frame for every implementation; "frame construction only" is the
# part they all share.
_RESP_HEAD = b'{"id":"'
_RESP_TAIL = (b'","op":"futures.order","code":"200000","data":{"orderId":"403371203999346688",'
              b'"clientOid":"' + _OID.encode() + b'"},"inTime":1742175983882,"outTime":1742175983883}')
_WELCOME = b'{"sessionId":"92f2aec4","data":"welcome","pingInterval":18000,"pingTimeout":10000}'


class _NullTransport:
    """The asyncio transport under picows' WSTransport: discards what is written."""

    def write(self, data: Any) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return _NoSocket() if name == "socket" else default

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    abort = close


class _NoSocket:
    def fileno(self) -> int:
        return -1  # picows' direct send() fails over to transport.write


def _ws_transport() -> Any:
    import asyncio
    import logging

    from picows.picows import WSTransport

    loop = asyncio.new_event_loop()
    logger = logging.getLogger("benchmarks.micro")
    return loop, WSTransport(True, _NullTransport(), logger, loop)  # type: ignore[call-arg]


def _frame(request_id: int) -> Any:
    from picows import WSMsgType
    from picows.picows import _make_test_ws_frame

    return _make_test_ws_frame(WSMsgType.TEXT, b"%s%d%s" % (_RESP_HEAD, request_id, _RESP_TAIL),
                               True, False)


def _cycle_frame_only() -> Callable[[], Any]:
    counter = iter(range(1, 1 << 62))
    return lambda: _frame(next(counter))


def _cycle_python() -> Callable[[], Any]:
    from picows import WSMsgType

    _, transport = _ws_transport()
    pending: dict[str, Callable[[Any], None]] = {}
    counter = iter(range(1, 1 << 62))
    dumps, loads, text = orjson.dumps, orjson.loads, WSMsgType.TEXT
    done: list[Any] = []

    def run() -> None:
        n = next(counter)
        rid = str(n)
        pending[rid] = done.append
        transport.send(text, dumps({"id": rid, "op": "futures.order",
                                    "args": _WORKLOAD.order(n)}))
        msg = loads(_frame(n).get_payload_as_bytes())
        pending.pop(msg["id"])(msg)
        done.clear()
    return run


def _cycle_kf(build: str) -> Callable[[], Callable[[], Any]]:
    def make() -> Callable[[], Any]:
        from picows import WSMsgType
        from picows.picows import _make_test_ws_frame

        loop, transport = _ws_transport()
        # One write per frame, like the picows + orjson cycle (no loop runs here to flush
        # a deferred write).
        conn = kf_build(build).Connection(loop, ws_key="micro", secret=DEFAULT_API_SECRET.encode(),
                                          request_timeout=3600.0, coalesce_writes=False)
        conn.on_ws_connected(transport)
        for hs in (CHALLENGE, _WELCOME):
            conn.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.TEXT, hs, True, False))
        if not conn.is_ready:
            raise LookupError(f"the {build} Connection did not accept the handshake")
        send, on_frame = conn.request_with_callback, conn.on_ws_frame
        done: list[Any] = []

        def run() -> None:
            rid = send("futures.order", _WORKLOAD.order(12345), done.append)
            on_frame(transport, _frame(rid))
            if not done:
                raise RuntimeError("reply not dispatched")
            done.clear()
        return run
    return make


# ------------------------------------------------------------------- decoding
def _decode_orjson() -> Callable[[], Any]:
    loads = orjson.loads
    pending = {"1234": None}

    def run() -> Any:
        msg = loads(RESPONSE)
        return pending.get(msg["id"]), msg["code"] == "200000", msg["data"]
    return run


def _decode_json() -> Callable[[], Any]:
    loads = json.loads
    pending = {"1234": None}

    def run() -> Any:
        msg = loads(RESPONSE)
        return pending.get(msg["id"]), msg["code"] == "200000", msg["data"]
    return run


#: The first case of each group is the obvious Python equivalent; ratios are against it.
CASES: list[Case] = [
    Case("sign challenge", "hmac+hashlib+base64 (Python)", _sign_python),
    Case("sign challenge", "kucoin_fast sign_challenge", _sign_kf),
    Case("encode order", "orjson.dumps(envelope dict)", _encode_orjson),
    Case("encode order", "json.dumps(envelope dict)", _encode_json),
    Case("encode order", "encode_request (compiled build)", _encode_kf("compiled")),
    Case("encode order", "encode_request (Python build)", _encode_kf("python")),
    Case("encode order", "encode_prepared_order (compiled build)", _encode_prepared_kf("compiled")),
    Case("encode order", "encode_prepared_order (Python build)", _encode_prepared_kf("python")),
    Case("decode response", "orjson.loads + dict lookup", _decode_orjson),
    Case("decode response", "json.loads + dict lookup", _decode_json),
    Case("request cycle", "picows+orjson+dict (Python)", _cycle_python),
    Case("request cycle", "kucoin_fast Connection (compiled build)", _cycle_kf("compiled")),
    Case("request cycle", "kucoin_fast Connection (Python build)", _cycle_kf("python")),
    Case("request cycle", "(response frame construction only)", _cycle_frame_only),
]


#: Timed loops per case; the cases of a group take turns, one loop each per round.
ROUNDS = 7


def _loop_size(timer: timeit.Timer, seconds: float) -> int:
    """Calls per timed loop so that ``ROUNDS`` loops take about ``seconds``."""
    number, took = timer.autorange()
    return max(1, int(number * (seconds / ROUNDS) / max(took, 1e-9)))


def time_group(fns: list[Callable[[], Any]], seconds: float) -> list[float]:
    """ns per call of each callable: the best of ``ROUNDS`` loops, the callables taking
    turns round by round, so a slow spell of the machine (a shared VM's steal, a clock
    change) falls on every case of the group instead of on whichever ran then."""
    timers = [timeit.Timer(fn) for fn in fns]
    sizes = [_loop_size(t, seconds) for t in timers]
    best = [float("inf")] * len(fns)
    for _ in range(ROUNDS):
        for i, (timer, number) in enumerate(zip(timers, sizes, strict=True)):
            best[i] = min(best[i], timer.timeit(number) / number * 1e9)
    return best


def run(seconds: float) -> list[dict[str, Any]]:
    """Time every case, group by group with the cases interleaved; a case that cannot be
    built is returned with ``skipped``."""
    out: list[dict[str, Any]] = []
    ready: dict[str, list[tuple[dict[str, Any], Callable[[], Any]]]] = {}
    for case in CASES:
        row: dict[str, Any] = {"group": case.group, "name": case.name}
        try:
            fn = case.build()
            fn()  # must work before it is timed
        except LookupError as exc:
            row["skipped"] = str(exc)
        else:
            ready.setdefault(case.group, []).append((row, fn))
        out.append(row)
    for group in ready.values():
        for (row, _), ns in zip(group, time_group([fn for _, fn in group], seconds),
                                strict=True):
            row["ns_per_call"] = ns
    # Ratio against the first (Python) entry of each group.
    base: dict[str, float] = {}
    for row in out:
        if "ns_per_call" in row:
            base.setdefault(row["group"], row["ns_per_call"])
            row["vs_first"] = row["ns_per_call"] / base[row["group"]]
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """Plain-text table of the micro-benchmark rows."""
    lines = [f"{'hot path':<16}  {'implementation':<42}  {'ns/call':>9}  {'vs first':>8}",
             "-" * 82]
    for r in rows:
        if "ns_per_call" in r:
            lines.append(f"{r['group']:<16}  {r['name']:<42}  {r['ns_per_call']:9.0f}"
                         f"  {r['vs_first']:8.2f}")
        else:
            lines.append(f"{r['group']:<16}  {r['name']:<42}  {'skipped':>9}  {r['skipped'][:70]}")
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

"""Property test: the compiled fast path answers exactly like the pure-Python path.

Frames are fed straight into the two listeners (no socket), so hypothesis can try
many request texts: random field values, key orders, spacing, duplicate keys, escapes.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from emu_helpers import ACCOUNT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from picows import WSMsgType
from picows.picows import _make_test_ws_frame

from kucoin_fast.emulator import Emulator, _build
from kucoin_fast.emulator._engine import entry_view
from kucoin_fast.emulator._rest import futures_object
from kucoin_fast.emulator._session import ST_AUTHED

pytestmark = pytest.mark.skipif(_build.FAST is None, reason="fast path not built")


class Pair:
    """The same request stream into a fast-path and a Python-only emulator."""

    def __init__(self) -> None:
        self.sides: list[tuple[Emulator, Any, list[bytes]]] = []
        for fast in (True, False):
            em = Emulator([ACCOUNT], fast_path=fast, rate_limit=300)
            em.set_mark_price("XBTUSDTM", "50000")
            session = _build.Session(em.venue, ACCOUNT, None, False)
            session.state = ST_AUTHED
            written: list[bytes] = []
            session.write = written.append
            listener: Any = session
            if fast:
                listener = em.venue.listener(session)
                assert listener is not session
            self.sides.append((em, listener, written))

    def feed(self, payload: bytes) -> tuple[list[Any], list[Any]]:
        outs = []
        for _em, listener, written in self.sides:
            written.clear()
            frame = _make_test_ws_frame(WSMsgType.TEXT, payload, True, False)
            listener.on_ws_frame(None, frame)
            outs.append([_norm(p) for p in _split_frames(b"".join(written))])
        return outs[0], outs[1]

    def state(self, i: int) -> Any:
        em = self.sides[i][0]
        c = em.counters
        book = em.account_state(ACCOUNT)
        # every finished order as the REST lookup describes it (ids and times aside)
        lookups = [{k: v for k, v in futures_object(entry_view(h)).items()
                    if k not in ("id", "createdAt", "updatedAt", "endAt", "orderTime")}
                   for h in book.history]
        return (sorted((o.client_oid, o.symbol, str(o.price)) for o in em.open_orders()),
                c.requests, c.orders_accepted, c.orders_rejected, c.error_replies,
                [h.client_oid + h.status for h in book.history], lookups,
                book.ledger.snapshot())


def _split_frames(data: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        assert data[i] == 0x81
        n = data[i + 1]
        i += 2
        if n == 126:
            n = int.from_bytes(data[i:i + 2], "big")
            i += 2
        out.append(data[i:i + n])
        i += n
    return out


def _norm(payload: bytes) -> Any:
    d = json.loads(payload)
    for k in ("inTime", "outTime"):
        assert isinstance(d.pop(k, 0), int)
    if "userRateLimit" in d:  # reset is time-dependent
        assert 0 < d["userRateLimit"].pop("reset") <= 30000
    data = d.get("data")
    if isinstance(data, dict) and "orderId" in data:
        assert data.pop("orderId").isdigit()
    if isinstance(data, list):
        for item in data:
            oid = item.pop("orderId", None)
            item["has_order_id"] = oid is not None
    return d


scalars = st.one_of(
    st.sampled_from(["buy", "sell", "limit", "market", "XBTUSDTM", "ETHUSDTM", "XBTUSDM", "GTC",
                     "IOC", "RPI", "ISOLATED", "1", "0", "2", "50000", "49999.9", "50000.1",
                     "1000.05", "0.001", "0.0015", "up", "MP", "", "x y"]),
    st.integers(-2, 3), st.sampled_from([True, False, None, 1.5, 50000.0, 10**7]),
)
FIELDS = ["side", "symbol", "type", "price", "size", "qty", "valueQty", "timeInForce",
          "postOnly", "marginMode", "leverage", "stop", "stopPrice", "stopPriceType", "reduceOnly",
          "remark", "hidden", "iceberg", "visibleSize", "closeOrder", "extra"]
client_oids = st.one_of(st.sampled_from(["a", "dup-1", "dup-2", "A_b-9", "x" * 40]),
                        st.text("ab_-Z9", min_size=1, max_size=41),
                        st.sampled_from(["", "a b", "é", 5, None]))


# Mostly-valid variations, so that many requests do take the fast path.
GOOD_EXTRAS: list[tuple[str, Any]] = [
    ("leverage", 10), ("leverage", "5"), ("marginMode", "CROSS"), ("size", "2"),
    ("type", "limit"), ("price", "50000"), ("price", "60000.5"), ("price", 49999.9),
    ("side", "sell"), ("timeInForce", "IOC"), ("timeInForce", "GTC"), ("postOnly", True),
    ("reduceOnly", False), ("remark", "r"), ("symbol", "ETHUSDTM"), ("clientOid", "dup-1"),
]


@st.composite
def order_texts(draw: st.DrawFn, clean: bool | None = None) -> str:
    if clean is None:
        clean = draw(st.booleans())
    coid = draw(st.text("ab_-Z9", min_size=1, max_size=40) if clean else client_oids)
    base: list[tuple[str, Any]] = [("clientOid", coid), ("side", "buy"),
                                   ("symbol", "XBTUSDTM"), ("type", "market"), ("size", 1)]
    for _ in range(draw(st.integers(0, 4))):
        if clean:
            key, value = draw(st.sampled_from(GOOD_EXTRAS))
            base = [(k, v) for k, v in base if k != key] + [(key, value)]
        else:
            base.append((draw(st.sampled_from(FIELDS)), draw(scalars)))
    base = [(k, v) for k, v in base if not (draw(st.booleans()) and k != "clientOid"
                                            and draw(st.integers(0, 5)) == 0)]
    order = draw(st.permutations(base))
    if draw(st.integers(0, 9)) == 0:  # a duplicate key, resolved by the JSON parser
        order = [*order, order[0]]
    sep, colon = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]))
    return "{" + sep.join(json.dumps(k) + colon + json.dumps(v) for k, v in order) + "}"


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    rid = draw(st.sampled_from(["1", "r-2", "3", "4", 'q"x', "é", "a" * 50]))
    if draw(st.integers(0, 3)) == 0:
        clean = draw(st.sampled_from([True, True, None]))
        items = draw(st.lists(order_texts(clean), min_size=0, max_size=22))
        op, args = "futures.multi_order", "[" + ",".join(items) + "]"
    else:
        op, args = "futures.order", draw(order_texts())
    parts = [f'"id":{json.dumps(rid)}', f'"op":"{op}"', f'"args":{args}']
    parts = draw(st.permutations(parts))
    return ("{" + ",".join(parts) + "}").encode()


def test_state_constant_agrees() -> None:
    assert _build.FAST is not None
    assert _build.FAST.ST_AUTHED == ST_AUTHED


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(requests(), min_size=1, max_size=12))
def test_fast_path_matches_python_path(stream: list[bytes]) -> None:
    pair = Pair()
    for payload in stream:
        fast, slow = pair.feed(payload)
        assert fast == slow, payload
    assert pair.state(0) == pair.state(1)

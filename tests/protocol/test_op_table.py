"""The op table is complete: every row has a validator, an encoder path (both builds write
the same bytes), a weight, a family, a result type, a lookup family, a client method and
an emulator handler; the client's methods return what their rows say, over loopback."""
from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from kf_shared import COMPILED, IMPLS, KEY, PASSPHRASE, PYTHON, SECRET

from kucoin_fast import WebsocketAPIClient
from kucoin_fast._core.build import WSAPIResponse
from kucoin_fast._protocol import ops as _ops
from kucoin_fast._protocol.results import Reply, Response
from kucoin_fast._protocol.validate import Violation
from kucoin_fast._recovery.rest import REST_URLS, family_of
from kucoin_fast.emulator import Account, Emulator
from kucoin_fast.emulator._ops import OPS as HANDLERS

FUTURES_ORDER = {"side": "buy", "symbol": "XBTUSDTM", "type": "limit", "price": "50000",
                 "size": 1, "leverage": 5}
SPOT_ORDER = {"side": "buy", "symbol": "BTC-USDT", "type": "limit", "price": "50000",
              "size": "0.001"}

#: A valid request of every op, in an order that works against one account: each cancel
#: or modify names an order a step before it placed (resting: bought far below market).
SAMPLES: list[tuple[str, Any]] = [
    ("futures.order", dict(FUTURES_ORDER, clientOid="f-1")),
    ("futures.cancel", {"clientOid": "f-1", "symbol": "XBTUSDTM"}),
    ("futures.multi_order", [dict(FUTURES_ORDER, clientOid="f-2"),
                             dict(FUTURES_ORDER, clientOid="f-3")]),
    ("futures.multi_cancel", {"clientOidsList": [{"symbol": "XBTUSDTM", "clientOid": "f-2"},
                                                 {"symbol": "XBTUSDTM", "clientOid": "f-3"}]}),
    ("spot.order", dict(SPOT_ORDER, clientOid="s-1")),
    ("spot.modify", {"symbol": "BTC-USDT", "clientOid": "s-1", "newPrice": "49000"}),
    ("spot.cancel", {"symbol": "BTC-USDT", "clientOid": "s-1"}),
    ("spot.sync_order", dict(SPOT_ORDER, clientOid="s-2")),
    ("spot.sync_cancel", {"symbol": "BTC-USDT", "clientOid": "s-2"}),
    ("margin.order", dict(SPOT_ORDER, clientOid="m-1")),
    ("margin.cancel", {"symbol": "BTC-USDT", "clientOid": "m-1"}),
]
SAMPLE: Mapping[str, Any] = dict(SAMPLES)
FAST_PATHS = {value for name, value in vars(_ops).items() if name.startswith("FAST_")}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _return_type(method: Callable[..., Any]) -> Any:
    """The class a client method's call resolves to (a coroutine's result type)."""
    hint = typing.get_type_hints(method)["return"]
    args = typing.get_args(hint)
    return args[-1] if typing.get_origin(hint) is not None and args else hint


def problems(table: Mapping[str, _ops.Op[Any]], handlers: Mapping[str, Any],
             samples: Mapping[str, Any]) -> list[str]:
    """Every gap between the op table, the client, the emulator and the samples."""
    out: list[str] = []
    for name, row in table.items():
        def gap(what: str, row_name: str = name) -> None:
            out.append(f"{row_name}: {what}")
        if row.name != name:
            gap("keyed under another name")
        if name not in samples:
            gap("no sample request in SAMPLES")
        elif row.validate(samples[name], strict_keys=True) is not None:
            gap("its sample is refused by its validator")
        if row.validate(object(), strict_keys=True) is None:
            gap("its validator accepts anything")
        if type(row.weight) is not int or row.weight < 1:
            gap("no positive weight")
        if row.family not in _ops.FAMILIES:
            gap(f"family {row.family!r} is none of {_ops.FAMILIES}")
        if row.lookup not in REST_URLS:
            gap(f"lookup family {row.lookup!r} has no REST host")
        if row.result is not None and not (isinstance(row.result, type)
                                           and issubclass(row.result, Reply)):
            gap("its result is not a typed result class")
        if row.fast_path not in FAST_PATHS:
            gap("its fast path is not one the encoder has")
        if row.batch_max is not None and row.oids == _ops.OIDS_ONE:
            gap("a batch op whose args carry one clientOid")
        method = getattr(WebsocketAPIClient, row.method, None)
        if method is None:
            gap(f"the client has no method {row.method}")
        else:
            if getattr(WebsocketAPIClient, _camel(row.method), None) is not method:
                gap(f"no Node alias {_camel(row.method)}")
            if _return_type(method) is not (row.result or WSAPIResponse):
                gap(f"{row.method} does not return its row's result type")
        handler = handlers.get(name)
        if handler is None:
            gap("no emulator handler")
        elif (handler.family, handler.weight, handler.batch_max, handler.limited) \
                != (row.family, row.weight, row.batch_max, True):
            gap("the emulator's handler disagrees with the row")
    for name, handler in handlers.items():
        if name not in table and handler.family != _ops.CONTROL:
            out.append(f"{name}: an emulator handler with no row")
    return out


def test_every_row_is_complete() -> None:
    assert problems(_ops.OPS, HANDLERS, SAMPLE) == []


def test_a_gap_is_reported() -> None:
    extra = _ops.Op("spot.batch_order", _ops.SPOT, 0, _ops.SPOT_ORDER.validate, None,
                    "submit_spot_batch", "uta")
    found = problems({**_ops.OPS, extra.name: extra}, HANDLERS, SAMPLE)
    assert found == ["spot.batch_order: no sample request in SAMPLES",
                     "spot.batch_order: no positive weight",
                     "spot.batch_order: lookup family 'uta' has no REST host",
                     "spot.batch_order: the client has no method submit_spot_batch",
                     "spot.batch_order: no emulator handler"]
    handlers = {k: v for k, v in HANDLERS.items() if k != "margin.cancel"}
    assert problems(_ops.OPS, handlers, SAMPLE) == ["margin.cancel: no emulator handler"]


def test_the_derived_facts_follow_the_rows() -> None:
    assert _ops.REPLY_OPS == (*_ops.OPS, _ops.OP_PONG)
    assert _ops.WEIGHTS == {name: row.weight for name, row in _ops.OPS.items()}
    for name, row in _ops.OPS.items():
        assert family_of(name) == row.lookup
    assert family_of("uta.order") == _ops.FUTURES
    assert _ops.validate_request("uta.order", {}) == Violation(
        "400100", "op", "must be one of " + ", ".join(sorted(_ops.OPS)))


@pytest.mark.parametrize("op,args", SAMPLES, ids=[op for op, _ in SAMPLES])
def test_both_builds_encode_every_op_alike(op: str, args: Any) -> None:
    if COMPILED is None:
        pytest.skip("compiled extensions are not built")
    frames, refs = [], []
    for impl in IMPLS:
        buf = impl.encode.FrameBuffer()
        impl.encode.encode_request(buf, 7, op, args)
        frames.append(buf.getvalue())
        refs.append(buf.ref)
    assert json.loads(frames[0]) == {"id": "7", "op": op, "args": args}
    assert frames[1:] == frames[:-1] and refs[1:] == refs[:-1]
    oids = _ops.client_oids_of(op, args)
    assert refs[0] == (oids[0] if _ops.OPS[op].oids == _ops.OIDS_ONE else oids)


def test_responses_satisfy_the_response_protocol() -> None:
    builds = [PYTHON] + ([COMPILED] if COMPILED is not None else [])
    for impl in builds:
        reply = impl.WSAPIResponse("1", "futures.order", "200000", None, {"orderId": "9"})
        assert isinstance(reply, Response), impl.name
        members = {name for name in vars(Response) if not name.startswith("_")}
        assert members <= set(dir(reply)), (impl.name, members - set(dir(reply)))


def test_each_method_returns_its_rows_result(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with Emulator(accounts=[Account(KEY, SECRET, PASSPHRASE)],
                            rate_limit=None) as ex:
            client = WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url=ex.url,
                                        request_timeout=5.0, connect_timeout=5.0)
            async with client:
                for op, args in SAMPLES:
                    row = _ops.OPS[op]
                    result = await getattr(client, row.method)(args)
                    assert type(result) is (row.result or client_impl.WSAPIResponse), op
                    assert result.op == op and result.code == "200000", (op, result)
                    assert getattr(result, "ok", True), (op, result)
    arun(main())

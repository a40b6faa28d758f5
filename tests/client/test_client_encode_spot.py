"""Encoder tests of the spot and margin ops: compiled-vs-Python byte identity, verdicts
identical to ``_rules`` (property tests), prepared spot orders, and the futures frame
unchanged by the new tables."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kf_helpers import COMPILED_OR_SKIP
from test_client_encode import (
    PROFILE,
    WEIRD_VALUES,
    _assert_same_verdict,
    _frame,
    client_oid,
    dec_value,
    int_value,
    some_text,
)

from kucoin_fast import InvalidParamsError
from kucoin_fast._core import encode_py as _encode_py
from kucoin_fast._protocol import fields as _fields
from kucoin_fast._protocol import ops as _ops
from kucoin_fast._protocol import validate as _validate

SPOT_OPS = (_ops.OP_SPOT_ORDER, _ops.OP_SPOT_SYNC_ORDER)
CANCEL_OPS = (_ops.OP_SPOT_CANCEL, _ops.OP_SPOT_SYNC_CANCEL, _ops.OP_MARGIN_CANCEL)
ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1,
                     max_size=_fields.SPOT_TEXT_MAX)


@st.composite
def valid_spot_orders(draw: st.DrawFn, margin: bool = False) -> dict[str, Any]:
    """Orders ``_validate.validate_spot_order`` accepts, every optional field exercised."""
    order: dict[str, Any] = {"symbol": draw(st.sampled_from(["BTC-USDT", "ETH-USDT"])),
                             "side": draw(st.sampled_from(_fields.SIDES))}
    if margin or draw(st.booleans()):
        order["clientOid"] = draw(client_oid)
    order_type = draw(st.sampled_from(["limit", "market"] + ([None] if margin else [])))
    if order_type is not None:
        order["type"] = order_type
    if order_type == "market":
        order[draw(st.sampled_from(_fields.SPOT_SIZE_FIELDS))] = draw(dec_value)
        if draw(st.booleans()):
            order["timeInForce"] = "GTC"
        if draw(st.booleans()):
            order["stp"] = draw(st.sampled_from(["CO", "CN", "CB"]))
    else:
        order["price"] = draw(dec_value)
        order["size"] = draw(st.sampled_from(["1", "2.5", 3, "10"]))
        tif = draw(st.sampled_from([None, *_fields.SPOT_TIME_IN_FORCE]))
        if tif is not None:
            order["timeInForce"] = tif
        if tif == "GTT":
            order["cancelAfter"] = draw(int_value)
        if tif not in ("IOC", "FOK") and draw(st.booleans()):
            order["postOnly"] = draw(st.booleans())
        if draw(st.booleans()):
            order["iceberg"] = True
            order["visibleSize"] = draw(st.sampled_from(["0.5", "1", 1, "2.5"]))
        if draw(st.booleans()):
            order["stp"] = draw(st.sampled_from(_fields.SPOT_STP_VALUES))
    for name in ("hidden",) + (("isIsolated", "autoBorrow", "autoRepay") if margin else ()):
        if draw(st.booleans()):
            order[name] = draw(st.booleans())
    for name in ("tags", "remark"):
        if draw(st.booleans()):
            order[name] = draw(ascii_text)
    if draw(st.booleans()):
        order["allowMaxTimeWindow"] = draw(int_value)
        order["clientTimestamp"] = draw(int_value)
    keys = draw(st.permutations(list(order)))
    result = {k: order[k] for k in keys}
    assert _validate.validate_spot_order(result, margin=margin) is None, \
        _validate.validate_spot_order(result, margin=margin)
    return result


@st.composite
def mutated_spot_orders(draw: st.DrawFn, margin: bool = False) -> dict[str, Any]:
    order = dict(draw(valid_spot_orders(margin)))
    table = _fields.MARGIN_ORDER_FIELDS if margin else _fields.SPOT_ORDER_FIELDS
    fields = [*table, "clientOID", "qty", "leverage", ""]
    values = [*WEIRD_VALUES, "GTT", "FOK", "DC", "market", "limit", "x" * 21, "é", "0.01"]
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()) and order:
            order.pop(draw(st.sampled_from(sorted(order))))
        else:
            order[draw(st.sampled_from(fields))] = draw(st.sampled_from(values))
    return order


# ---------------------------------------------------------------- properties
@COMPILED_OR_SKIP
@PROFILE
@given(op_order=st.one_of(st.tuples(st.sampled_from(SPOT_OPS), valid_spot_orders()),
                          st.tuples(st.just(_ops.OP_MARGIN_ORDER),
                                    valid_spot_orders(margin=True))),
       request_id=st.integers(1, 10**17))
def test_compiled_and_python_spot_frames_are_byte_identical(
        op_order: tuple[str, dict[str, Any]], request_id: int) -> None:
    from kucoin_fast._core import encode as _encode
    op, order = op_order
    frame = _frame(_encode, request_id, op, order)
    assert frame == _frame(_encode_py, request_id, op, order)
    assert json.loads(frame) == {"id": str(request_id), "op": op, "args": order}


@PROFILE
@given(order=mutated_spot_orders(), op=st.sampled_from(SPOT_OPS))
def test_spot_order_verdicts_match_rules(impl: Any, order: dict[str, Any], op: str) -> None:
    _assert_same_verdict(impl, op, order)


@PROFILE
@given(order=st.one_of(mutated_spot_orders(margin=True), valid_spot_orders(margin=True)))
def test_margin_order_verdicts_match_rules(impl: Any, order: dict[str, Any]) -> None:
    _assert_same_verdict(impl, _ops.OP_MARGIN_ORDER, order)


@PROFILE
@given(args=st.dictionaries(st.sampled_from([*_fields.SPOT_ORDER_FIELDS, "x"]),
                            st.sampled_from([*WEIRD_VALUES, "BTC-USDT", "GTT", "1"]),
                            max_size=10),
       op=st.sampled_from((*SPOT_OPS, _ops.OP_MARGIN_ORDER)))
def test_arbitrary_spot_dict_verdicts_match_rules(impl: Any, args: dict[str, Any],
                                                  op: str) -> None:
    _assert_same_verdict(impl, op, args)


cancel_values = st.sampled_from([*WEIRD_VALUES, "670fd33bf9406e0007ab3945", "BTC-USDT", "mm-1"])


@PROFILE
@given(args=st.one_of(
    st.dictionaries(st.sampled_from(["orderId", "clientOid", "symbol", "orderID"]),
                    cancel_values, max_size=3),
    st.sampled_from(WEIRD_VALUES)), op=st.sampled_from(CANCEL_OPS))
def test_spot_cancel_verdicts_match_rules(impl: Any, args: Any, op: str) -> None:
    _assert_same_verdict(impl, op, args)


@PROFILE
@given(args=st.dictionaries(
    st.sampled_from(["orderId", "clientOid", "symbol", "newPrice", "newSize", "price"]),
    st.one_of(cancel_values, dec_value), max_size=5))
def test_spot_modify_verdicts_match_rules(impl: Any, args: Any) -> None:
    _assert_same_verdict(impl, _ops.OP_SPOT_MODIFY, args)


@COMPILED_OR_SKIP
@PROFILE
@given(args=st.fixed_dictionaries({"symbol": st.sampled_from(["BTC-USDT", "ETH-USDT"])},
                                  optional={"orderId": client_oid, "clientOid": some_text}),
       op=st.sampled_from(CANCEL_OPS))
def test_spot_cancel_frames_are_byte_identical(args: dict[str, Any], op: str) -> None:
    from kucoin_fast._core import encode as _encode
    if _ops.validate_request(op, args) is None:
        assert _frame(_encode, 4, op, args) == _frame(_encode_py, 4, op, args)


# ----------------------------------------------------------- prepared orders
SPOT_TEMPLATE = {"clientOid": "tpl", "side": "buy", "symbol": "BTC-USDT", "type": "limit",
                 "price": "1", "size": "0.001", "timeInForce": "GTC"}


@PROFILE
@given(price=st.one_of(st.none(), dec_value, st.sampled_from(WEIRD_VALUES)),
       size=st.one_of(dec_value, st.sampled_from(WEIRD_VALUES)),
       coid=st.one_of(client_oid, st.sampled_from(WEIRD_VALUES)),
       kind=st.sampled_from(["limit", "market-size", "market-funds", "iceberg"]))
def test_prepared_spot_order_matches_full_order(impl: Any, price: Any, size: Any, coid: Any,
                                                kind: str) -> None:
    template: dict[str, Any] = dict(SPOT_TEMPLATE)
    if kind.startswith("market"):
        template = {k: v for k, v in template.items() if k not in ("price", "timeInForce")}
        template["type"] = "market"
        if kind == "market-funds":
            template["funds"] = template.pop("size")
    elif kind == "iceberg":
        template.update(iceberg=True, visibleSize="0.0001")
    tpl = impl.encode.OrderTemplate(template, _ops.OP_SPOT_ORDER)
    assert tpl.op == _ops.OP_SPOT_ORDER
    assert tpl.size_field == ("funds" if kind == "market-funds" else "size")
    full = tpl.as_order(price, size, coid)
    expected = _ops.validate_request(_ops.OP_SPOT_ORDER, full)
    buf = impl.encode.FrameBuffer()
    if expected is None:
        impl.encode.encode_prepared_order(buf, 9, tpl, price, size, coid)
        assert json.loads(buf.getvalue()) == {"id": "9", "op": "spot.order", "args": full}
        assert buf.ref == coid
    else:
        with pytest.raises(InvalidParamsError) as info:
            impl.encode.encode_prepared_order(buf, 9, tpl, price, size, coid)
        assert info.value.violation == expected and info.value.op == "spot.order"


@COMPILED_OR_SKIP
@settings(PROFILE, max_examples=60)
@given(price=dec_value, size=dec_value, coid=client_oid)
def test_prepared_spot_compiled_and_python_byte_identical(price: Any, size: Any,
                                                          coid: str) -> None:
    from kucoin_fast._core import encode as _encode
    frames = []
    for module in (_encode, _encode_py):
        buf = module.FrameBuffer()
        tpl = module.OrderTemplate(SPOT_TEMPLATE, _ops.OP_SPOT_ORDER)
        module.encode_prepared_order(buf, 3, tpl, price, size, coid)
        frames.append(buf.getvalue())
    assert frames[0] == frames[1]


def test_prepared_template_ops(impl: Any) -> None:
    assert impl.encode.OrderTemplate({"clientOid": "a", "side": "buy", "symbol": "XBTUSDTM",
                                      "type": "market", "size": 1}).op == "futures.order"
    with pytest.raises(ValueError):
        impl.encode.OrderTemplate(dict(SPOT_TEMPLATE), _ops.OP_MARGIN_ORDER)
    with pytest.raises(InvalidParamsError) as info:  # a futures template is no spot order
        impl.encode.OrderTemplate({"clientOid": "a", "side": "buy", "symbol": "XBTUSDTM",
                                   "type": "market", "qty": "1"}, _ops.OP_SPOT_ORDER)
    assert info.value.field == "qty" and info.value.op == "spot.order"
    with pytest.raises(InvalidParamsError, match="funds: is only for market orders"):
        impl.encode.OrderTemplate({"side": "buy", "symbol": "BTC-USDT", "type": "limit",
                                   "price": "1", "size": "1", "funds": "1"},
                                  _ops.OP_SPOT_ORDER)


# ------------------------------------------------------------------ examples
def test_spot_frames_and_refs(impl: Any) -> None:
    buf = impl.encode.FrameBuffer()
    order = {"symbol": "BTC-USDT", "side": "buy", "type": "market", "funds": "10"}
    impl.encode.encode_request(buf, 7, _ops.OP_SPOT_ORDER, order)
    assert buf.getvalue() == (b'{"id":"7","op":"spot.order","args":{"symbol":"BTC-USDT",'
                              b'"side":"buy","type":"market","funds":"10"}}')
    assert buf.ref is None  # no clientOid: nothing to reconcile by
    impl.encode.encode_request(buf, 8, _ops.OP_SPOT_CANCEL,
                               {"symbol": "BTC-USDT", "clientOid": "c-1"})
    assert buf.ref == "c-1"
    impl.encode.encode_request(buf, 9, _ops.OP_SPOT_MODIFY,
                               {"symbol": "BTC-USDT", "clientOid": "c-2", "newSize": "1"})
    assert buf.ref == "c-2"
    assert json.loads(buf.getvalue())["op"] == "spot.modify"


def test_margin_template_default_type_is_limit(impl: Any) -> None:
    order = {"clientOid": "m", "symbol": "BTC-USDT", "side": "buy", "size": "1"}
    with pytest.raises(InvalidParamsError) as info:
        _frame(impl.encode, 1, _ops.OP_MARGIN_ORDER, order)
    assert (info.value.field, info.value.rule) == ("price", "is required for limit orders")
    assert json.loads(_frame(impl.encode, 1, _ops.OP_MARGIN_ORDER, dict(order, price="2")))[
        "args"]["price"] == "2"

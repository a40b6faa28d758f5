"""Encoder tests: JSON round trips, escaping, compiled-vs-Python byte identity, and
verdicts identical to ``_ops.validate_request`` (property tests with hypothesis)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kf_helpers import COMPILED_OR_SKIP

from kucoin_fast import InvalidParamsError
from kucoin_fast._core import encode_py as _encode_py
from kucoin_fast._protocol import fields as _fields
from kucoin_fast._protocol import ops as _ops
from kucoin_fast._protocol import validate as _validate

PROFILE = settings(max_examples=150, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                          HealthCheck.function_scoped_fixture])

# ----------------------------------------------------------------- strategies
# Text without surrogates round-trips through JSON exactly; lone surrogates are
# covered by an example test (a Python str may hold a surrogate *pair* as two code
# points, which JSON cannot keep apart).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
nasty_text = st.text(st.sampled_from(['"', "\\", "\n", "\r", "\t", "\b", "\f", "\x00", "\x01",
                                      "\x1f", "\x7f", "é", "€", "😀", "\u2028", "a", "/"]),
                     max_size=20)
some_text = st.one_of(any_text, nasty_text)
client_oid = st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)
positive_int = st.integers(min_value=1, max_value=10**_fields.INT_MAX_DIGITS - 1)
int_string = st.from_regex(r"0{0,4}[1-9][0-9]{0,12}", fullmatch=True)
dec_string = st.from_regex(r"[0-9]{1,8}(\.[0-9]{1,8})?", fullmatch=True).filter(
    lambda s: any(c not in "0." for c in s))
# Floats a user would type: at most 12 significant digits (0.1 + 0.2 is not one of them).
positive_float = st.floats(min_value=1e-9, max_value=1e12, allow_nan=False,
                           allow_infinity=False).map(lambda f: float(f"{f:.12g}"))
dec_value = st.one_of(dec_string, positive_int, positive_float,
                      st.integers(min_value=1, max_value=10**_fields.DEC_MAX_CHARS - 1))
int_value = st.one_of(positive_int, int_string)


@st.composite
def valid_orders(draw: st.DrawFn) -> dict[str, Any]:
    """Orders ``_validate.validate_order`` accepts, with every optional field exercised."""
    order: dict[str, Any] = {}
    close_order = draw(st.booleans()) and draw(st.booleans())
    order["clientOid"] = draw(client_oid)
    if not close_order or draw(st.booleans()):
        order["side"] = draw(st.sampled_from(_fields.SIDES))
    order["symbol"] = draw(st.one_of(st.sampled_from(["XBTUSDTM", "ETHUSDTM"]),
                                     some_text.filter(bool)))
    order_type = draw(st.sampled_from(["limit", "market", None]))
    if order_type is not None:
        order["type"] = order_type
    if order_type in ("limit", None) or draw(st.booleans()):
        order["price"] = draw(dec_value)
    if not close_order or draw(st.booleans()):
        size_field = draw(st.sampled_from(_fields.SIZE_FIELDS))
        order[size_field] = draw(int_value if size_field == "size" else dec_value)
    if close_order:
        order["closeOrder"] = True
    if draw(st.booleans()):
        order["leverage"] = draw(int_value)
    for name, choices in (("marginMode", _fields.MARGIN_MODES),
                          ("positionSide", _fields.POSITION_SIDES), ("stp", _fields.STP_VALUES)):
        if draw(st.booleans()):
            order[name] = draw(st.sampled_from(choices))
    post_only = draw(st.booleans())
    if post_only:
        order["postOnly"] = True
        if draw(st.booleans()):
            order["timeInForce"] = draw(st.sampled_from(["GTC", "RPI"]))
    else:
        if draw(st.booleans()):
            order["timeInForce"] = draw(st.sampled_from(_fields.TIME_IN_FORCE))
        if draw(st.booleans()):
            order["hidden"] = draw(st.booleans())
        if draw(st.booleans()):
            order["iceberg"] = True
            order["visibleSize"] = draw(dec_value)
    for name in ("reduceOnly", "forceHold"):
        if draw(st.booleans()):
            order[name] = draw(st.booleans())
    if draw(st.booleans()):
        order["stop"] = draw(st.sampled_from(_fields.STOP_DIRECTIONS))
        order["stopPriceType"] = draw(st.sampled_from(_fields.STOP_PRICE_TYPES))
        order["stopPrice"] = draw(dec_value)
    if draw(st.booleans()):
        order["remark"] = draw(some_text.filter(lambda s: 0 < len(s) <= _fields.REMARK_MAX))
    # Shuffle the key order: the encoder must keep whatever order it is given.
    keys = draw(st.permutations(list(order)))
    result = {k: order[k] for k in keys}
    assert _validate.validate_order(result) is None, _validate.validate_order(result)
    return result


WEIRD_VALUES = [None, 0, -1, 1, 2**70, -(2**70), "", " ", "0", "00", "0.0", "01", "1.", ".5",
                "1e3", "-1", "+1", "１", "1.5", "abc", 1.5, 0.0, -0.5, float("nan"),
                float("inf"), True, False, [], {}, ["x"], {"a": 1}, "buy", "limit", "IOC",
                "x" * 41, "x" * 101, "ok_id-1", "bad id", "é"]


@st.composite
def mutated_orders(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly-invalid orders: a valid order with one to three random mutations."""
    order = dict(draw(valid_orders()))
    fields = list(_fields.ORDER_FIELDS) + ["clientOID", "foo", "", "Price"]
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["set", "drop", "add"]))
        if action == "drop" and order:
            order.pop(draw(st.sampled_from(sorted(order))))
        else:
            name = draw(st.sampled_from(fields))
            order[name] = draw(st.sampled_from(WEIRD_VALUES))
    return order


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                         st.floats(allow_nan=False, allow_infinity=False), any_text, nasty_text)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)), max_leaves=12)


def _frame(encode_module: Any, request_id: int, op: str, args: Any) -> bytes:
    buf = encode_module.FrameBuffer()
    size = encode_module.encode_request(buf, request_id, op, args)
    payload: bytes = buf.getvalue()
    assert len(payload) == size
    return payload


# ---------------------------------------------------------------- properties
@PROFILE
@given(order=valid_orders(), request_id=st.integers(1, 10**17))
def test_valid_order_round_trips(impl: Any, order: dict[str, Any], request_id: int) -> None:
    payload = _frame(impl.encode, request_id, _ops.OP_ORDER, order)
    assert json.loads(payload) == {"id": str(request_id), "op": _ops.OP_ORDER, "args": order}
    assert payload.startswith(b'{"id":"%d","op":"futures.order","args":{' % request_id)


@COMPILED_OR_SKIP
@PROFILE
@given(order=valid_orders(), request_id=st.integers(1, 10**17))
def test_compiled_and_python_orders_are_byte_identical(order: dict[str, Any],
                                                       request_id: int) -> None:
    from kucoin_fast._core import encode as _encode
    assert _frame(_encode, request_id, _ops.OP_ORDER, order) == \
        _frame(_encode_py, request_id, _ops.OP_ORDER, order)


@COMPILED_OR_SKIP
@PROFILE
@given(value=json_values)
def test_compiled_and_python_generic_values_are_byte_identical(value: Any) -> None:
    """Arbitrary JSON through the generic writer (a futures cancel's clientOid beside its
    orderId is not checked by the rules, so any value can reach it)."""
    from kucoin_fast._core import encode as _encode
    args = {"orderId": "1", "clientOid": value}
    compiled = _frame(_encode, 7, _ops.OP_CANCEL, args)
    assert compiled == _frame(_encode_py, 7, _ops.OP_CANCEL, args)
    assert json.loads(compiled)["args"] == args


@PROFILE
@given(text=some_text)
def test_strings_round_trip(impl: Any, text: str) -> None:
    order = {"clientOid": "a", "side": "buy", "symbol": text or "x", "type": "market",
             "size": 1, "remark": text[:100] or "r"}
    assert json.loads(_frame(impl.encode, 1, _ops.OP_ORDER, order))["args"] == order


@PROFILE
@given(order=mutated_orders())
def test_order_verdicts_match_rules(impl: Any, order: dict[str, Any]) -> None:
    _assert_same_verdict(impl, _ops.OP_ORDER, order)


@PROFILE
@given(args=st.dictionaries(st.sampled_from(list(_fields.ORDER_FIELDS) + ["x", "clientOID"]),
                            st.sampled_from(WEIRD_VALUES + ["XBTUSDTM", "a-1"]), max_size=12))
def test_arbitrary_dict_verdicts_match_rules(impl: Any, args: dict[str, Any]) -> None:
    _assert_same_verdict(impl, _ops.OP_ORDER, args)


@settings(PROFILE, max_examples=50)
@given(orders=st.lists(st.one_of(valid_orders(), mutated_orders()), min_size=0, max_size=21))
def test_multi_order_verdicts_match_rules(impl: Any, orders: list[dict[str, Any]]) -> None:
    _assert_same_verdict(impl, _ops.OP_MULTI_ORDER, orders)


cancel_values = st.sampled_from(WEIRD_VALUES + ["403371203999346688", "XBTUSDTM", "mm-1"])


@PROFILE
@given(args=st.one_of(
    st.dictionaries(st.sampled_from(["orderId", "clientOid", "symbol", "orderID"]), cancel_values,
                    max_size=3),
    st.sampled_from(WEIRD_VALUES)))
def test_cancel_verdicts_match_rules(impl: Any, args: Any) -> None:
    _assert_same_verdict(impl, _ops.OP_CANCEL, args)


@PROFILE
@given(args=st.one_of(
    st.fixed_dictionaries({"orderIdsList": st.lists(cancel_values, max_size=12)}),
    st.fixed_dictionaries({"clientOidsList": st.lists(st.one_of(
        st.dictionaries(st.sampled_from(["symbol", "clientOid", "x"]), cancel_values, max_size=3),
        cancel_values), max_size=12)}),
    st.dictionaries(st.sampled_from(["orderIdsList", "clientOidsList", "x"]),
                    st.sampled_from(WEIRD_VALUES), max_size=2)))
def test_multi_cancel_verdicts_match_rules(impl: Any, args: Any) -> None:
    _assert_same_verdict(impl, _ops.OP_MULTI_CANCEL, args)


def _assert_same_verdict(impl: Any, op: str, args: Any) -> None:
    expected = _ops.validate_request(op, args, strict_keys=True)
    buf = impl.encode.FrameBuffer()
    if expected is None:
        try:
            impl.encode.encode_request(buf, 1, op, args)
        except InvalidParamsError as exc:
            # Valid per the rules, but not representable in JSON (NaN in an extra key).
            assert "JSON" in exc.rule
            return
        assert json.loads(buf.getvalue())["args"] == args
    else:
        with pytest.raises(InvalidParamsError) as info:
            impl.encode.encode_request(buf, 1, op, args)
        assert info.value.violation == expected
        assert (info.value.code, info.value.field, info.value.rule) == expected
        assert isinstance(info.value, ValueError)
        assert expected.msg in str(info.value)
    assert impl.encode.validate_request(op, args) == expected or expected is None


# ------------------------------------------------------------------ examples
def test_escapes_exactly(impl: Any) -> None:
    order = {"clientOid": "a", "side": "buy", "symbol": 'q"b\\s\n\r\t\b\f\x00\x1f\x7fé€😀\ud800',
             "type": "market", "size": 1}
    payload = _frame(impl.encode, 5, _ops.OP_ORDER, order)
    assert b'"symbol":"q\\"b\\\\s\\n\\r\\t\\b\\f\\u0000\\u001f\x7f' in payload
    assert "é€😀".encode() in payload
    assert b"\\ud800" in payload  # a lone surrogate has no UTF-8 form: escaped
    assert json.loads(payload)["args"] == order


def test_ping_frame(impl: Any) -> None:
    buf = impl.encode.FrameBuffer()
    assert impl.encode.encode_ping(buf, 42) == len(b'{"id":"ping-42","op":"ping"}')
    assert buf.getvalue() == b'{"id":"ping-42","op":"ping"}'


def test_buffer_keeps_headroom_and_grows(impl: Any) -> None:
    buf = impl.encode.FrameBuffer()
    assert buf.headroom >= 14  # picows writes the frame header in front
    big = {"clientOid": "a", "side": "buy", "symbol": "é" * 5000, "type": "market", "size": 1}
    payload = _frame(impl.encode, 1, _ops.OP_ORDER, big)
    assert json.loads(payload)["args"] == big
    assert _frame(impl.encode, 2, _ops.OP_PING if False else _ops.OP_CANCEL,
                  {"orderId": "1"}) == b'{"id":"2","op":"futures.cancel","args":{"orderId":"1"}}'


def test_unknown_op_and_non_json_values(impl: Any) -> None:
    with pytest.raises(InvalidParamsError) as info:
        _frame(impl.encode, 1, "futures.nope", {})
    assert info.value.field == "op"
    args = {"orderId": "1", "clientOid": object()}  # beside orderId, clientOid is not checked
    with pytest.raises(InvalidParamsError, match="JSON"):
        _frame(impl.encode, 1, _ops.OP_CANCEL, args)
    args = {"clientOidsList": [{"symbol": "X", "clientOid": "a", "clientOID": "b"}]}
    with pytest.raises(InvalidParamsError) as info:
        _frame(impl.encode, 1, _ops.OP_MULTI_CANCEL, args)
    assert (info.value.field, info.value.rule) == (
        "clientOidsList[0].clientOID",
        "is not a futures batch-cancel item field (did you mean clientOid?)")


def test_typo_in_key_is_rejected_before_sending(impl: Any) -> None:
    order = {"clientOID": "a", "clientOid": "b", "side": "buy", "symbol": "XBTUSDTM",
             "type": "market", "size": 1}
    with pytest.raises(InvalidParamsError) as info:
        _frame(impl.encode, 1, _ops.OP_ORDER, order)
    assert info.value.field == "clientOID"
    assert info.value.rule == "is not a futures order field (did you mean clientOid?)"


# ----------------------------------------------------------- prepared orders
TEMPLATE = {"clientOid": "tpl", "side": "buy", "symbol": "XBTUSDTM", "type": "limit",
            "price": "1", "qty": "0.01", "leverage": 10, "marginMode": "CROSS"}


@PROFILE
@given(price=st.one_of(st.none(), dec_value, st.sampled_from(WEIRD_VALUES)),
       size=st.one_of(dec_value, st.sampled_from(WEIRD_VALUES)),
       coid=st.one_of(client_oid, st.sampled_from(WEIRD_VALUES)),
       market=st.booleans())
def test_prepared_order_matches_full_order(impl: Any, price: Any, size: Any, coid: Any,
                                           market: bool) -> None:
    template = dict(TEMPLATE, type="market") if market else TEMPLATE
    tpl = impl.encode.OrderTemplate(template)
    full = tpl.as_order(price, size, coid)
    expected = _validate.validate_order(full)
    buf = impl.encode.FrameBuffer()
    if expected is None:
        impl.encode.encode_prepared_order(buf, 9, tpl, price, size, coid)
        assert json.loads(buf.getvalue()) == {"id": "9", "op": "futures.order", "args": full}
    else:
        with pytest.raises(InvalidParamsError) as info:
            impl.encode.encode_prepared_order(buf, 9, tpl, price, size, coid)
        assert info.value.violation == expected


@COMPILED_OR_SKIP
@PROFILE
@given(price=st.one_of(st.none(), dec_value), size=dec_value, coid=client_oid)
def test_prepared_compiled_and_python_byte_identical(price: Any, size: Any, coid: str) -> None:
    from kucoin_fast._core import encode as _encode
    template = dict(TEMPLATE, type="market")
    frames = []
    for module in (_encode, _encode_py):
        buf = module.FrameBuffer()
        module.encode_prepared_order(buf, 3, module.OrderTemplate(template), price, size, coid)
        frames.append(buf.getvalue())
    assert frames[0] == frames[1]


def test_prepared_template_needs_a_size_field_and_validity(impl: Any) -> None:
    with pytest.raises(InvalidParamsError):
        impl.encode.OrderTemplate({"clientOid": "a", "symbol": "XBTUSDTM", "closeOrder": True})
    with pytest.raises(InvalidParamsError) as info:
        impl.encode.OrderTemplate(dict(TEMPLATE, side="hold"))
    assert info.value.field == "side"

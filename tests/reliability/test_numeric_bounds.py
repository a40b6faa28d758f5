"""Hostile numbers in every numeric (and id) field of the 11 client ops and of prepared
orders, fed to both encoder builds: either both write identical bytes (a bounded frame)
or both raise InvalidParamsError naming the same field with the same rule; no other
exception, ever. The numeric bounds themselves: docs/client.md, "Numeric bounds".
"""
from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from kf_shared import COMPILED, PYTHON

from kucoin_fast import InvalidParamsError
from kucoin_fast._protocol import fields as _fields
from kucoin_fast._protocol import ops as _ops

pytestmark = pytest.mark.skipif(COMPILED is None, reason="compiled extensions are not built")
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
#: A frame this encoder writes for one order is small whatever the numbers say.
FRAME_MAX = 4096
_HUGE_DIGITS = sys.get_int_max_str_digits() or 4300

# --------------------------------------------------------------- hostile numbers
_ints = st.one_of(
    st.integers(),
    st.integers(min_value=-10**50, max_value=10**50),
    st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**17, 10**18 - 1, 10**18,
                     10**39, 10**40 - 1, 10**40, 10**400]),
    # past the int-to-str limit (hypothesis could not even print them in a list)
    st.sampled_from([_HUGE_DIGITS, 5000]).map(lambda digits: 10**digits))
_decimals = st.one_of(
    st.decimals(),
    st.builds(lambda sign, digits, exp: Decimal((sign, tuple(digits), exp)),
              st.integers(0, 1), st.lists(st.integers(0, 9), min_size=1, max_size=60),
              st.one_of(st.integers(-60, 60), st.integers(-10**17, 10**17))),
    st.sampled_from([Decimal("1E+999999999999999999"), Decimal("1E+5000000"),
                     Decimal("1E-5000000"), Decimal("1E-38"), Decimal("1E-39"),
                     Decimal("9" * 40), Decimal("9" * 41), Decimal("0.1"), Decimal("-0"),
                     Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("1E+39"),
                     Decimal("1E+40"), Decimal("1" + "0" * 30 + ".5")]))
_digit_chars = "0123456789.\u00b2\u0661\u0662\u06f4\u07c1\u0967\U0001d7d9 eE+-_,\x00\u2007"
_strings = st.one_of(
    st.text(st.sampled_from(_digit_chars), max_size=50),
    st.from_regex(r"0*[0-9]{1,45}(\.[0-9]{1,45})?", fullmatch=True),
    st.builds(lambda n, digit: digit * n, st.sampled_from([1, 17, 18, 19, 39, 40, 41, 4301, 5000]),
              st.sampled_from(["1", "9", "0", "\u00b2", "\u0661"])),
    st.builds(lambda n: "0." + "0" * n + "1", st.integers(0, 60)),
    st.sampled_from(["1e3", "1E-5", "inf", "nan", "Infinity", "0x10", "1_000", " 1", "1 ",
                     "+1", "-1", ".5", "5.", "\u00b2", "\u0661\u0662", "\uff11"]))
_floats = st.one_of(
    st.floats(),
    st.floats(min_value=1e-12, max_value=1e12),
    st.sampled_from([0.1 + 0.2, 0.1, 1e-05, 1e16, 1e39, 1e40, 5e-324, 1.7976931348623157e308,
                     float("inf"), float("-inf"), float("nan"), -0.0, 1 / 3, 30000.5]))
NUMBERS = st.one_of(_ints, _decimals, _strings, _floats, st.booleans(), st.none())

# ------------------------------------------------------ every op, every numeric field
FUTURES = {"clientOid": "nb-1", "side": "buy", "symbol": "XBTUSDTM", "type": "limit",
           "price": "30000.5", "size": 3, "leverage": 10}
FUTURES_STOP = dict(FUTURES, stop="down", stopPriceType="TP", stopPrice="29000",
                    iceberg=True, visibleSize="1")
SPOT = {"clientOid": "nb-2", "side": "buy", "symbol": "BTC-USDT", "type": "limit",
        "price": "30000.5", "size": "0.001", "timeInForce": "GTT", "cancelAfter": 60,
        "allowMaxTimeWindow": 1000, "clientTimestamp": 1742175983882}
SPOT_MARKET = {"clientOid": "nb-3", "side": "sell", "symbol": "BTC-USDT", "type": "market",
               "funds": "10"}
SPOT_ICEBERG = dict(SPOT, iceberg=True, visibleSize="0.001")


def _without(d: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in names}


def _put(args: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A deep copy of the JSON-like ``args`` with ``value`` at ``path``."""
    args = json.loads(json.dumps(args))
    target = args
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return args


#: (op, valid args, path of the field that gets the hostile value)
CASES: list[tuple[str, Any, tuple[Any, ...]]] = [
    *[(_ops.OP_ORDER, FUTURES, (name,)) for name in ("price", "size", "leverage")],
    *[(_ops.OP_ORDER, FUTURES_STOP, (name,)) for name in ("stopPrice", "visibleSize")],
    *[(_ops.OP_ORDER, dict(_without(FUTURES, "size"), **{name: "1"}), (name,))
      for name in ("qty", "valueQty")],
    *[(_ops.OP_MULTI_ORDER, [FUTURES, FUTURES_STOP], (1, name))
      for name in ("price", "size", "leverage", "stopPrice", "visibleSize")],
    (_ops.OP_CANCEL, {"orderId": "1"}, ("orderId",)),
    (_ops.OP_CANCEL, {"orderId": "1", "clientOid": "c"}, ("clientOid",)),
    (_ops.OP_CANCEL, {"clientOid": "c", "symbol": "XBTUSDTM"}, ("symbol",)),
    (_ops.OP_MULTI_CANCEL, {"orderIdsList": ["1", "2"]}, ("orderIdsList", 1)),
    (_ops.OP_MULTI_CANCEL, {"clientOidsList": [{"symbol": "XBTUSDTM", "clientOid": "c"}]},
     ("clientOidsList", 0, "clientOid")),
    (_ops.OP_MULTI_CANCEL, {"clientOidsList": [{"symbol": "XBTUSDTM", "clientOid": "c"}]},
     ("clientOidsList", 0, "extra")),
    *[(op, SPOT, (name,)) for op in (_ops.OP_SPOT_ORDER, _ops.OP_SPOT_SYNC_ORDER)
      for name in ("price", "size", "cancelAfter", "allowMaxTimeWindow", "clientTimestamp")],
    (_ops.OP_SPOT_ORDER, SPOT_MARKET, ("funds",)),
    (_ops.OP_SPOT_SYNC_ORDER, SPOT_ICEBERG, ("visibleSize",)),
    *[(_ops.OP_MARGIN_ORDER, SPOT, (name,))
      for name in ("price", "size", "cancelAfter", "allowMaxTimeWindow", "clientTimestamp")],
    (_ops.OP_MARGIN_ORDER, SPOT_MARKET, ("funds",)),
    (_ops.OP_MARGIN_ORDER, SPOT_ICEBERG, ("visibleSize",)),
    *[(_ops.OP_SPOT_MODIFY, {"symbol": "BTC-USDT", "orderId": "1", "newPrice": "1",
                               "newSize": "1"}, (name,)) for name in ("newPrice", "newSize")],
    *[(op, {"symbol": "BTC-USDT", "orderId": "1"}, (name,))
      for op in (_ops.OP_SPOT_CANCEL, _ops.OP_SPOT_SYNC_CANCEL, _ops.OP_MARGIN_CANCEL)
      for name in ("orderId", "symbol")],
    (_ops.OP_SPOT_CANCEL, {"symbol": "BTC-USDT", "clientOid": "c"}, ("clientOid",)),
]
CASE_IDS = [f"{op}:{'.'.join(map(str, path))}" for op, _, path in CASES]


def _field_name(path: tuple[Any, ...]) -> str:
    """The field a refusal must name: ``[1].price`` in a batch, else the top-level key."""
    return f"[{path[0]}].{path[1]}" if type(path[0]) is int else str(path[0])


def _outcome(run: Any) -> tuple[str, Any]:
    """("frame", bytes) or ("refused", violation); any other exception propagates."""
    try:
        return "frame", run()
    except InvalidParamsError as exc:
        return "refused", exc.violation


#: The fields whose values are numbers (id and text fields may be long strings).
NUMERIC = {name for table in (_fields.ORDER_FIELDS, _fields.MARGIN_ORDER_FIELDS)
           for name, (kind, _) in table.items() if kind in ("int", "dec")} | {"newPrice", "newSize"}


def _same_verdict(python: Any, compiled: Any, field: str | None) -> None:
    py, c = _outcome(python), _outcome(compiled)
    assert py == c
    kind, value = py
    if kind == "frame":
        if field is None or field.rpartition(".")[2] in NUMERIC:
            assert len(value) < FRAME_MAX
        json.loads(value)
    elif field is not None:
        assert value.field.startswith(field) or value.field == "args", value


def _encoder(module: Any, op: str, args: Any) -> Any:
    def run() -> bytes:
        buf = module.FrameBuffer()
        module.encode_request(buf, 7, op, args)
        return bytes(buf.getvalue())
    return run


# ------------------------------------------------------------------- the reported cases
REPORTED = [
    (_ops.OP_ORDER, dict(FUTURES, leverage="1" * 5000), "leverage",
     f"must be a positive integer of at most {_fields.INT_MAX_DIGITS} digits"),
    (_ops.OP_SPOT_MODIFY, {"symbol": "BTC-USDT", "orderId": "1", "newPrice": 10**400},
     "newPrice", "must be at most 40 characters written out as a plain decimal"),
    (_ops.OP_ORDER, dict(FUTURES, size=10**5000), "size",
     f"must be a positive integer of at most {_fields.INT_MAX_DIGITS} digits"),
    (_ops.OP_ORDER, dict(FUTURES, price=Decimal("1E+999999999999999999")), "price",
     "must be at most 40 characters written out as a plain decimal"),
    (_ops.OP_ORDER, dict(FUTURES, price=Decimal("1E+5000000")), "price",
     "must be at most 40 characters written out as a plain decimal"),
    (_ops.OP_ORDER, dict(FUTURES, price=0.1 + 0.2), "price",
     "must be a float of at most 15 significant digits"),
    (_ops.OP_SPOT_ORDER, dict(SPOT, size=0.1 + 0.2), "size",
     "must be a float of at most 15 significant digits"),
]


@pytest.mark.parametrize(("op", "args", "field", "rule"), REPORTED,
                         ids=[f"{op}:{field}:{i}" for i, (op, _, field, _) in enumerate(REPORTED)])
def test_reported_values_are_refused_by_both_builds(op: str, args: Any, field: str,
                                                    rule: str) -> None:
    for impl in (PYTHON, COMPILED):
        with pytest.raises(InvalidParamsError) as info:
            _encoder(impl.encode, op, args)()
        assert info.value.field == field and info.value.rule.startswith(rule), info.value


@pytest.mark.parametrize(("op", "base", "path"), CASES, ids=CASE_IDS)
@PROFILE
@given(value=NUMBERS)
@example(value="1" * 5000)
@example(value=10**400)
@example(value=Decimal("1E+999999999999999999"))
@example(value="\u00b2")
def test_hostile_number_same_verdict_in_both_builds(op: str, base: Any, path: tuple[Any, ...],
                                                    value: Any) -> None:
    args = _put(base, path, value)
    _same_verdict(_encoder(PYTHON.encode, op, args), _encoder(COMPILED.encode, op, args),
                  _field_name(path))


def test_bounds_accept_every_real_kucoin_value() -> None:
    """The limits are generous: amounts, times and counts KuCoin uses pass in both builds."""
    values = {"price": ["0.000000000001", "123456789.123456789", Decimal("1E-12"), 0.00001,
                        1e15, Decimal("99999999999999999999.99999999999999999")],
              "size": [1, 10**17, "999999999999999999"],
              "leverage": [125, "125"]}
    for name, samples in values.items():
        for value in samples:
            args = dict(FUTURES, **{name: value})
            frames = {_encoder(impl.encode, _ops.OP_ORDER, args)() for impl in (PYTHON, COMPILED)}
            assert len(frames) == 1


# ---------------------------------------------------------------- prepared orders
TEMPLATES = [(_ops.OP_ORDER, dict(FUTURES)), (_ops.OP_ORDER, dict(_without(FUTURES, "size"),
                                                                      qty="1")),
             (_ops.OP_ORDER, dict(FUTURES, type="market")), (_ops.OP_SPOT_ORDER, dict(SPOT)),
             (_ops.OP_SPOT_ORDER, dict(SPOT_MARKET))]


@pytest.mark.parametrize(("op", "template"), TEMPLATES,
                         ids=[f"{op}:{i}" for i, (op, _) in enumerate(TEMPLATES)])
@PROFILE
@given(price=st.one_of(NUMBERS, st.just("30000.5")), size=st.one_of(NUMBERS, st.just(1)))
@example(price=Decimal("1E+5000000"), size=1)
@example(price="1", size=10**5000)
@example(price=0.1 + 0.2, size="1")
def test_prepared_hostile_price_and_size(op: str, template: dict[str, Any], price: Any,
                                         size: Any) -> None:
    def prepared(module: Any) -> Any:
        tpl = module.OrderTemplate(template, op)

        def run() -> bytes:
            buf = module.FrameBuffer()
            buf.prepared(3, tpl, price, size, "nb-9")
            return bytes(buf.getvalue())
        return run
    _same_verdict(prepared(PYTHON.encode), prepared(COMPILED.encode), None)


# ---------------------------------------------------------------- unknown keys
TYPOS = [(_ops.OP_ORDER, _put(_without(FUTURES, "clientOid"), ("clientOID",), "a"),
          "clientOID", "is not a futures order field (did you mean clientOid?)"),
         (_ops.OP_MULTI_ORDER, [FUTURES, _put(FUTURES, ("prise",), "1")],
          "[1].prise", "is not a futures order field (did you mean price?)"),
         (_ops.OP_CANCEL, {"orderID": "1"}, "orderID",
          "is not a futures cancel field (did you mean orderId?)"),
         (_ops.OP_MULTI_CANCEL, {"orderIdList": ["1"]}, "orderIdList",
          "is not a futures batch-cancel field (did you mean orderIdsList?)"),
         (_ops.OP_SPOT_ORDER, _put(_without(SPOT, "clientOid"), ("clientOID",), "a"),
          "clientOID", "is not a spot order field (did you mean clientOid?)"),
         (_ops.OP_SPOT_ORDER, _put(_without(SPOT, "symbol"), ("Symbol",), "BTC-USDT"),
          "Symbol", "is not a spot order field (did you mean symbol?)"),
         (_ops.OP_MARGIN_ORDER, _put(SPOT, ("autoborrow",), True),
          "autoborrow", "is not a margin order field (did you mean autoBorrow?)"),
         (_ops.OP_SPOT_MODIFY, {"symbol": "BTC-USDT", "orderId": "1", "newprice": "1"},
          "newprice", "is not a spot modify field (did you mean newPrice?)"),
         (_ops.OP_SPOT_CANCEL, {"symbol": "BTC-USDT", "clientOId": "c"},
          "clientOId", "is not a spot cancel field (did you mean clientOid?)"),
         (_ops.OP_ORDER, _put(FUTURES, ("zzz",), 1), "zzz", "is not a futures order field")]


@pytest.mark.parametrize(("op", "args", "field", "rule"), TYPOS,
                         ids=[f"{op}:{field}" for op, _, field, _ in TYPOS])
def test_unknown_key_is_named_first_with_a_suggestion(op: str, args: Any, field: str,
                                                      rule: str) -> None:
    """A typo in a required key reads as the typo (not as the required key missing),
    with the near miss suggested, in both builds."""
    for impl in (PYTHON, COMPILED):
        with pytest.raises(InvalidParamsError) as info:
            _encoder(impl.encode, op, args)()
        assert (info.value.field, info.value.rule) == (field, rule)

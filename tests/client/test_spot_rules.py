"""Every spot and margin validation rule, through the encoder of both implementations
(the client's verdict, nothing sent) and ``_rules`` itself."""
from __future__ import annotations

from typing import Any

import pytest
from kf_spot_cases import RULE_CASES, RuleCase, limit, margin, market

from kucoin_fast import InvalidParamsError
from kucoin_fast._protocol import ops as _ops
from kucoin_fast._protocol import validate as _validate


@pytest.mark.parametrize("case", RULE_CASES, ids=[c.name for c in RULE_CASES])
def test_rule(impl: Any, case: RuleCase) -> None:
    with pytest.raises(InvalidParamsError) as info:
        impl.encode.encode_request(impl.encode.FrameBuffer(), 1, case.op, case.args)
    err = info.value
    assert (err.code, err.field) == (case.code, case.field), err
    assert case.rule in err.rule, err
    assert err.op == case.op and not err.sent
    if case.code == "400102":
        assert str(err).startswith(f"{case.op}: Please check the param of your request: ")
    else:
        assert f"Parameter Error: {case.field}: " in str(err)
    # The gateway's verdict (unknown keys ignored) is the same, or None for a typo.
    lenient = _ops.validate_request(case.op, case.args, strict_keys=False)
    assert lenient is None if case.strict_only else lenient == err.violation


@pytest.mark.parametrize("op,args", [
    ("spot.order", limit()), ("spot.order", market()), ("spot.order", market(size=None,
                                                                             funds="10")),
    ("spot.order", limit(clientOid=None, timeInForce="GTT", cancelAfter=5, postOnly=True)),
    ("spot.order", limit(iceberg=True, visibleSize="0.0001", hidden=True, stp="DC")),
    ("spot.order", limit(postOnly=False, timeInForce="IOC", tags="t" * 20, remark="r")),
    ("spot.order", limit(allowMaxTimeWindow=10, clientTimestamp=1700000000000)),
    ("spot.sync_order", market(size=0.5, stp="CB", timeInForce="GTC")),
    ("margin.order", margin(isIsolated=True, autoBorrow=True, autoRepay=False)),
    ("margin.order", margin(type="market", price=None, funds="5", size=None)),
    ("spot.cancel", {"symbol": "BTC-USDT", "clientOid": "c-1"}),
    ("spot.sync_cancel", {"symbol": "BTC-USDT", "orderId": "1", "clientOid": "c"}),
    ("margin.cancel", {"symbol": "ETH-USDT", "orderId": "1"}),
    ("spot.modify", {"symbol": "BTC-USDT", "clientOid": "c", "newSize": 2}),
    ("spot.modify", {"symbol": "BTC-USDT", "orderId": "1", "newPrice": "1", "newSize": "1"}),
])
def test_valid_requests_pass(impl: Any, op: str, args: Any) -> None:
    impl.encode.encode_request(impl.encode.FrameBuffer(), 1, op, args)
    assert _ops.validate_request(op, args) is None


def test_post_only_ioc_can_be_let_through() -> None:
    order = limit(postOnly=True, timeInForce="FOK")
    assert _validate.validate_spot_order(order) is not None
    assert _validate.validate_spot_order(order, post_only_ioc_ok=True) is None

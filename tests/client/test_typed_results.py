"""Typed results over hostile reply data (hypothesis): they never raise, read what
parses and name the rest in ``unparsed``. The same over a real socket, through the
client: tests/reliability/test_fuzz.py."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kucoin_fast import BatchResult, MarginOrderResult, SpotModifyResult, SpotOrderState

BIG_DIGITS = "1" * 5000


# -------------------------------------------------------- the wrappers alone
_hostile = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(),
    st.sampled_from([10**4000, -(10**4000), 2**63, -1, "\u00b2", "\u0661\u0662", BIG_DIGITS,
                     "", " 1", "1.5", "+1", "-1", "0x1f", "\uff11"]),
    st.text(max_size=30), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
_MEMBERS = ["orderId", "clientOid", "status", "originSize", "dealSize", "remainSize",
            "canceledSize", "originFunds", "dealFunds", "remainFunds", "canceledFunds",
            "orderTime", "matchTime", "newOrderId", "borrowSize", "loanApplyId", "code", "msg",
            "symbol"]
_data = st.one_of(_hostile, st.dictionaries(st.sampled_from(_MEMBERS), _hostile, max_size=10))


def _check(result: Any, data: Any, texts: dict[str, str], times: tuple[str, ...] = ()) -> None:
    """Every typed member is None, or of its type and read from the member; what is present
    but read as None is listed in ``unparsed``."""
    get = data.get if isinstance(data, dict) else {}.get
    for attr, member in texts.items():
        value = getattr(result, attr)
        assert value is None or type(value) is str
        assert (value is None and get(member) is not None) == (member in result.unparsed)
    for member in times:
        value = getattr(result, "order_time" if member == "orderTime" else "match_time")
        assert value is None or (type(value) is int and 0 <= value < 1 << 63)
        assert (value is None and get(member) is not None) == (member in result.unparsed)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=_data)
def test_typed_results_never_raise_on_hostile_data(data: Any) -> None:
    response = SimpleNamespace(data=data)
    state = SpotOrderState.from_response(response)
    _check(state, data, {"order_id": "orderId", "status": "status", "deal_size": "dealSize",
                         "canceled_funds": "canceledFunds"}, ("orderTime", "matchTime"))
    _check(SpotModifyResult.from_response(response), data,
           {"new_order_id": "newOrderId", "client_oid": "clientOid"})
    _check(MarginOrderResult.from_response(response), data,
           {"borrow_size": "borrowSize", "loan_apply_id": "loanApplyId"})
    batch = BatchResult.from_response(SimpleNamespace(data=[data, data]))
    assert len(batch) == 2
    for item in batch:
        _check(item, data, {"code": "code", "msg": "msg", "symbol": "symbol"})
    whole = BatchResult.from_response(response)
    if isinstance(data, list):
        assert whole.unparsed == () and len(whole) == len(data)
    else:
        assert whole.unparsed == ("data",) and len(whole) == 0 and not whole.ok

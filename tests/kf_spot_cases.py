"""The spot and margin validation rules, one case each (imported as a top-level module):
the client tests expect ``InvalidParamsError`` with the code, field and rule before
anything is sent; the emulator tests expect the same verdict as a B frame.

A case is ``(name, op, args, code, field, rule_part)``; ``strict_only`` cases are the
client's typo check (the gateway ignores unknown keys)."""
from __future__ import annotations

from typing import Any, NamedTuple


class RuleCase(NamedTuple):
    name: str
    op: str
    args: Any
    code: str
    field: str
    rule: str
    strict_only: bool = False


_n = 0


def limit(**kw: Any) -> dict[str, Any]:
    """A valid resting spot limit order with a fresh clientOid, overridable field by
    field (None drops one)."""
    global _n
    _n += 1
    o: dict[str, Any] = {"clientOid": f"c-{_n}", "symbol": "BTC-USDT", "side": "buy",
                         "type": "limit", "price": "50000", "size": "0.001"}
    o.update(kw)
    return {k: v for k, v in o.items() if v is not None}


def market(**kw: Any) -> dict[str, Any]:
    """A valid spot market order by size."""
    return limit(**{"type": "market", "price": None, **kw})


def margin(**kw: Any) -> dict[str, Any]:
    """A valid margin limit order (no ``type``: limit by default)."""
    return limit(**{"type": None, **kw})


SO, MO = "spot.order", "margin.order"
CANCEL = {"symbol": "BTC-USDT", "orderId": "670fd33bf9406e0007ab3945"}
MODIFY = {"symbol": "BTC-USDT", "orderId": "670fd33bf9406e0007ab3945", "newPrice": "1"}

RULE_CASES: list[RuleCase] = [
    # --- spot.order / spot.sync_order (spot doc §1.2, §1.7)
    RuleCase("args not an object", SO, ["x"], "400100", "args", "must be an object"),
    RuleCase("symbol missing", SO, limit(symbol=None), "400102", "symbol",
             "symbol is required"),
    RuleCase("side missing", SO, limit(side=None), "400102", "side", "side is required"),
    RuleCase("type missing", SO, limit(type=None), "400102", "type", "type is required"),
    RuleCase("typo", SO, limit(clientOID="x"), "400100", "clientOID",
             "is not a spot order field", strict_only=True),
    RuleCase("side enum", SO, limit(side="hold"), "400100", "side", "must be one of buy, sell"),
    RuleCase("type enum", SO, limit(type="stop"), "400100", "type", "must be one of"),
    RuleCase("timeInForce enum", SO, limit(timeInForce="RPI"), "400100", "timeInForce",
             "must be one of GTC, GTT, IOC, FOK"),
    RuleCase("stp enum", SO, limit(stp="XX"), "400100", "stp", "must be one of DC"),
    RuleCase("clientOid charset", SO, limit(clientOid="a b"), "400100", "clientOid",
             "1-40 characters"),
    RuleCase("clientOid length", SO, limit(clientOid="x" * 41), "400100", "clientOid",
             "1-40 characters"),
    RuleCase("clientOid empty", SO, limit(clientOid=""), "400100", "clientOid",
             "non-empty string"),
    RuleCase("price not positive", SO, limit(price="0"), "400100", "price", "positive decimal"),
    RuleCase("size not a decimal", SO, limit(size="1e3"), "400100", "size", "positive decimal"),
    RuleCase("postOnly not a bool", SO, limit(postOnly="true"), "400100", "postOnly",
             "must be a boolean"),
    RuleCase("cancelAfter not positive", SO, limit(timeInForce="GTT", cancelAfter=0),
             "400100", "cancelAfter", "positive integer"),
    RuleCase("symbol empty", SO, limit(symbol=""), "400100", "symbol", "non-empty string"),
    RuleCase("limit needs price", SO, limit(price=None), "400100", "price",
             "is required for limit orders"),
    RuleCase("limit needs size", SO, limit(size=None), "400100", "size",
             "is required for limit orders"),
    RuleCase("limit takes no funds", SO, limit(funds="10"), "400100", "funds",
             "is only for market orders"),
    RuleCase("market needs size or funds", SO, market(size=None), "400100", "size",
             "exactly one of size, funds"),
    RuleCase("market takes one of size/funds", SO, market(funds="10"), "400100", "size",
             "exactly one of size, funds"),
    RuleCase("market has no timeInForce", SO, market(timeInForce="IOC"), "400100",
             "timeInForce", "market orders do not support"),
    RuleCase("market has no stp DC", SO, market(stp="DC"), "400100", "stp",
             "DC is not supported for market orders"),
    RuleCase("postOnly excludes IOC", SO, limit(postOnly=True, timeInForce="IOC"), "400100",
             "postOnly", "cannot be combined with timeInForce IOC or FOK"),
    RuleCase("postOnly excludes FOK", SO, limit(postOnly=True, timeInForce="FOK"), "400100",
             "postOnly", "cannot be combined with timeInForce IOC or FOK"),
    RuleCase("cancelAfter needs GTT", SO, limit(cancelAfter=10), "400100", "cancelAfter",
             "applies to timeInForce GTT only"),
    RuleCase("GTT needs cancelAfter", SO, limit(timeInForce="GTT"), "400100", "cancelAfter",
             "is required for timeInForce GTT"),
    RuleCase("iceberg needs visibleSize", SO, limit(iceberg=True), "400100", "visibleSize",
             "is required for iceberg orders"),
    RuleCase("visibleSize at least size/20", SO,
             limit(iceberg=True, size="0.01", visibleSize="0.0001"), "400100",
             "visibleSize", "at least 1/20 of size"),
    RuleCase("allowMaxTimeWindow needs clientTimestamp", SO, limit(allowMaxTimeWindow=1000),
             "400100", "clientTimestamp", "is required with allowMaxTimeWindow"),
    RuleCase("tags at most 20", SO, limit(tags="t" * 21), "400100", "tags",
             "at most 20 ASCII characters"),
    RuleCase("remark ASCII", SO, limit(remark="é"), "400100", "remark",
             "at most 20 ASCII characters"),
    RuleCase("sync op, same rules", "spot.sync_order", market(size=None), "400100", "size",
             "exactly one of size, funds"),
    # --- margin.order (spot doc §1.3)
    RuleCase("margin symbol missing", MO, margin(symbol=None), "400102", "symbol",
             "symbol is required"),
    RuleCase("margin needs clientOid", MO, margin(clientOid=None), "400100", "clientOid",
             "is required for margin orders"),
    RuleCase("margin type defaults to limit", MO, margin(price=None), "400100", "price",
             "is required for limit orders"),
    RuleCase("isIsolated a bool", MO, margin(isIsolated="yes"), "400100", "isIsolated",
             "must be a boolean"),
    RuleCase("autoBorrow a bool", MO, margin(autoBorrow=1), "400100", "autoBorrow",
             "must be a boolean"),
    RuleCase("autoRepay a bool", MO, margin(autoRepay="no"), "400100",
             "autoRepay", "must be a boolean"),
    RuleCase("margin typo", MO, margin(leverage=3), "400100", "leverage",
             "is not a margin order field", strict_only=True),
    # --- cancels (spot doc §1.4), each of the three ops
    *[RuleCase(f"{op} {name}", op, args, code, field, rule, strict)
      for op in ("spot.cancel", "spot.sync_cancel", "margin.cancel")
      for name, args, code, field, rule, strict in (
          ("args not an object", "x", "400100", "args", "must be an object", False),
          ("symbol missing", {"orderId": "1"}, "400102", "symbol", "symbol is required",
           False),
          ("no id", {"symbol": "BTC-USDT"}, "400102", "orderId",
           "clientOid or orderId is required", False),
          ("empty orderId", dict(CANCEL, orderId=""), "400100", "orderId",
           "non-empty string", False),
          ("clientOid not a string", {"symbol": "BTC-USDT", "clientOid": 5}, "400100",
           "clientOid", "non-empty string", False),
          ("typo", dict(CANCEL, orderID="1"), "400100", "orderID",
           "is not a spot cancel field", True))],
    # --- spot.modify (spot doc §1.4)
    RuleCase("modify symbol missing", "spot.modify", {k: v for k, v in MODIFY.items()
                                                      if k != "symbol"}, "400102",
             "symbol", "symbol is required"),
    RuleCase("modify no id", "spot.modify", {"symbol": "BTC-USDT", "newSize": "1"}, "400102",
             "orderId", "clientOid or orderId is required"),
    RuleCase("modify nothing to change", "spot.modify", {"symbol": "BTC-USDT", "orderId": "1"},
             "400102", "newPrice", "newPrice or newSize is required"),
    RuleCase("modify newPrice a decimal", "spot.modify", dict(MODIFY, newPrice="-1"), "400100",
             "newPrice", "positive decimal"),
    RuleCase("modify newSize a decimal", "spot.modify", dict(MODIFY, newSize=[1]), "400100",
             "newSize", "positive decimal"),
    RuleCase("modify typo", "spot.modify", dict(MODIFY, price="1"), "400100", "price",
             "is not a spot modify field", strict_only=True),
]


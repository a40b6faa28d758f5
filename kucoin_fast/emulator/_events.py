"""Order-change events of the emulator's engines, in KuCoin's push shape (spot doc §4.4-§4.6).

The engines call :func:`publish` for an account whose state has a sink (``acct.events``);
:class:`FuturesView` is what the REST lookups and the events read of a futures order,
whichever path placed it. What is emitted per order: docs/emulator.md.
"""
from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from ._ledger import from_units, to_units

if TYPE_CHECKING:
    from ._spot import SpotOrder

FUTURES: Final = "futures"
SPOT: Final = "spot"
_time_ns: Final = time.time_ns


def amount_text(value: Decimal) -> str:
    """The wire text of an amount: its digits without exponent or trailing zeros."""
    return format(value.normalize(), "f") if value else "0"


class FuturesView(NamedTuple):
    """A futures order as the lookups and the events describe it (sizes in lots): what
    it asked for (``args``, its clientOid aside) and what happened to it."""

    order_id: str
    client_oid: str
    symbol: str
    side: str
    type: str
    #: The limit price (None: a market order).
    price: Decimal | None
    lots: int
    filled: int
    active: bool
    created_ms: int
    margin_mode: str
    position_side: str
    cancelled: bool
    #: The order's arguments as placed (read-only; its ``clientOid`` may be another
    #: order's of the same shape: use ``client_oid``).
    args: dict[str, Any]
    contract: Any
    #: The fill price (None: nothing filled).
    avg_price: Decimal | None
    #: When it finished (its last update; ``created_ms`` while it is open).
    end_ms: int


def futures_view(order_id: str, client_oid: str, symbol: str, detail: Any, status: str,
                 created_ms: int, fill_units: int = 0, filled: int = -1,
                 end_ms: int = 0) -> FuturesView:
    """The view of an order: ``detail`` is an ``OrderInfo`` (Python path) or a ``Plan``
    (fast path), both with ``args``, ``price`` and ``fill`` (its ``FillSpec``);
    ``status`` ``open``, ``filled`` or ``cancelled``; ``fill_units`` the fill price in
    ledger units (0: none), ``filled`` the lots filled (-1: the whole order)."""
    args: dict[str, Any] = detail.args
    spec = detail.fill
    price: Decimal | None = detail.price
    if spec.delta is not None:
        lots = abs(spec.delta)
    elif spec.value is not None:
        at = fill_units or (to_units(price) if price is not None else 0)
        lots = spec.lots_of_value(at) if at else 0
    else:  # a close order: the position it closed
        lots = max(filled, 0)
    done = lots if filled < 0 else filled
    if status != "filled":
        done = 0
    return FuturesView(order_id, client_oid, symbol, args.get("side", ""),
                       args.get("type", "limit"), price, lots, done, status == "open",
                       created_ms, args.get("marginMode", "ISOLATED"),
                       args.get("positionSide", "BOTH"), status == "cancelled", args,
                       spec.contract, from_units(fill_units) if done else None,
                       end_ms or created_ms)


def _price_text(price: Decimal | None) -> str:
    return "0" if price is None else amount_text(price)


def futures_data(v: FuturesView, kind: str, status: str,
                 match: tuple[Decimal, str] | None = None) -> dict[str, Any]:
    """The ``data`` of a futures order change (the key order of ROQ-F's real frames)."""
    remain = 0 if status == "done" or kind == "match" else v.lots - v.filled
    data: dict[str, Any] = {"symbol": v.symbol, "orderType": v.type, "side": v.side,
                            "canceledSize": str(v.lots - v.filled if kind == "canceled" else 0),
                            "orderId": v.order_id, "positionSide": v.position_side}
    if match is not None:
        data["liquidity"] = "taker"
    data["marginMode"] = v.margin_mode
    data["type"] = kind
    if match is not None:
        data["feeType"] = "takerFee"
    data.update(orderTime=v.created_ms * 1_000_000, size=str(v.lots),
                filledSize=str(v.filled), price=_price_text(v.price))
    if match is not None:
        data.update(matchPrice=amount_text(match[0]), matchSize=str(v.filled))
    data["remainSize"] = str(remain)
    if match is not None:
        data["tradeId"] = match[1]
    data.update(clientOid=v.client_oid, tradeType="trade", status=status, ts=_time_ns())
    return data


def publish_futures(acct: Any, v: FuturesView, trade_id: str) -> None:
    """The events of a futures order that just opened (``v.active``), filled (at
    ``v.avg_price``) or was cancelled."""
    sink = acct.events
    if v.active:
        sink(FUTURES, futures_data(v, "open", "open"))
    elif v.cancelled or v.avg_price is None:
        sink(FUTURES, futures_data(v, "canceled", "done"))
    else:
        assert v.avg_price is not None
        sink(FUTURES, futures_data(v, "match", "match", (v.avg_price, trade_id)))
        sink(FUTURES, futures_data(v, "filled", "done"))


def spot_data(o: SpotOrder, kind: str, status: str,
              match: tuple[Decimal, Decimal, str, bool] | None = None) -> dict[str, Any]:
    """The ``data`` of a spot (or margin) order change; keys sorted, as SPEC-WSP prints
    them. ``match``: (price, size, tradeId, is_taker)."""
    data: dict[str, Any] = {"clientOid": o.client_oid or "", "orderId": o.order_id,
                            "orderTime": o.order_time, "orderType": o.type,
                            "originSize": amount_text(o.size or Decimal(0)), "side": o.side,
                            "status": status, "symbol": o.symbol, "ts": _time_ns(),
                            "type": kind}
    if o.funds is not None:
        data["originFunds"] = amount_text(o.funds)
    if o.price is not None:
        data["price"] = amount_text(o.price)
    if kind != "received":
        filled = o.deal_size if kind != "match" or match is None else match[1]
        data.update(canceledSize=amount_text(o.canceled_size), filledSize=amount_text(filled),
                    remainSize="0" if status == "done" else amount_text(
                        (o.size or filled) - filled),
                    size=amount_text(o.size or o.deal_size))
    if match is not None:
        taker = match[3]
        data.update(feeType="takerFee" if taker else "makerFee",
                    liquidity="taker" if taker else "maker", matchPrice=amount_text(match[0]),
                    matchSize=amount_text(match[1]), tradeId=match[2])
    return dict(sorted(data.items()))


def publish_spot(acct: Any, order: SpotOrder, kind: str, match: Any = None) -> None:
    """One spot event: ``received``, ``open``, ``match`` (then ``filled``) or
    ``canceled``, from the order's current state."""
    sink = acct.events
    if kind == "received":
        sink(SPOT, spot_data(order, "received", "new"))
    elif kind == "open":
        sink(SPOT, spot_data(order, "open", "open"))
    elif kind == "canceled":
        sink(SPOT, spot_data(order, "canceled", "done"))
    else:
        sink(SPOT, spot_data(order, "match", "match" if match[3] else "open", match))
        sink(SPOT, spot_data(order, "filled", "done"))


__all__ = ["FUTURES", "SPOT", "FuturesView", "amount_text", "futures_data", "futures_view",
           "publish_futures", "publish_spot", "spot_data"]

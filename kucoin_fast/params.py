"""``TypedDict`` s of the request params (KuCoin's camelCase wire keys), so editors
complete them and mypy catches a misspelt key or a bad enum value before the order
reaches :func:`~kucoin_fast._rules.validate_order` at run time.

The run-time rules (which fields go together, lengths, tick sizes) are in
:mod:`kucoin_fast._rules`; these types only describe the shape. Numbers may be given as
JSON numbers or as decimal strings, as KuCoin accepts both.
"""
from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
    "CancelByClientOidParams",
    "CancelByOrderIdParams",
    "ClientOidRef",
    "FuturesCancelParams",
    "FuturesMultiCancelParams",
    "FuturesOrderParams",
]

DecimalLike = str | int | float


class _FuturesOrderRequired(TypedDict):
    clientOid: str
    symbol: str


class FuturesOrderParams(_FuturesOrderRequired, total=False):
    """``futures.order`` args (also each item of ``futures.multi_order``).

    ``clientOid`` and ``symbol`` are required; ``side`` too unless ``closeOrder`` is true;
    exactly one of ``size``/``qty``/``valueQty``; ``price`` for limit orders.
    """

    side: Literal["buy", "sell"]
    leverage: int | str
    type: Literal["limit", "market"]
    price: DecimalLike
    size: int | str
    qty: DecimalLike
    valueQty: DecimalLike
    marginMode: Literal["ISOLATED", "CROSS"]
    positionSide: Literal["BOTH", "LONG", "SHORT"]
    timeInForce: Literal["GTC", "IOC", "RPI"]
    postOnly: bool
    hidden: bool
    iceberg: bool
    visibleSize: DecimalLike
    reduceOnly: bool
    closeOrder: bool
    forceHold: bool
    stop: Literal["down", "up"]
    stopPriceType: Literal["TP", "MP", "IP"]
    stopPrice: DecimalLike
    stp: Literal["CN", "CO", "CB"]
    remark: str


class _CancelByOrderIdRequired(TypedDict):
    orderId: str


class CancelByOrderIdParams(_CancelByOrderIdRequired, total=False):
    """``futures.cancel`` by order id (``symbol`` optional)."""

    symbol: str


class CancelByClientOidParams(TypedDict):
    """``futures.cancel`` by clientOid: ``symbol`` is required."""

    clientOid: str
    symbol: str


FuturesCancelParams = CancelByOrderIdParams | CancelByClientOidParams


class ClientOidRef(TypedDict):
    """One ``clientOidsList`` item of ``futures.multi_cancel``."""

    symbol: str
    clientOid: str


class FuturesMultiCancelParams(TypedDict, total=False):
    """``futures.multi_cancel`` args: up to 10 ids; ``orderIdsList`` wins if both given."""

    orderIdsList: list[str]
    clientOidsList: list[ClientOidRef]

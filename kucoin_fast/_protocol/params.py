"""``TypedDict`` s of the request params (KuCoin's camelCase wire keys), so editors
complete them and mypy catches a misspelt key or a bad enum value before the order
reaches :func:`~kucoin_fast._protocol.validate.validate_order` at run time.

The run-time rules (which fields go together, lengths, numeric bounds) are in
:mod:`kucoin_fast._protocol.validate`; these types only describe the shape. Numbers may be given as
JSON numbers, decimal strings or ``Decimal`` s (docs/client.md, "Numeric bounds").
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal, TypedDict

__all__ = [
    "CancelByClientOidParams",
    "CancelByOrderIdParams",
    "ClientOidRef",
    "FuturesCancelParams",
    "FuturesMultiCancelParams",
    "FuturesOrderParams",
    "MarginOrderParams",
    "SpotCancelByClientOidParams",
    "SpotCancelByOrderIdParams",
    "SpotCancelParams",
    "SpotModifyParams",
    "SpotOrderParams",
]

DecimalLike = str | int | float | Decimal


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


# ------------------------------------------------------------------ spot and margin
class _SpotOrderFields(TypedDict, total=False):
    """The optional fields ``spot.order``, ``spot.sync_order`` and ``margin.order`` share."""

    price: DecimalLike
    size: DecimalLike
    funds: DecimalLike
    timeInForce: Literal["GTC", "GTT", "IOC", "FOK"]
    cancelAfter: int | str
    postOnly: bool
    hidden: bool
    iceberg: bool
    visibleSize: DecimalLike
    stp: Literal["DC", "CO", "CN", "CB"]
    tags: str
    remark: str
    allowMaxTimeWindow: int | str
    clientTimestamp: int | str


class _SpotOrderRequired(TypedDict):
    symbol: str
    side: Literal["buy", "sell"]
    type: Literal["limit", "market"]


class SpotOrderParams(_SpotOrderRequired, _SpotOrderFields, total=False):
    """``spot.order`` / ``spot.sync_order`` args (a Spot HF order).

    ``symbol`` (``BASE-QUOTE``), ``side`` and ``type`` are required; a limit order needs
    ``price`` and ``size``, a market order exactly one of ``size``/``funds``.
    ``clientOid`` is optional (the reply then carries only the ``orderId``).
    """

    clientOid: str


class _MarginOrderRequired(TypedDict):
    clientOid: str
    symbol: str
    side: Literal["buy", "sell"]


class MarginOrderParams(_MarginOrderRequired, _SpotOrderFields, total=False):
    """``margin.order`` args: the spot body (``type`` defaults to ``limit``) with a
    required ``clientOid`` and the margin flags."""

    type: Literal["limit", "market"]
    isIsolated: bool
    autoBorrow: bool
    autoRepay: bool


class SpotCancelByOrderIdParams(TypedDict):
    """``spot.cancel``/``spot.sync_cancel``/``margin.cancel`` by order id."""

    symbol: str
    orderId: str


class SpotCancelByClientOidParams(TypedDict):
    """``spot.cancel``/``spot.sync_cancel``/``margin.cancel`` by clientOid."""

    symbol: str
    clientOid: str


SpotCancelParams = SpotCancelByOrderIdParams | SpotCancelByClientOidParams


class _SpotModifyRequired(TypedDict):
    symbol: str


class SpotModifyParams(_SpotModifyRequired, total=False):
    """``spot.modify`` args: ``symbol``, ``orderId`` or ``clientOid`` (orderId wins when
    both are given), and ``newPrice`` and/or ``newSize``."""

    orderId: str
    clientOid: str
    newPrice: DecimalLike
    newSize: DecimalLike

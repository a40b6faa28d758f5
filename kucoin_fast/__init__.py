"""kucoin_fast: a fast client for KuCoin's WebSocket trading API (futures, spot, margin).

>>> from kucoin_fast import WebsocketAPIClient, WS_KEY_MAP, Credentials

See :class:`WebsocketAPIClient` for the API, :mod:`kucoin_fast.errors` for the
error hierarchy and :mod:`kucoin_fast.emulator` for the local gateway emulator.
"""
from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ._core.build import USING_EXTENSIONS, WSAPIResponse
from ._core.oid import new_client_oid
from ._keeping.policy import ReconnectPolicy
from .client import COALESCE_AUTO, OrderCallback, PreparedOrder, WebsocketAPIClient
from .errors import (
    AuthenticationError,
    BackpressureError,
    ClientClosedError,
    ClockSkewError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    DuplicateClientOidError,
    InsufficientBalanceError,
    InsufficientMarginError,
    InvalidOrderError,
    InvalidParamsError,
    KucoinAPIError,
    KucoinError,
    OrderNotCancelableError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    ServiceShuttingDownError,
)
from .params import (
    CancelByClientOidParams,
    CancelByOrderIdParams,
    ClientOidRef,
    FuturesCancelParams,
    FuturesMultiCancelParams,
    FuturesOrderParams,
    MarginOrderParams,
    SpotCancelByClientOidParams,
    SpotCancelByOrderIdParams,
    SpotCancelParams,
    SpotModifyParams,
    SpotOrderParams,
)
from .types import (
    WS_KEY_MAP,
    BatchItem,
    BatchResult,
    ConnectionState,
    Credentials,
    MarginOrderResult,
    OrderEvent,
    OrderStatus,
    RateLimit,
    ResolvedOutcome,
    SpotModifyResult,
    SpotOrderState,
    UnknownOutcome,
)

__version__ = "0.1.0"

logging.getLogger("kucoin_fast").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from .events import OrderEvents


def __getattr__(name: str) -> Any:
    """The order-event stream and the REST and push modules load on first use."""
    if name == "OrderEvents":
        from .events import OrderEvents

        return OrderEvents
    if name in ("events", "rest"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COALESCE_AUTO",
    "USING_EXTENSIONS",
    "WS_KEY_MAP",
    "AuthenticationError",
    "BackpressureError",
    "BatchItem",
    "BatchResult",
    "CancelByClientOidParams",
    "CancelByOrderIdParams",
    "ClientClosedError",
    "ClientOidRef",
    "ClockSkewError",
    "ConfigurationError",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "ConnectionState",
    "Credentials",
    "DuplicateClientOidError",
    "FuturesCancelParams",
    "FuturesMultiCancelParams",
    "FuturesOrderParams",
    "InsufficientBalanceError",
    "InsufficientMarginError",
    "InvalidOrderError",
    "InvalidParamsError",
    "KucoinAPIError",
    "KucoinError",
    "MarginOrderParams",
    "MarginOrderResult",
    "OrderCallback",
    "OrderEvent",
    "OrderEvents",
    "OrderNotCancelableError",
    "OrderStatus",
    "PreparedOrder",
    "RateLimit",
    "RateLimitError",
    "ReconnectPolicy",
    "RequestTimeoutError",
    "ResolvedOutcome",
    "ServerError",
    "ServiceShuttingDownError",
    "SpotCancelByClientOidParams",
    "SpotCancelByOrderIdParams",
    "SpotCancelParams",
    "SpotModifyParams",
    "SpotModifyResult",
    "SpotOrderParams",
    "SpotOrderState",
    "UnknownOutcome",
    "WSAPIResponse",
    "WebsocketAPIClient",
    "__version__",
    "new_client_oid",
]

"""kucoin_fast: a fast client for KuCoin's futures WebSocket trading API.

>>> from kucoin_fast import WebsocketAPIClient, WS_KEY_MAP, Credentials

See :class:`WebsocketAPIClient` for the API, :mod:`kucoin_fast.errors` for the
error hierarchy and :mod:`kucoin_fast.emulator` for the local gateway emulator.
"""
from __future__ import annotations

import logging

from ._impl import USING_EXTENSIONS, WSAPIResponse
from .client import OrderCallback, PreparedOrder, WebsocketAPIClient
from .errors import (
    AuthenticationError,
    ClientClosedError,
    ClockSkewError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    DuplicateClientOidError,
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
from .types import WS_KEY_MAP, BatchItem, BatchResult, Credentials, RateLimit

__version__ = "0.1.0"

logging.getLogger("kucoin_fast").addHandler(logging.NullHandler())

__all__ = [
    "__version__",
    "USING_EXTENSIONS",
    "WebsocketAPIClient",
    "PreparedOrder",
    "OrderCallback",
    "WS_KEY_MAP",
    "Credentials",
    "WSAPIResponse",
    "BatchItem",
    "BatchResult",
    "RateLimit",
    "KucoinError",
    "KucoinAPIError",
    "AuthenticationError",
    "ClockSkewError",
    "RateLimitError",
    "InvalidOrderError",
    "DuplicateClientOidError",
    "OrderNotCancelableError",
    "InsufficientMarginError",
    "ServerError",
    "ServiceShuttingDownError",
    "InvalidParamsError",
    "ConfigurationError",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "ClientClosedError",
    "RequestTimeoutError",
]

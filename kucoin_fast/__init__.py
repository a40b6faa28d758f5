"""kucoin_fast: a fast client for KuCoin's futures WebSocket trading API."""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

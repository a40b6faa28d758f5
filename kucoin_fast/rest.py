"""Signed REST calls to KuCoin: order lookups and push tokens (aiohttp, loaded on first use)."""
from __future__ import annotations

from ._protocol import rehome
from ._recovery.rest import *
from ._recovery.rest import __all__

rehome(__name__, globals(), __all__)

"""The private order-change stream (KuCoin's classic push WebSocket)."""
from __future__ import annotations

from ._protocol import rehome
from ._recovery.push import *
from ._recovery.push import __all__

rehome(__name__, globals(), __all__)

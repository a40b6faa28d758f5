"""A local emulator of KuCoin's WS API gateway (futures ops), built on picows.

In-process::

    async with Emulator(accounts=[Account("key", "secret", "pass")]) as ex:
        ...  # connect a client to ex.url; inspect ex.open_orders(), ex.counters;
        ex.faults.drop_fraction = 0.5  # fault switches change at runtime

From a shell: ``kucoin-fast emulator --port 8765`` (see ``--help``).
"""
from __future__ import annotations

from ._auth import Account, sign
from ._config import EmulatorConfig
from ._engine import POST_ONLY_CROSS_CODE, POST_ONLY_CROSS_MSG, Engine, HistoryEntry, OrderInfo
from ._faults import (
                      CLOSE_MODES,
                      MALFORMED_KINDS,
                      MALFORMED_MODES,
                      REFUSE_MODES,
                      REORDER_MODES,
                      Faults,
)
from ._server import Counters, Emulator

__all__ = [
                      "CLOSE_MODES",
                      "MALFORMED_KINDS",
                      "MALFORMED_MODES",
                      "POST_ONLY_CROSS_CODE",
                      "POST_ONLY_CROSS_MSG",
                      "REFUSE_MODES",
                      "REORDER_MODES",
                      "Account",
                      "Counters",
                      "Emulator",
                      "EmulatorConfig",
                      "Engine",
                      "Faults",
                      "HistoryEntry",
                      "OrderInfo",
                      "sign",
]

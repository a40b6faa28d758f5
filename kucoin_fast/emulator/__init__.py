"""A local emulator of KuCoin's WS API gateway (futures, spot and margin ops), built on
picows, with KuCoin's REST endpoints and private push service.

:class:`Emulator` runs it in-process; ``kucoin-fast emulator`` (or ``python -m
kucoin_fast.emulator``) from a shell. What it implements, its choices where KuCoin is
silent and its modules: docs/emulator.md.
"""
from __future__ import annotations

from ._account import AccountState
from ._auth import Account, sign
from ._config import EmulatorConfig
from ._counters import Counters
from ._engine import (
    POST_ONLY_CROSS_CODE,
    POST_ONLY_CROSS_MSG,
    FuturesEngine,
    HistoryEntry,
    OrderInfo,
)
from ._faults import (
    CLOSE_MODES,
    MALFORMED_KINDS,
    MALFORMED_MODES,
    REFUSE_MODES,
    REORDER_MODES,
    Faults,
)
from ._ledger import POSITION_MODES, Position
from ._server import Emulator
from ._spot import SpotOrder

__all__ = [
    "CLOSE_MODES",
    "MALFORMED_KINDS",
    "MALFORMED_MODES",
    "POSITION_MODES",
    "POST_ONLY_CROSS_CODE",
    "POST_ONLY_CROSS_MSG",
    "REFUSE_MODES",
    "REORDER_MODES",
    "Account",
    "AccountState",
    "Counters",
    "Emulator",
    "EmulatorConfig",
    "Faults",
    "FuturesEngine",
    "HistoryEntry",
    "OrderInfo",
    "Position",
    "SpotOrder",
    "sign",
]

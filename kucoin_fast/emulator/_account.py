# cython: annotation_typing=False, auto_pickle=False
"""Per-account state of the emulator and the order-id counter every account shares.
Compiled as ``_account_c`` (types in ``_account_c.pxd``, what the fast path reads)."""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ._engine import HistoryEntry

if TYPE_CHECKING:
    from ._engine import OrderInfo
    from ._ledger import FillSpec, FuturesLedger, Rejected


class AccountState:
    """One account (a uid): open futures orders, the futures ledger, the rate-limit
    windows (futures pool, Spot pool), recent history, and the spot and margin accounts
    (created on first use by the spot engine)."""

    def __init__(self, account_id: str, history_size: int, ledger: FuturesLedger) -> None:
        self.account_id = account_id
        self.open: dict[str, OrderInfo] = {}
        self.by_client_oid: dict[str, OrderInfo] = {}
        self.limit_count: dict[str, int] = {}
        self.stop_count: dict[str, int] = {}
        self.history: deque[HistoryEntry] = deque(maxlen=history_size)
        #: The futures pool's window: start (ms) and weight used.
        self.rl_start_ms = -(1 << 62)
        self.rl_used = 0
        #: The Spot pool's window: [start ms, weight used].
        self.spot_rl: list[int] = [-(1 << 62), 0]
        self.ledger = ledger
        self.spot: Any = None
        self.margin: Any = None
        #: The order-change sink while the account has push subscribers, else None
        #: (see ``_events``; the compiled fast path steps aside while it is set).
        self.events: Any = None

    def fill(self, spec: FillSpec, units: int) -> Rejected | str:
        """Fill an order at ``units`` now: its status, or the refusal (nothing changed)."""
        return self.ledger.execute(spec, units)

    def fill_all(self, fills: list[tuple[FillSpec, int]]) -> list[str] | None:
        """Fill every (spec, units), or none: the statuses, or None when one is refused."""
        return self.ledger.execute_all(fills)

    def record(self, order_id: str, client_oid: str, symbol: str, status: str, detail: Any,
               at_ms: int, fill_units: int) -> None:
        """Keep a finished order (that filled whole at once) in the bounded history."""
        history = self.history
        if history.maxlen:
            history.append(HistoryEntry(order_id, client_oid, symbol, status, detail, at_ms,
                                        fill_units))


class IdGen:
    """Strictly increasing numeric order ids, shared by every account and both paths."""

    def __init__(self, start: int) -> None:
        self.last = start

    def next_str(self) -> str:
        """The next order id as a decimal string."""
        self.last += 1
        return str(self.last)


__all__ = ["AccountState", "IdGen"]

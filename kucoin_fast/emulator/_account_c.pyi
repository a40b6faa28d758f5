"""Compiled build of ``_account`` (see _account.py and _account_c.pxd)."""
from typing import Any

from typing_extensions import disjoint_base

from ._ledger import FillSpec, FuturesLedger, Rejected

@disjoint_base
class AccountState:
    account_id: str
    open: dict[str, Any]
    by_client_oid: dict[str, Any]
    limit_count: dict[str, int]
    stop_count: dict[str, int]
    history: Any
    rl_start_ms: int
    rl_used: int
    spot_rl: list[int]
    ledger: FuturesLedger
    spot: Any
    margin: Any
    events: Any
    def __init__(self, account_id: str, history_size: int, ledger: FuturesLedger) -> None: ...
    def fill(self, spec: FillSpec, units: int) -> Rejected | str: ...
    def fill_all(self, fills: list[tuple[FillSpec, int]]) -> list[str] | None: ...
    def record(self, order_id: str, client_oid: str, symbol: str, status: str, detail: Any,
               at_ms: int, fill_units: int) -> None: ...

@disjoint_base
class IdGen:
    last: int
    def __init__(self, start: int) -> None: ...
    def next_str(self) -> str: ...

__all__ = ["AccountState", "IdGen"]

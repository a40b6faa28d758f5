"""Compiled fast path of the emulator (see _fastpath.pyx)."""
from collections.abc import Callable
from typing import Any

from picows import WSFrame, WSListener, WSTransport
from typing_extensions import disjoint_base

from ._account_c import IdGen

ST_AUTHED: int

@disjoint_base
class Plan:
    contract: Any
    symbol: str
    is_market: bool
    is_buy: bool
    price: Any
    maker_only: bool
    symbol_b: bytes
    fill: Any
    args: dict[str, Any]
    def __init__(self, contract: Any, symbol: str, is_market: bool, is_buy: bool,
                 price: Any, maker_only: bool, fill: Any, args: dict[str, Any]) -> None: ...

@disjoint_base
class FastPath:
    def __init__(self, check_order: Callable[[Any], Any],
                 price_of: Callable[[Any, Any], Any], mark_prices: dict[str, Any],
                 mark_units: dict[str, int], ids: IdGen) -> None: ...
    def clear(self) -> None: ...

@disjoint_base
class FastListener(WSListener):
    @property
    def session(self) -> Any: ...
    ns: bool
    def __init__(self, session: Any, memo: FastPath) -> None: ...
    def on_ws_connected(self, transport: WSTransport) -> None: ...
    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None: ...
    def on_ws_disconnected(self, transport: WSTransport) -> None: ...

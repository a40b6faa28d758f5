"""Compiled fast path of the emulator (see _fastpath.pyx)."""
from collections.abc import Callable
from typing import Any

from picows import WSFrame, WSListener, WSTransport
from typing_extensions import disjoint_base

ST_AUTHED: int

@disjoint_base
class IdGen:
    last: int
    def __init__(self, start: int) -> None: ...
    def next_str(self) -> str: ...

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
class FastListener(WSListener):
    session: Any
    ns: bool
    def __init__(self, session: Any, shapes: dict[bytes, Any], ids: IdGen,
                 plan_for: Callable[[bytes, bytes], Any]) -> None: ...
    def on_ws_connected(self, transport: WSTransport) -> None: ...
    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None: ...
    def on_ws_disconnected(self, transport: WSTransport) -> None: ...

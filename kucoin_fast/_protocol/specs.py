"""Static facts of the venue: URLs, batch and open-order caps, rate-limit pools, and the
contract and spot-pair specs."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final, NamedTuple

DEFAULT_URL: Final = "wss://wsapi.kucoin.com/v1/private"
WS_PATH: Final = "/v1/private"

MULTI_ORDER_MAX: Final = 20
MULTI_CANCEL_MAX: Final = 10
#: Requests per 30 s window in the per-UID futures pool at VIP0 (protocol §8).
DEFAULT_RATE_LIMIT: Final = 2000
#: The per-UID Spot pool at VIP0 (spot doc §1.1, open question 10): spot and margin ops.
DEFAULT_SPOT_RATE_LIMIT: Final = 4000
RATE_LIMIT_WINDOW_MS: Final = 30_000
#: Open-order caps per contract per UID (protocol §5.3).
MAX_OPEN_LIMIT_ORDERS: Final = 100
MAX_OPEN_STOP_ORDERS: Final = 200


class ContractSpec(NamedTuple):
    """Static contract facts the gateway checks orders against (fixtures: REST
    ``/api/v1/contracts/active``)."""

    symbol: str
    tick_size: Decimal
    lot_size: int
    multiplier: Decimal
    max_order_qty: int
    max_price: Decimal
    is_inverse: bool
    mark_price: Decimal
    #: The currency margin is held and PnL settled in (inverse contracts: the base coin).
    settle_currency: str = "USDT"

    def check_price(self, price: Any) -> bool:
        """True when ``price`` is a positive multiple of the tick size, <= max price."""
        try:
            p = Decimal(str(price))
        except InvalidOperation:
            return False
        return Decimal(0) < p <= self.max_price and (p % self.tick_size) == 0


CONTRACTS: Final[dict[str, ContractSpec]] = {
    c.symbol: c
    for c in (
        ContractSpec("XBTUSDTM", Decimal("0.1"), 1, Decimal("0.001"), 1_000_000,
                     Decimal(1000000), False, Decimal("110205.37")),
        ContractSpec("ETHUSDTM", Decimal("0.01"), 1, Decimal("0.01"), 1_000_000,
                     Decimal(1000000), False, Decimal("4430.34")),
        ContractSpec("ZRXUSDTM", Decimal("0.0001"), 1, Decimal(10), 1_000_000,
                     Decimal(1000000), False, Decimal("0.2376")),
        # Coin-margined (inverse): size in lots only; multiplier -1 as KuCoin lists it.
        ContractSpec("XBTUSDM", Decimal(1), 1, Decimal(-1), 10_000_000,
                     Decimal(10000000), True, Decimal(110210), "XBT"),
    )
}


# ------------------------------------------------------------------ spot symbols
class SpotSymbolSpec(NamedTuple):
    """Static facts of a spot pair (REST ``GET /api/v2/symbols``, spot doc §1.8) and the
    emulator's default spot price."""

    symbol: str
    base_currency: str
    quote_currency: str
    base_min_size: Decimal
    base_increment: Decimal
    base_max_size: Decimal
    quote_min_size: Decimal
    quote_increment: Decimal
    quote_max_size: Decimal
    price_increment: Decimal
    price_limit_rate: Decimal
    min_funds: Decimal
    is_margin_enabled: bool
    price: Decimal


SPOT_SYMBOLS: Final[dict[str, SpotSymbolSpec]] = {
    s.symbol: s
    for s in (
        SpotSymbolSpec("BTC-USDT", "BTC", "USDT", Decimal("0.00001"), Decimal("0.00000001"),
                       Decimal(10000000000), Decimal("0.1"), Decimal("0.000001"),
                       Decimal(99999999), Decimal("0.1"), Decimal("0.1"), Decimal("0.1"), True,
                       Decimal("110205.3")),
        SpotSymbolSpec("ETH-USDT", "ETH", "USDT", Decimal("0.0001"), Decimal("0.0000001"),
                       Decimal(10000000000), Decimal("0.1"), Decimal("0.000001"),
                       Decimal(99999999), Decimal("0.01"), Decimal("0.1"), Decimal("0.1"), True,
                       Decimal("4430.34")),
    )
}

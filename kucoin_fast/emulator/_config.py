"""Static-ish configuration of the emulator (mutable at runtime where it makes sense)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .._protocol.ops import WEIGHTS
from .._protocol.specs import DEFAULT_RATE_LIMIT, DEFAULT_SPOT_RATE_LIMIT, RATE_LIMIT_WINDOW_MS

#: Every account starts with these (generous: examples, tests and benchmarks need no
#: setup). Amounts are decimal strings; a currency not listed starts at zero.
DEFAULT_SPOT_BALANCES: dict[str, str] = {"USDT": "1000000000", "BTC": "10000", "ETH": "100000"}
DEFAULT_FUTURES_BALANCES: dict[str, str] = {"USDT": "1000000000", "XBT": "10000"}


@dataclass
class EmulatorConfig:
    """Gateway behaviour that is not a fault. Every field is also an ``Emulator`` keyword."""

    #: Accepted |server time - URL timestamp| in ms (400002 outside it).
    timestamp_window_ms: int = 5000
    #: Decode a raw ``+`` in the URL query as a space (form rules), like a strict server.
    strict_plus: bool = False
    #: Seconds to wait for the challenge signature before 400012 and close.
    handshake_timeout_s: float = 30.0
    #: Announced in the welcome frame.
    ping_interval_ms: int = 18_000
    ping_timeout_ms: int = 10_000
    #: Close a session silent for this long; None = ping_interval_ms + ping_timeout_ms.
    idle_timeout_ms: int | None = None
    #: Per-account request weight allowed per window in the futures pool; None disables
    #: rate limiting (of every pool).
    rate_limit: int | None = DEFAULT_RATE_LIMIT
    #: The same for the Spot pool (spot.* and margin.* ops); None: that pool unlimited.
    spot_rate_limit: int | None = DEFAULT_SPOT_RATE_LIMIT
    rate_limit_window_ms: int = RATE_LIMIT_WINDOW_MS
    weights: dict[str, int] = field(default_factory=lambda: dict(WEIGHTS))
    #: Attach ``userRateLimit`` to futures.order / multi_order replies too (KuCoin does not).
    rate_limit_on_orders: bool = False
    #: Per-connection cap of trading requests per ``connection_rate_window_ms`` (429002).
    connection_rate_limit: int | None = None
    connection_rate_window_ms: int = 1000
    #: Close a connection with 420001 after this many error replies (None = never).
    max_errors: int | None = None
    #: Reject request ids longer than this (None = no limit).
    id_max_len: int | None = None
    #: Finished orders remembered per account (bounded; 0 keeps none).
    history_size: int = 10_000
    #: Use the compiled fast path for futures.order when it is built (and
    #: KUCOIN_FAST_NO_EXTENSIONS is not set); replies are identical either way.
    fast_path: bool = True
    #: Never let the event loop sleep (a ready callback keeps its poll at a zero
    #: timeout): models a production gateway that is always busy, so a benchmark's
    #: round trip carries no wake-up on the server side. Burns one core while running.
    busy_poll: bool = False
    #: Largest inbound frame accepted (picows closes the connection above it).
    max_frame_size: int = 1024 * 1024
    #: Balances a new account starts with: futures (per settlement currency), spot
    #: (the trade_hf account), cross margin, and each isolated margin pair (its base
    #: and quote, from ``margin_balances``).
    futures_balances: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_FUTURES_BALANCES))
    spot_balances: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SPOT_BALANCES))
    margin_balances: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SPOT_BALANCES))
    #: What a margin account may borrow per currency (autoBorrow), cross or per pair.
    margin_borrow_limits: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_SPOT_BALANCES))
    #: Futures position mode of a new account: "auto", "one-way" or "hedge" (_ledger).
    position_mode: str = "auto"
    #: postOnly with timeInForce IOC/FOK on spot and margin: "reject" (400100) or
    #: "ignore" (the flag is dropped), spot doc open question 4.
    spot_post_only_ioc: str = "reject"
    #: REST lookups answer "not found" for orders placed less than this many ms ago
    #: (KuCoin's lagging lookup index, spot doc §3.4; open question 2 suggests 300 for
    #: tests).
    rest_visibility_delay_ms: int = 0
    #: Verify REST signatures over the decoded query only (open question 14).
    rest_strict_query: bool = False
    #: (code, msg) of a REST lookup that finds nothing, per family (open questions 1-2).
    rest_not_found: dict[str, tuple[str, str]] = field(default_factory=lambda: {
        "futures": ("100001", "error.getOrder.orderNotExist"),
        "spot": ("400100", "order not exist."), "margin": ("130103", "order not exist.")})
    #: Lifetime of a bullet-private token, in seconds (KuCoin: 24 h).
    token_ttl_s: float = 86_400.0
    #: Push messages after the WS API reply that caused them ("response_first") or at
    #: once ("push_first"), spot doc §4.6.
    push_order: str = "response_first"

    @property
    def effective_idle_timeout_ms(self) -> int:
        """The idle timeout actually enforced."""
        if self.idle_timeout_ms is not None:
            return self.idle_timeout_ms
        return self.ping_interval_ms + self.ping_timeout_ms

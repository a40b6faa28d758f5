"""The emulated venue's shared state: accounts, engines, counters, config and faults,
with the methods sessions, the REST service and the push service use."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from . import _build
from ._auth import Account, authenticate
from ._config import EmulatorConfig
from ._counters import Counters
from ._engine import FuturesEngine
from ._faults import Faults
from ._ledger import FuturesLedger
from ._spot import SpotEngine

if TYPE_CHECKING:
    from ._account import AccountState
    from ._session import Session

_time_ns: Final = time.time_ns


def _no_pushes() -> None:
    """``Venue.flush_pushes`` until a push service is attached."""


class Venue:
    """What every session and service of one emulator shares (see the module docstring)."""

    def __init__(self, config: EmulatorConfig, faults: Faults,
                 brokers: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.faults = faults
        self.counters = Counters()
        # Unique, ~18-digit, increasing; time-seeded so restarts rarely reuse ids.
        self.ids = _build.IdGen(400_000_000_000_000_000 + (_time_ns() // 1000) % 10**14)
        self.futures = FuturesEngine(self.ids)
        #: Spot pairs, spot prices and the spot/margin accounts (see ``_spot``).
        self.spot = SpotEngine(config)
        #: partner id -> broker key (for partner/partner_sign).
        self.brokers: dict[str, str] = dict(brokers or {})
        #: Writes the push messages queued so far (set by the push service).
        self.flush_pushes: Callable[[], None] = _no_pushes
        #: The compiled fast path's memo, or None (no compiled build).
        fast = _build.FAST
        self.fast: Any = None if fast is None else fast.FastPath(
            self.futures.check_order, self.futures.price, self.futures.mark_prices,
            self.futures.mark_units, self.ids)
        self._keys: dict[str, Account] = {}
        self._states: dict[str, AccountState] = {}
        self._sessions: set[Session] = set()

    # ------------------------------------------------------------ accounts
    def add_account(self, account: Account) -> None:
        """Register (or replace) an API key; takes effect for new connections."""
        self._keys[account.api_key] = account

    @property
    def keys(self) -> Mapping[str, Account]:
        """API key -> Account (read-only view)."""
        return self._keys

    def account_state(self, account_id: str) -> AccountState:
        """The state of account ``account_id`` (a uid), created on first use."""
        state = self._states.get(account_id)
        if state is None:
            cfg = self.config
            state = self._states[account_id] = _build.AccountState(
                account_id, cfg.history_size,
                FuturesLedger(cfg.futures_balances, cfg.position_mode))
        return state

    def account_states(self) -> list[AccountState]:
        """Every account state created so far."""
        return list(self._states.values())

    def resolve(self, account: Account | str | None) -> AccountState:
        """The state of an Account, API key or uid (None: the first account)."""
        if account is None:
            if not self._keys:
                raise KeyError("the emulator has no account")
            account = next(iter(self._keys.values()))
        if isinstance(account, Account):
            return self.account_state(account.account_id)
        acc = self._keys.get(account)
        return self.account_state(acc.account_id if acc is not None else account)

    def authenticate(self, query: dict[str, str]) -> Account:
        """The account a WS API upgrade's query signs in (raises ``AuthError``)."""
        return authenticate(query, self._keys, self.brokers, _time_ns() // 1_000_000,
                            self.config.timestamp_window_ms)

    # ------------------------------------------------------------ prices
    def set_mark_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Change the mark price futures limit orders are matched against."""
        self.futures.set_mark_price(symbol, price)

    def set_spot_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Change a pair's spot price (resting orders it goes through fill)."""
        self.spot.set_price(symbol, price, self.account_states(), _time_ns() // 1_000_000)

    def clear_caches(self) -> None:
        """Forget memoised order checks (after changing the contracts or pairs)."""
        self.futures.clear_caches()
        self.spot.clear_caches()
        if self.fast is not None:
            self.fast.clear()

    # ------------------------------------------------------------ sessions
    def join(self, session: Session) -> None:
        """A WS API connection opened."""
        self._sessions.add(session)
        self.counters.connections_total += 1
        self.counters.connections_active += 1

    def leave(self, session: Session) -> None:
        """A WS API connection closed (once per joined session)."""
        if session in self._sessions:
            self._sessions.discard(session)
            self.counters.connections_active -= 1

    def sessions(self) -> list[Session]:
        """The open WS API connections."""
        return list(self._sessions)

    def listener(self, session: Session) -> Any:
        """What serves ``session``'s socket: the compiled fast path wrapping it when
        built and enabled, else the session itself."""
        if self.fast is not None and self.config.fast_path and session.account is not None:
            assert _build.FAST is not None
            return _build.FAST.FastListener(session, self.fast)
        return session


__all__ = ["Venue"]

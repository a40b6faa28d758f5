"""Futures accounts of the emulator: an available balance per settlement currency and
the positions per contract, so margin refusals (``300003``/``330008``) come from the
account itself and ``reduceOnly``/``closeOrder`` act on a real position.

Amounts and prices are integers of ``10^-12`` (:data:`SCALE`). The margin and position
rules where KuCoin is silent: docs/emulator.md.
"""
from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any, Final, NamedTuple

from .._protocol.codes import ERRORS
from .._protocol.specs import ContractSpec

#: Leverage assumed when an order omits it (protocol open question 9).
DEFAULT_LEVERAGE: Final = 1
POSITION_MODES: Final = ("auto", "one-way", "hedge")
#: Fixed-point scale of every ledger amount and price.
SCALE: Final = 10**12
_D_SCALE: Final = Decimal(SCALE)
_LEG_DIRECTION: Final = {"BOTH": 0, "LONG": 1, "SHORT": -1}


def to_units(value: Any) -> int:
    """A decimal amount (str, int, float, Decimal) in ledger units, rounded down."""
    return int((Decimal(str(value)) * _D_SCALE).to_integral_value(ROUND_FLOOR))


def from_units(units: int) -> Decimal:
    """Ledger units as a Decimal amount (trailing zeros dropped)."""
    return (Decimal(units) / _D_SCALE).normalize() if units else Decimal(0)


class Rejected(NamedTuple):
    """A business rejection: KuCoin code and message text."""

    code: str
    msg: str


_MODE_REFUSAL: Final = Rejected("330011", ERRORS["330011"])


class FillSpec:
    """What a futures order does to a position, known before its price: a pure function
    of the order and its contract, so the compiled fast path memoises it per shape.
    (A slots class, not a NamedTuple: ``execute`` reads a dozen fields per fill.)"""

    __slots__ = ("close", "contract", "currency", "delta", "den", "inverse", "key", "leg",
                 "memo_need", "memo_price", "num", "plain", "reduce_only", "sign", "symbol",
                 "value")

    def __init__(self, contract: ContractSpec, side: str, sign: int, delta: int | None,
                 value: int | None, leverage: int, reduce_only: bool, close: bool) -> None:
        self.contract = contract
        self.symbol = contract.symbol
        #: The settlement currency margin is held in; inverse contracts price by 1/price.
        self.currency = contract.settle_currency
        self.inverse = contract.is_inverse
        #: (symbol, "BOTH" | "LONG" | "SHORT").
        self.key = (contract.symbol, side)
        #: 0 one-way (BOTH), +1 the LONG leg, -1 the SHORT leg.
        self.leg = _LEG_DIRECTION[side]
        #: +1 buy, -1 sell, 0 closeOrder (the opposite of the position).
        self.sign = sign
        #: Signed lots (``size``, or ``qty`` / multiplier); None for ``valueQty`` and
        #: close orders.
        self.delta = delta
        #: ``valueQty`` in units, else None.
        self.value = value
        #: |multiplier| = num / den; margin = lots x num x price / (den x leverage).
        num, den = abs(contract.multiplier).as_integer_ratio()
        self.num = num
        self.den = den * leverage
        self.reduce_only = reduce_only
        self.close = close
        #: One-way, a known size, not reduce-only: the fills :meth:`FuturesLedger.execute`
        #: short-cuts when they open from flat or close exactly.
        self.plain = self.leg == 0 and delta is not None and not reduce_only
        #: The margin of the whole order at the price last filled at (the mark changes
        #: rarely: most fills reuse it).
        self.memo_price = -1
        self.memo_need = 0

    def margin(self, lots: int, price: int) -> int:
        """Initial margin (units) of ``lots`` at ``price`` (units), rounded up."""
        if self.inverse:
            return -(-lots * self.num * SCALE * SCALE // (self.den * price))
        return -(-lots * self.num * price // self.den)

    def lots_of_value(self, price: int) -> int:
        """The whole lots a ``valueQty`` order buys at ``price``."""
        num, den = abs(self.contract.multiplier).as_integer_ratio()
        return (self.value or 0) * den // (num * price)

    def __repr__(self) -> str:
        return (f"FillSpec(key={self.key!r}, sign={self.sign}, delta={self.delta}, "
                f"value={self.value}, reduce_only={self.reduce_only})")


def fill_spec(order: dict[str, Any], contract: ContractSpec) -> FillSpec:
    """The :class:`FillSpec` of a rule- and contract-valid futures order."""
    lots: int | None = None
    value: int | None = None
    if "size" in order:
        lots = int(order["size"])
    elif "qty" in order:
        lots = int(Decimal(str(order["qty"])) / abs(contract.multiplier))
    elif "valueQty" in order:
        value = to_units(order["valueQty"])
    close = order.get("closeOrder") is True
    sign = 0 if close else (1 if order.get("side") == "buy" else -1)
    leverage = int(order["leverage"]) if "leverage" in order else DEFAULT_LEVERAGE
    return FillSpec(contract, order.get("positionSide", "BOTH"), sign,
                    None if lots is None or close else lots * sign, value, leverage,
                    close or order.get("reduceOnly") is True, close)


class Position:
    """One open position: signed lots (hedge legs: ``LONG`` >= 0, ``SHORT`` <= 0), the
    average entry price and the margin it holds (units; Decimal views below)."""

    __slots__ = ("contract", "entry", "lots", "margin_units", "side")

    def __init__(self, contract: ContractSpec, side: str) -> None:
        self.contract = contract
        self.side = side
        self.lots = 0
        self.entry = 0
        self.margin_units = 0

    @property
    def symbol(self) -> str:
        """The contract's symbol."""
        return self.contract.symbol

    @property
    def entry_price(self) -> Decimal:
        """The average entry price."""
        return from_units(self.entry)

    @property
    def margin(self) -> Decimal:
        """The margin the position holds, in the contract's settlement currency."""
        return from_units(self.margin_units)

    def __repr__(self) -> str:
        return (f"Position(symbol={self.symbol!r}, side={self.side!r}, lots={self.lots}, "
                f"entry_price={self.entry_price!s}, margin={self.margin!s})")


class FuturesLedger:
    """A futures account: ``available`` per currency (units), ``positions`` per
    (symbol, side), the position ``mode``. See the module docstring for the rules."""

    __slots__ = ("available", "mode", "positions")

    def __init__(self, balances: dict[str, Any], mode: str = "auto") -> None:
        self.available: dict[str, int] = {c: to_units(v) for c, v in balances.items()}
        self.positions: dict[tuple[str, str], Position] = {}
        self.mode = mode

    @staticmethod
    def _short(available: int) -> Rejected:
        code = "300003" if available <= 0 else "330008"
        return Rejected(code, ERRORS[code])

    def hold(self, spec: FillSpec, price: int) -> Rejected | int:
        """Hold the margin of a resting limit order at ``price`` (units; none for
        reduce-only and close orders); the units held, or the refusal."""
        mode = self.mode
        if mode != "auto" and (spec.leg == 0) == (mode == "hedge"):
            return _MODE_REFUSAL
        if spec.reduce_only:
            return 0
        lots = abs(spec.delta) if spec.delta is not None else spec.lots_of_value(price)
        need = spec.margin(lots, price)
        available = self.available.get(spec.currency, 0)
        if need > available:
            return self._short(available)
        self.available[spec.currency] = available - need
        return need

    def release(self, currency: str, units: int) -> None:
        """Give a cancelled order's held margin back."""
        if units:
            self.available[currency] = self.available.get(currency, 0) + units

    def execute(self, spec: FillSpec, price: int) -> Rejected | str:
        """Fill the order at ``price`` (units) now: ``"filled"``, ``"cancelled"``
        (nothing left to reduce or close), or the refusal (then nothing changed)."""
        pos = self.positions.get(spec.key)
        if spec.plain and pos is not None and self.mode != "hedge":
            # The two fills of a book that alternates sides (the benchmarks): opening
            # from flat at the memoised margin, and closing exactly.
            cur = pos.lots
            delta: Any = spec.delta
            balances = self.available
            currency = spec.currency
            if cur + delta == 0:
                gain = pos.margin_units if price == pos.entry else \
                    self._reduce(pos, cur if cur > 0 else -cur, -1, price)
                balances[currency] = balances.get(currency, 0) + gain
                pos.lots = pos.margin_units = 0
                return "filled"
            if not cur and spec.memo_price == price:
                need = spec.memo_need
                available = balances.get(currency, 0)
                if need <= available:
                    balances[currency] = available - need
                    pos.lots, pos.entry, pos.margin_units = delta, price, need
                    return "filled"
        return self._execute(spec, price, pos)

    def _execute(self, spec: FillSpec, price: int, pos: Position | None) -> Rejected | str:
        mode = self.mode
        if mode != "auto" and (spec.leg == 0) == (mode == "hedge"):
            return _MODE_REFUSAL
        cur = pos.lots if pos is not None else 0
        delta = spec.delta
        if delta is None:
            delta = -cur if spec.close else spec.lots_of_value(price) * spec.sign
        size = delta if delta > 0 else -delta
        held = cur if cur > 0 else -cur
        if spec.leg:  # a hedge leg grows in its own direction only
            grows = (delta > 0) == (spec.leg > 0)
        else:
            grows = not cur or (delta > 0) == (cur > 0)
        if grows:
            reduce, grow = 0, size
        else:
            reduce = min(held, size)
            grow = 0 if spec.leg else size - reduce
        if spec.reduce_only:
            grow = 0
        if not reduce and not grow:
            return "cancelled"
        available = self.available.get(spec.currency, 0)
        if not grow:
            need = 0
        elif grow == size and spec.memo_price == price:
            need = spec.memo_need
        else:
            need = spec.margin(grow, price)
            if grow == size:
                spec.memo_price, spec.memo_need = price, need
        if need > available:
            return self._short(available)
        if pos is None:
            pos = self.positions[spec.key] = Position(spec.contract, spec.key[1])
        if reduce:
            available += self._reduce(pos, reduce, held, price)
            cur = cur - reduce if cur > 0 else cur + reduce
        if grow:
            if cur:
                size = cur if cur > 0 else -cur
                pos.entry = (pos.entry * size + price * grow) // (size + grow)
                pos.margin_units += need
            else:
                pos.entry, pos.margin_units = price, need
            available -= need
            cur = cur + grow if delta > 0 else cur - grow
        pos.lots = cur
        self.available[spec.currency] = available
        return "filled"

    @staticmethod
    def _reduce(pos: Position, reduce: int, held: int, price: int) -> int:
        """Release ``reduce`` of ``held`` lots' margin (``held`` -1: all of it); returns
        it plus the realised PnL."""
        if reduce == held or held < 0:
            release, pos.margin_units = pos.margin_units, 0
        else:
            release = pos.margin_units * reduce // held
            pos.margin_units -= release
        if price == pos.entry:
            return release
        num, den = abs(pos.contract.multiplier).as_integer_ratio()
        if pos.contract.is_inverse:
            pnl = reduce * num * SCALE * SCALE * (price - pos.entry) // (den * pos.entry * price)
        else:
            pnl = (price - pos.entry) * reduce * num // den
        return release + (pnl if pos.lots > 0 else -pnl)

    def execute_all(self, fills: list[tuple[FillSpec, int]]) -> list[str] | None:
        """Fill every (spec, price) in order, or none of them: None (and nothing
        changed) when any one is refused."""
        saved_available = dict(self.available)
        saved = {spec.key: _copy(self.positions.get(spec.key)) for spec, _ in fills}
        done: list[str] = []
        for spec, price in fills:
            res = self.execute(spec, price)
            if type(res) is not str:
                self.available = saved_available
                for key, pos in saved.items():
                    if pos is None:
                        self.positions.pop(key, None)
                    else:
                        self.positions[key] = pos
                return None
            done.append(res)
        return done

    def open_positions(self) -> list[Position]:
        """The positions with lots (a closed one is kept at zero, and not listed)."""
        return [p for p in self.positions.values() if p.lots]

    def set_available(self, currency: str, amount: Any) -> None:
        """Set the available balance of ``currency`` (a decimal amount)."""
        self.available[currency] = to_units(amount)

    def snapshot(self) -> dict[str, str]:
        """The available balances as decimal strings."""
        return {c: format(from_units(v), "f") for c, v in self.available.items()}


def _copy(pos: Position | None) -> Position | None:
    if pos is None:
        return None
    twin = Position(pos.contract, pos.side)
    twin.lots, twin.entry, twin.margin_units = pos.lots, pos.entry, pos.margin_units
    return twin


__all__ = ["DEFAULT_LEVERAGE", "POSITION_MODES", "SCALE", "FillSpec", "FuturesLedger",
           "Position", "Rejected", "fill_spec", "from_units", "to_units"]

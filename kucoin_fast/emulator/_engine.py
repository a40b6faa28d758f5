"""The emulator's order engine: contracts, mark prices, per-account open orders.

Matching is deliberately simple (there is no order book): a limit order *crosses*
when a buy is priced at or above the contract's mark price, or a sell at or below
it. A crossing order fills at once; a market order fills; everything else rests
until it is cancelled.

Decisions on behaviour KuCoin does not document (see :meth:`Engine.place`):

* a ``postOnly`` or ``timeInForce=RPI`` order that would cross is rejected with
  ``300000`` ("Request parameter illegal: postOnly order would take liquidity");
* a non-crossing IOC limit order is accepted (``200000`` with an orderId) and is
  cancelled at once instead of resting;
* a stop order (``stop`` set) rests untriggered whatever its price, and counts
  against ``MAX_OPEN_STOP_ORDERS`` (``300004``) instead of the limit-order cap;
* an unknown symbol is ``200003`` "symbol invalid"; the other contract checks
  (inverse contracts accept ``size`` only, price off the tick, ``qty`` not a
  multiple of the multiplier, size above ``maxOrderQty``) are ``400100`` parameter
  errors in the format of :class:`kucoin_fast._rules.Violation`.

Filled and cancelled orders are not kept, except in a bounded ``history`` deque,
so memory stays flat however many orders fill.
"""
from __future__ import annotations

import time
from collections import deque
from decimal import Decimal, InvalidOperation
from typing import Any, Final, NamedTuple

from .. import _rules
from .._rules import CONTRACTS, ERRORS, MAX_OPEN_LIMIT_ORDERS, MAX_OPEN_STOP_ORDERS, ContractSpec

POST_ONLY_CROSS_CODE: Final = "300000"
POST_ONLY_CROSS_MSG: Final = "Request parameter illegal: postOnly order would take liquidity"
_CACHE_MAX: Final = 4096
_COID_OK: Final = _rules.CLIENT_OID_RE.match


class OrderInfo:
    """An open (resting) order as the engine holds it. Read-only by convention."""

    __slots__ = (
        "args",
        "client_oid",
        "created_ms",
        "is_stop",
        "order_id",
        "price",
        "side",
        "size",
        "symbol",
        "type",
    )

    def __init__(self, order_id: str, client_oid: str, symbol: str, side: str, type_: str,
                 price: Decimal | None, size: Any, is_stop: bool, created_ms: int,
                 args: dict[str, Any]) -> None:
        self.order_id = order_id
        self.client_oid = client_oid
        self.symbol = symbol
        self.side = side
        self.type = type_
        self.price = price
        self.size = size
        self.is_stop = is_stop
        self.created_ms = created_ms
        self.args = args

    def __repr__(self) -> str:
        return (f"OrderInfo(order_id={self.order_id!r}, client_oid={self.client_oid!r}, "
                f"symbol={self.symbol!r}, side={self.side!r}, type={self.type!r}, "
                f"price={self.price!s}, size={self.size!r}, is_stop={self.is_stop})")


class HistoryEntry(NamedTuple):
    """One finished order in an account's bounded history."""

    order_id: str
    client_oid: str
    symbol: str
    status: str  # "filled" | "cancelled"


class Book:
    """Per-account state: open orders, the rate-limit window, recent history."""

    __slots__ = (
        "account_id",
        "by_client_oid",
        "history",
        "limit_count",
        "open",
        "rl_start_ms",
        "rl_used",
        "stop_count",
    )

    def __init__(self, account_id: str, history_size: int) -> None:
        self.account_id = account_id
        self.open: dict[str, OrderInfo] = {}
        self.by_client_oid: dict[str, OrderInfo] = {}
        self.limit_count: dict[str, int] = {}
        self.stop_count: dict[str, int] = {}
        self.history: deque[HistoryEntry] = deque(maxlen=history_size)
        self.rl_start_ms = -(1 << 62)
        self.rl_used = 0


class IdGen:
    """Strictly increasing numeric order ids (the compiled fast path has a twin)."""

    __slots__ = ("last",)

    def __init__(self, start: int) -> None:
        self.last = start

    def next_str(self) -> str:
        """The next order id as a decimal string."""
        self.last += 1
        return str(self.last)


class Rejected(NamedTuple):
    """A business rejection: KuCoin code and message text."""

    code: str
    msg: str


def _param(field: str, rule: str) -> Rejected:
    v = _rules.Violation("400100", field, rule)
    return Rejected(v.code, v.msg)


class Engine:
    """Contracts, mark prices and per-account books (see the module docstring)."""

    history_entry = HistoryEntry

    def __init__(self, history_size: int = 10_000,
                 contracts: dict[str, ContractSpec] | None = None,
                 ids: Any = None) -> None:
        self.contracts: dict[str, ContractSpec] = dict(CONTRACTS if contracts is None
                                                       else contracts)
        self.mark_prices: dict[str, Decimal] = {s: c.mark_price
                                                for s, c in self.contracts.items()}
        self.history_size = history_size
        self.books: dict[str, Book] = {}
        # Unique, ~18-digit, increasing; time-seeded so restarts rarely reuse ids.
        start = 400_000_000_000_000_000 + (time.time_ns() // 1000) % 10**14
        self.ids = ids(start) if ids is not None else IdGen(start)
        # (symbol, type, value) -> Decimal price (None = invalid); bounded.
        self._price_cache: dict[tuple[str, type, Any], Decimal | None] = {}
        # order shape (see check_order) -> its verdict; bounded.
        self._check_cache: dict[Any, Rejected | ContractSpec] = {}

    # ------------------------------------------------------------------ admin
    def book(self, account_id: str) -> Book:
        """The book of ``account_id``, created on first use."""
        b = self.books.get(account_id)
        if b is None:
            b = self.books[account_id] = Book(account_id, self.history_size)
        return b

    def set_mark_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Change a contract's mark price; resting orders are not re-matched."""
        if symbol not in self.contracts:
            raise KeyError(symbol)
        self.mark_prices[symbol] = Decimal(str(price))

    def clear_caches(self) -> None:
        """Forget memoised checks (call after changing ``contracts``)."""
        self._price_cache.clear()
        self._check_cache.clear()

    def new_order_id(self) -> str:
        """A fresh unique numeric order id."""
        return str(self.ids.next_str())

    # ------------------------------------------------------------------ checks
    def _price(self, contract: ContractSpec, value: Any) -> Decimal | None:
        key = (contract.symbol, type(value), value)
        cache = self._price_cache
        try:
            return cache[key]
        except KeyError:
            pass
        p: Decimal | None
        p = Decimal(str(value)) if contract.check_price(value) else None
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[key] = p
        return p

    def check_order(self, order: Any) -> Rejected | ContractSpec:
        """Rule checks (:func:`kucoin_fast._rules.validate_order`) plus contract checks
        of a request's order, memoised on the order's shape.

        Both are pure functions of the order minus its clientOid (once the clientOid
        itself is well-formed), so orders differing only in clientOid share an entry;
        value types are part of the key because ``True == 1``."""
        if type(order) is dict:
            coid = order.get("clientOid")
            if type(coid) is str and _COID_OK(coid):
                shape = order.copy()
                shape["clientOid"] = ""
                values = tuple(shape.values())
                key = (tuple(shape), tuple(map(type, values)), values)
                cache = self._check_cache
                try:
                    return cache[key]
                except KeyError:
                    pass
                except TypeError:  # unhashable value (list/dict): no memo
                    return self._check_order_uncached(order)
                res = self._check_order_uncached(order)
                if len(cache) >= _CACHE_MAX:
                    cache.clear()
                cache[key] = res
                return res
        return self._check_order_uncached(order)

    def _check_order_uncached(self, order: Any) -> Rejected | ContractSpec:
        bad = _rules.validate_order(order, strict_keys=False)
        if bad is not None:
            return Rejected(bad.code, bad.msg)
        return self.check_contract(order)

    def check_contract(self, order: dict[str, Any]) -> Rejected | ContractSpec:
        """Contract-dependent checks of an already rule-valid order."""
        contract = self.contracts.get(order["symbol"])
        if contract is None:
            return Rejected("200003", ERRORS["200003"])
        if contract.is_inverse:
            for f in ("qty", "valueQty"):
                if f in order:
                    return _param(f, "inverse contracts accept size only")
        price = order.get("price")
        if price is not None and self._price(contract, price) is None:
            return _param("price", f"must be a multiple of the tick size {contract.tick_size}"
                                   f" and at most {contract.max_price}")
        stop_price = order.get("stopPrice")
        if stop_price is not None and self._price(contract, stop_price) is None:
            return _param("stopPrice", f"must be a multiple of the tick size "
                                       f"{contract.tick_size} and at most {contract.max_price}")
        size = order.get("size")
        if size is not None:
            if int(size) > contract.max_order_qty:
                return _param("size", f"must be at most {contract.max_order_qty}")
        else:
            qty = order.get("qty")
            if qty is not None:
                try:
                    lots = Decimal(str(qty)) / contract.multiplier
                except InvalidOperation:
                    return _param("qty", "must be a positive decimal string")
                if lots != lots.to_integral_value():
                    return _param("qty", f"must be a multiple of the contract multiplier "
                                         f"{contract.multiplier}")
                if lots > contract.max_order_qty:
                    return _param("qty", f"must be at most {contract.max_order_qty} lots")
        return contract

    # ------------------------------------------------------------------ orders
    def place(self, book: Book, order: dict[str, Any], now_ms: int) -> Rejected | str:
        """Place a rule-valid order; return its orderId or a :class:`Rejected`.

        Checks, in order: contract checks, duplicate active clientOid (``300018``),
        postOnly/RPI crossing (``300000``), open-order caps (``300001``/``300004``).
        """
        checked = self.check_contract(order)
        if type(checked) is Rejected:
            return checked
        return self.place_checked(book, order, checked, now_ms)  # type: ignore[arg-type]

    def place_checked(self, book: Book, order: dict[str, Any], contract: ContractSpec,
                      now_ms: int) -> Rejected | str:
        """:meth:`place` after :meth:`check_contract` succeeded with ``contract``."""
        client_oid: str = order["clientOid"]
        if client_oid in book.by_client_oid:
            return Rejected("300018", ERRORS["300018"])
        symbol = contract.symbol
        is_stop = "stop" in order
        order_type = order.get("type", "limit")
        side = order.get("side", "")
        price: Decimal | None = None
        if order_type == "limit":
            price = self._price(contract, order["price"])
        if not is_stop:
            if order_type == "market":
                return self._finish(book, client_oid, symbol, "filled")
            assert price is not None
            mark = self.mark_prices[symbol]
            crosses = (side == "buy" and price >= mark) or (side == "sell" and price <= mark)
            if crosses:
                if order.get("postOnly") is True or order.get("timeInForce") == "RPI":
                    return Rejected(POST_ONLY_CROSS_CODE, POST_ONLY_CROSS_MSG)
                return self._finish(book, client_oid, symbol, "filled")
            if order.get("timeInForce") == "IOC":
                return self._finish(book, client_oid, symbol, "cancelled")
            counts = book.limit_count
            cap, cap_code = MAX_OPEN_LIMIT_ORDERS, "300001"
        else:
            counts = book.stop_count
            cap, cap_code = MAX_OPEN_STOP_ORDERS, "300004"
        current = counts.get(symbol, 0)
        if current >= cap:
            return Rejected(cap_code, ERRORS[cap_code] % (cap, current))
        order_id = self.new_order_id()
        info = OrderInfo(order_id, client_oid, symbol, side, order_type, price,
                         order.get("size", order.get("qty", order.get("valueQty"))),
                         is_stop, now_ms, order)
        book.open[order_id] = info
        book.by_client_oid[client_oid] = info
        counts[symbol] = current + 1
        return order_id

    def _finish(self, book: Book, client_oid: str, symbol: str, status: str) -> str:
        order_id = self.new_order_id()
        book.history.append(HistoryEntry(order_id, client_oid, symbol, status))
        return order_id

    def _remove(self, book: Book, info: OrderInfo) -> None:
        del book.open[info.order_id]
        del book.by_client_oid[info.client_oid]
        counts = book.stop_count if info.is_stop else book.limit_count
        counts[info.symbol] -= 1
        book.history.append(HistoryEntry(info.order_id, info.client_oid, info.symbol,
                                         "cancelled"))

    def cancel_by_order_id(self, book: Book, order_id: str, symbol: str | None = None) -> bool:
        """Cancel an open order; False when it is unknown, finished, or of another symbol."""
        info = book.open.get(order_id)
        if info is None or (symbol is not None and symbol != info.symbol):
            return False
        self._remove(book, info)
        return True

    def cancel_by_client_oid(self, book: Book, client_oid: str, symbol: str) -> str | None:
        """Cancel the active order with ``client_oid`` on ``symbol``; its orderId or None."""
        info = book.by_client_oid.get(client_oid)
        if info is None or info.symbol != symbol:
            return None
        self._remove(book, info)
        return info.order_id

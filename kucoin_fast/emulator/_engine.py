"""The emulator's futures engine: contracts, mark prices, and the futures orders of
each account (an ``AccountState``: open orders, ledger, history).

Matching has no order book: a limit order fills when it crosses the contract's mark
price, a market order fills, everything else rests until cancelled. The choices where
KuCoin is silent: docs/emulator.md.
"""
from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from .._protocol import fields as _fields
from .._protocol import validate as _validate
from .._protocol.codes import ERRORS
from .._protocol.specs import CONTRACTS, MAX_OPEN_LIMIT_ORDERS, MAX_OPEN_STOP_ORDERS, ContractSpec
from ._events import FuturesView, futures_view, publish_futures
from ._ledger import FillSpec, Rejected, fill_spec, to_units

if TYPE_CHECKING:
    from ._account import AccountState, IdGen

POST_ONLY_CROSS_CODE: Final = "300000"
POST_ONLY_CROSS_MSG: Final = "Request parameter illegal: postOnly order would take liquidity"
_CACHE_MAX: Final = 4096
_COID_OK: Final = _fields.CLIENT_OID_RE.match


class OrderInfo:
    """An open (resting) order as the engine holds it. Read-only by convention."""

    __slots__ = (
        "args",
        "client_oid",
        "created_ms",
        "fill",
        "hold",
        "is_stop",
        "lots",
        "order_id",
        "price",
        "settle_currency",
        "side",
        "size",
        "symbol",
        "type",
    )

    def __init__(self, order_id: str, client_oid: str, symbol: str, side: str, type_: str,
                 price: Decimal | None, size: Any, is_stop: bool, created_ms: int,
                 args: dict[str, Any], hold: int = 0, settle_currency: str = "USDT",
                 lots: int = 0, fill: FillSpec | None = None) -> None:
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
        #: Margin held for it, in ledger units (released when it is cancelled).
        self.hold = hold
        self.settle_currency = settle_currency
        #: The order's size in lots (0 when it is given by value).
        self.lots = lots
        #: What a fill does to the position (the lookups read its contract and size).
        self.fill = fill

    def __repr__(self) -> str:
        return (f"OrderInfo(order_id={self.order_id!r}, client_oid={self.client_oid!r}, "
                f"symbol={self.symbol!r}, side={self.side!r}, type={self.type!r}, "
                f"price={self.price!s}, size={self.size!r}, is_stop={self.is_stop})")


class HistoryEntry(NamedTuple):
    """One finished order in an account's bounded history. ``detail`` is what the REST
    lookups describe it from (an :class:`OrderInfo` on the Python path, the fast path's
    plan: both carry the order's args), ``at_ms`` when it was placed (the lookups'
    visibility delay), ``fill_units`` its fill price in ledger units (0: no fill),
    ``filled`` the lots filled (-1: the whole order), ``end_ms`` when it finished (0:
    ``at_ms``)."""

    order_id: str
    client_oid: str
    symbol: str
    status: str  # "filled" | "cancelled"
    detail: Any = None
    at_ms: int = 0
    fill_units: int = 0
    filled: int = -1
    end_ms: int = 0


def _param(field: str, rule: str) -> Rejected:
    v = _validate.Violation("400100", field, rule)
    return Rejected(v.code, v.msg)


class FuturesEngine:
    """Contracts, mark prices and the futures orders of each account (see the module
    docstring); order ids come from ``ids``, shared with the compiled fast path."""

    def __init__(self, ids: IdGen, contracts: dict[str, ContractSpec] | None = None) -> None:
        self.contracts: dict[str, ContractSpec] = dict(CONTRACTS if contracts is None
                                                       else contracts)
        self.mark_prices: dict[str, Decimal] = {s: c.mark_price
                                                for s, c in self.contracts.items()}
        #: The same in ledger units (what fills are priced with).
        self.mark_units: dict[str, int] = {s: to_units(p) for s, p in self.mark_prices.items()}
        self.ids = ids
        # (symbol, type, value) -> Decimal price (None = invalid); bounded.
        self._price_cache: dict[tuple[str, type, Any], Decimal | None] = {}
        # order shape (see check_order) -> its verdict; bounded.
        self._check_cache: dict[Any, Rejected | ContractSpec] = {}

    # ------------------------------------------------------------------ admin
    def set_mark_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Change a contract's mark price; resting orders are not re-matched."""
        if symbol not in self.contracts:
            raise KeyError(symbol)
        self.mark_prices[symbol] = Decimal(str(price))
        self.mark_units[symbol] = to_units(price)

    def clear_caches(self) -> None:
        """Forget memoised checks (call after changing ``contracts``)."""
        self._price_cache.clear()
        self._check_cache.clear()

    def new_order_id(self) -> str:
        """A fresh unique numeric order id."""
        return self.ids.next_str()

    # ------------------------------------------------------------------ checks
    def price(self, contract: ContractSpec, value: Any) -> Decimal | None:
        """``value`` as a price of ``contract`` (memoised), or None when it is not one."""
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
        """Rule checks (:func:`kucoin_fast._protocol.validate.validate_order`) plus contract checks
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
        bad = _validate.validate_order(order, strict_keys=False)
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
        if price is not None and self.price(contract, price) is None:
            return _param("price", f"must be a multiple of the tick size {contract.tick_size}"
                                   f" and at most {contract.max_price}")
        stop_price = order.get("stopPrice")
        if stop_price is not None and self.price(contract, stop_price) is None:
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
    def place(self, acct: AccountState, order: dict[str, Any], now_ms: int) -> Rejected | str:
        """Place a rule-valid order; return its orderId or a :class:`Rejected`.

        Checks, in order: contract checks, duplicate active clientOid (``300018``),
        postOnly/RPI crossing (``300000``), then for a fill the margin and position mode
        (``330008``/``300003``/``330011``, see :mod:`._ledger`), for a resting order the
        open-order caps (``300001``/``300004``) and then its margin.
        """
        checked = self.check_contract(order)
        if type(checked) is Rejected:
            return checked
        return self.place_checked(acct, order, checked, now_ms)  # type: ignore[arg-type]

    def place_checked(self, acct: AccountState, order: dict[str, Any], contract: ContractSpec,
                      now_ms: int) -> Rejected | str:
        """:meth:`place` after :meth:`check_contract` succeeded with ``contract``."""
        client_oid: str = order["clientOid"]
        if client_oid in acct.by_client_oid:
            return Rejected("300018", ERRORS["300018"])
        symbol = contract.symbol
        is_stop = "stop" in order
        order_type = order.get("type", "limit")
        price: Decimal | None = None
        if order_type == "limit":
            price = self.price(contract, order["price"])
        spec = fill_spec(order, contract)
        if not is_stop:
            if order_type == "market":
                return self._fill(acct, order, spec, None, now_ms)
            assert price is not None
            mark = self.mark_prices[symbol]
            side = order.get("side", "")
            crosses = (side == "buy" and price >= mark) or (side == "sell" and price <= mark)
            if crosses:
                if order.get("postOnly") is True or order.get("timeInForce") == "RPI":
                    return Rejected(POST_ONLY_CROSS_CODE, POST_ONLY_CROSS_MSG)
                return self._fill(acct, order, spec, price, now_ms)
            if order.get("timeInForce") == "IOC":
                return self._finish(acct, self._info(order, spec, price, now_ms), "cancelled",
                                    now_ms)
            return self._rest(acct, order, spec, price, "300001", now_ms)
        return self._rest(acct, order, spec, price, "300004", now_ms)

    def _fill(self, acct: AccountState, order: dict[str, Any], spec: FillSpec,
              price: Decimal | None, now_ms: int) -> Rejected | str:
        ledger = acct.ledger
        pos = ledger.positions.get(spec.key)
        before = pos.lots if pos is not None else 0
        units = self.mark_units[spec.symbol]
        status = ledger.execute(spec, units)
        if type(status) is not str:
            return status
        pos = ledger.positions.get(spec.key)
        filled = abs((pos.lots if pos is not None else 0) - before)
        return self._finish(acct, self._info(order, spec, price, now_ms), status, now_ms,
                            units, filled)

    def _info(self, order: dict[str, Any], spec: FillSpec, price: Decimal | None,
              now_ms: int, hold: int = 0) -> OrderInfo:
        return OrderInfo(self.new_order_id(), order["clientOid"], spec.symbol,
                         order.get("side", ""), order.get("type", "limit"), price,
                         order.get("size", order.get("qty", order.get("valueQty"))),
                         "stop" in order, now_ms, order, hold, spec.contract.settle_currency,
                         abs(spec.delta) if spec.delta is not None else 0, spec)

    def _rest(self, acct: AccountState, order: dict[str, Any], spec: FillSpec,
              price: Decimal | None, cap_code: str, now_ms: int) -> Rejected | str:
        symbol = spec.contract.symbol
        is_stop = cap_code == "300004"
        counts, cap = ((acct.stop_count, MAX_OPEN_STOP_ORDERS) if is_stop
                       else (acct.limit_count, MAX_OPEN_LIMIT_ORDERS))
        current = counts.get(symbol, 0)
        if current >= cap:
            return Rejected(cap_code, ERRORS[cap_code] % (cap, current))
        hold = 0
        if not is_stop:
            assert price is not None
            held = acct.ledger.hold(spec, to_units(price))
            if type(held) is Rejected:
                return held
            hold = held  # type: ignore[assignment]
        info = self._info(order, spec, price, now_ms, hold)
        acct.open[info.order_id] = info
        acct.by_client_oid[info.client_oid] = info
        counts[symbol] = current + 1
        if acct.events is not None:
            self._publish(acct, info, "open")
        return info.order_id

    def _finish(self, acct: AccountState, info: OrderInfo, status: str, now_ms: int,
                fill_units: int = 0, filled: int = 0) -> str:
        entry = HistoryEntry(info.order_id, info.client_oid, info.symbol, status, info,
                             info.created_ms, fill_units, filled, now_ms)
        acct.history.append(entry)
        if acct.events is not None:
            publish_futures(acct, entry_view(entry), self.new_order_id())
        return info.order_id

    def _publish(self, acct: AccountState, info: OrderInfo, status: str) -> None:
        view = futures_view(info.order_id, info.client_oid, info.symbol, info, status,
                            info.created_ms)
        publish_futures(acct, view, self.new_order_id())

    def _remove(self, acct: AccountState, info: OrderInfo) -> None:
        del acct.open[info.order_id]
        del acct.by_client_oid[info.client_oid]
        counts = acct.stop_count if info.is_stop else acct.limit_count
        counts[info.symbol] -= 1
        acct.ledger.release(info.settle_currency, info.hold)
        self._finish(acct, info, "cancelled", time.time_ns() // 1_000_000)

    def cancel_by_order_id(self, acct: AccountState, order_id: str,
                           symbol: str | None = None) -> bool:
        """Cancel an open order; False when it is unknown, finished, or of another symbol."""
        info = acct.open.get(order_id)
        if info is None or (symbol is not None and symbol != info.symbol):
            return False
        self._remove(acct, info)
        return True

    def cancel_by_client_oid(self, acct: AccountState, client_oid: str,
                             symbol: str) -> str | None:
        """Cancel the active order with ``client_oid`` on ``symbol``; its orderId or None."""
        info = acct.by_client_oid.get(client_oid)
        if info is None or info.symbol != symbol:
            return None
        self._remove(acct, info)
        return info.order_id


def find_futures(acct: AccountState, order_id: str | None = None,
                 client_oid: str | None = None) -> FuturesView | None:
    """The order with this orderId (or clientOid: the newest one) among the account's
    open orders and its bounded history, as the REST lookups describe it; None when
    there is none."""
    info = acct.open.get(order_id) if order_id is not None else \
        acct.by_client_oid.get(client_oid or "")
    if info is not None:
        return futures_view(info.order_id, info.client_oid, info.symbol, info, "open",
                            info.created_ms)
    for entry in reversed(acct.history):
        if entry.order_id == order_id or (order_id is None and entry.client_oid == client_oid):
            return entry_view(entry)
    return None


def entry_view(entry: HistoryEntry) -> FuturesView:
    """The view of a finished order."""
    return futures_view(entry.order_id, entry.client_oid, entry.symbol, entry.detail,
                        entry.status, entry.at_ms, entry.fill_units, entry.filled,
                        entry.end_ms)

"""The emulator's spot and margin engine: per-account wallets and order books, matching
against a configurable spot price (spot doc §1).

Each ``AccountState`` has a spot account (``acct.spot``) and a margin account
(``acct.margin``), with the config's default balances on first use. Orders fill against
the symbol's spot price (:meth:`SpotEngine.set_price`), never against each other. The
choices where KuCoin is silent: docs/emulator.md.
"""
from __future__ import annotations

import itertools
from collections import deque
from decimal import ROUND_DOWN, Decimal
from typing import Any, Final

from .._protocol import codes as _codes
from .._protocol import fields as _fields
from .._protocol import validate as _validate
from .._protocol.codes import ERRORS
from .._protocol.specs import SPOT_SYMBOLS, SpotSymbolSpec
from ._events import amount_text, publish_spot
from ._ledger import Rejected

_ZERO: Final = Decimal(0)
#: Open-order caps of Classic spot/margin (spot doc §1.1).
MAX_OPEN_PER_SYMBOL: Final = 200
MAX_OPEN_PER_ACCOUNT: Final = 2000
#: How long a used clientOid stays refused, and how many are remembered per account.
CLIENT_OID_MEMORY_MS: Final = 24 * 3600 * 1000
CLIENT_OID_MEMORY_MAX: Final = 200_000
_EXPIRED_MSG: Final = "Order expired: clientTimestamp + allowMaxTimeWindow < gateway time"
_NOT_CANCELABLE: Final = Rejected("400100", _codes.SPOT_NOT_CANCELABLE_MSG)
_DUPLICATE: Final = Rejected("400100", _codes.SPOT_DUPLICATE_OID_MSG)
_CAP: Final = Rejected("200003", _codes.SPOT_ORDER_CAP_MSG)
_CACHE_MAX: Final = 4096
_COID_OK: Final = _fields.CLIENT_OID_RE.match


def dec(value: Any) -> Decimal:
    """A rule-checked decimal value (str, int, float or Decimal) as a Decimal."""
    return value if type(value) is Decimal else Decimal(str(value))


def _multiple(value: Decimal, step: Decimal) -> bool:
    return value % step == 0


class Wallet:
    """Balances of one account type: available, held by resting orders, owed
    (margin), and what may still be borrowed per currency."""

    __slots__ = ("available", "borrow_limit", "held", "liability")

    def __init__(self, balances: dict[str, Any], borrow_limit: dict[str, Any] | None = None):
        self.available: dict[str, Decimal] = {c: dec(v) for c, v in balances.items()}
        self.held: dict[str, Decimal] = {}
        self.liability: dict[str, Decimal] = {}
        self.borrow_limit: dict[str, Decimal] = {c: dec(v) for c, v in (borrow_limit or {}).items()}

    def free(self, currency: str) -> Decimal:
        """What is available in ``currency``."""
        return self.available.get(currency, _ZERO)

    def move(self, currency: str, amount: Decimal, *, held: Decimal = _ZERO) -> None:
        """Add ``amount`` to the available balance (negative: take it) and ``held`` to
        the held one."""
        self.available[currency] = self.available.get(currency, _ZERO) + amount
        if held:
            self.held[currency] = self.held.get(currency, _ZERO) + held

    def borrowable(self, currency: str) -> Decimal:
        """What may still be borrowed in ``currency``."""
        return self.borrow_limit.get(currency, _ZERO) - self.liability.get(currency, _ZERO)

    def borrow(self, currency: str, amount: Decimal) -> None:
        """Borrow ``amount`` into the available balance."""
        self.liability[currency] = self.liability.get(currency, _ZERO) + amount
        self.move(currency, amount)

    def repay(self, currency: str, up_to: Decimal) -> None:
        """Repay what is owed in ``currency``, at most ``up_to`` and what is available."""
        owed = self.liability.get(currency, _ZERO)
        amount = min(owed, up_to, self.free(currency))
        if amount > 0:
            self.liability[currency] = owed - amount
            self.move(currency, -amount)

    def snapshot(self) -> dict[str, dict[str, str]]:
        """Per currency: available, held and liability as decimal strings."""
        out: dict[str, dict[str, str]] = {}
        for c in sorted(set(self.available) | set(self.held) | set(self.liability)):
            out[c] = {"available": amount_text(self.available.get(c, _ZERO)),
                      "held": amount_text(self.held.get(c, _ZERO)),
                      "liability": amount_text(self.liability.get(c, _ZERO))}
        return out


class SpotOrder:
    """A spot or margin order as the engine holds it (open, or done when returned)."""

    __slots__ = ("args", "auto_repay", "borrowed", "canceled_funds", "canceled_size",
                 "client_oid", "deal_funds", "deal_size", "expire_ms", "funds", "hold",
                 "loan_apply_id", "match_time", "order_id", "order_time", "post_only", "price",
                 "side", "size", "spec", "status", "time_in_force", "type", "wallet")

    def __init__(self, order_id: str, spec: SpotSymbolSpec, args: dict[str, Any],
                 wallet: Wallet, now_ms: int) -> None:
        self.order_id = order_id
        self.spec = spec
        self.args = args
        self.wallet = wallet
        self.client_oid: str | None = args.get("clientOid")
        self.side: str = args["side"]
        self.type: str = args.get("type", "limit")
        self.price: Decimal | None = dec(args["price"]) if self.type == "limit" else None
        self.size: Decimal | None = dec(args["size"]) if "size" in args else None
        self.funds: Decimal | None = dec(args["funds"]) if "funds" in args else None
        self.time_in_force: str = args.get("timeInForce", "GTC")
        self.auto_repay = args.get("autoRepay") is True
        # postOnly means nothing with IOC/FOK (when the config lets the pair through).
        self.post_only = args.get("postOnly") is True and self.time_in_force not in ("IOC",
                                                                                    "FOK")
        self.borrowed = _ZERO
        self.loan_apply_id: str | None = None
        self.deal_size = self.deal_funds = self.canceled_size = self.canceled_funds = _ZERO
        self.hold = _ZERO
        self.status = "open"
        self.order_time = self.match_time = now_ms
        self.expire_ms: int | None = None
        if self.time_in_force == "GTT":
            self.expire_ms = now_ms + int(args["cancelAfter"]) * 1000

    @property
    def symbol(self) -> str:
        """The pair."""
        return self.spec.symbol

    @property
    def held_currency(self) -> str:
        """What a resting order holds: the quote for a buy, the base for a sell."""
        return self.spec.quote_currency if self.side == "buy" else self.spec.base_currency

    def crosses(self, market: Decimal) -> bool:
        """Whether this limit order's price goes through the spot price ``market``."""
        assert self.price is not None
        return self.price >= market if self.side == "buy" else self.price <= market

    @property
    def remain_size(self) -> Decimal:
        """What is left to fill (zero once done)."""
        if self.status == "done" or self.size is None:
            return _ZERO
        return self.size - self.deal_size

    def state(self) -> dict[str, Any]:
        """The fill state as KuCoin's sync replies name it (amounts as strings; the
        ``*Funds`` members only for a ``funds`` order)."""
        out: dict[str, Any] = {"originSize": amount_text(self.size or _ZERO),
                               "dealSize": amount_text(self.deal_size),
                               "remainSize": amount_text(self.remain_size),
                               "canceledSize": amount_text(self.canceled_size)}
        if self.funds is not None:
            out.update(originFunds=amount_text(self.funds),
                       dealFunds=amount_text(self.deal_funds),
                       remainFunds="0", canceledFunds=amount_text(self.canceled_funds))
        out["status"] = self.status
        return out

    def __repr__(self) -> str:
        return (f"SpotOrder(order_id={self.order_id!r}, client_oid={self.client_oid!r}, "
                f"symbol={self.symbol!r}, side={self.side!r}, type={self.type!r}, "
                f"price={self.price!s}, size={self.size!s}, status={self.status!r})")


class SpotAccount:
    """One account type of one account (spot, or margin with its isolated wallets): its
    wallets, open orders, per-symbol counts and recently used clientOids."""

    __slots__ = ("by_client_oid", "counts", "done", "done_by_oid", "gtt", "isolated", "keep",
                 "open", "owner", "recent", "recent_order", "wallet")

    def __init__(self, wallet: Wallet, owner: Any = None, keep: int = 10_000) -> None:
        self.wallet = wallet
        #: The ``AccountState`` this account hangs off (its ``events`` sink).
        self.owner = owner
        #: Finished orders for the REST lookups, by orderId and by clientOid (the newest
        #: ``keep`` of them).
        self.done: dict[str, SpotOrder] = {}
        self.done_by_oid: dict[str, SpotOrder] = {}
        self.keep = keep
        self.isolated: dict[str, Wallet] = {}
        self.open: dict[str, SpotOrder] = {}
        self.by_client_oid: dict[str, SpotOrder] = {}
        self.counts: dict[str, int] = {}
        self.gtt = 0
        self.recent: dict[str, int] = {}
        self.recent_order: deque[tuple[int, str]] = deque()

    def used_recently(self, client_oid: str, now_ms: int) -> bool:
        """Whether ``client_oid`` was used in the last 24 h (forgetting older ones)."""
        recent, order = self.recent, self.recent_order
        while order and (order[0][0] <= now_ms - CLIENT_OID_MEMORY_MS
                         or len(order) > CLIENT_OID_MEMORY_MAX):
            at, old = order.popleft()
            if recent.get(old) == at:
                del recent[old]
        return client_oid in recent

    def remember(self, client_oid: str | None, now_ms: int) -> None:
        """Record a clientOid as used now."""
        if client_oid is not None:
            self.recent[client_oid] = now_ms
            self.recent_order.append((now_ms, client_oid))

    def find(self, args: dict[str, Any]) -> SpotOrder | None:
        """The open order a cancel or modify names (``orderId`` wins), on its symbol."""
        order = (self.open.get(args["orderId"]) if "orderId" in args
                 else self.by_client_oid.get(args["clientOid"]))
        if order is None or order.symbol != args["symbol"]:
            return None
        return order

    def add(self, order: SpotOrder) -> None:
        """Register a resting order."""
        self.open[order.order_id] = order
        if order.client_oid is not None:
            self.by_client_oid[order.client_oid] = order
        self.counts[order.symbol] = self.counts.get(order.symbol, 0) + 1
        if order.expire_ms is not None:
            self.gtt += 1

    def lookup(self, order_id: str | None = None,
               client_oid: str | None = None) -> SpotOrder | None:
        """The open or finished order with this orderId (else clientOid), or None."""
        if order_id is not None:
            return self.open.get(order_id) or self.done.get(order_id)
        key = client_oid or ""
        return self.by_client_oid.get(key) or self.done_by_oid.get(key)

    def record_done(self, order: SpotOrder) -> None:
        """Keep a finished order for the lookups (forgetting the oldest past ``keep``)."""
        if self.keep <= 0:
            return
        done = self.done
        done[order.order_id] = order
        if order.client_oid is not None:
            self.done_by_oid[order.client_oid] = order
        if len(done) > self.keep:
            old = done.pop(next(iter(done)))
            if old.client_oid is not None and self.done_by_oid.get(old.client_oid) is old:
                del self.done_by_oid[old.client_oid]

    def remove(self, order: SpotOrder) -> None:
        """Take an order out of the book (filled or cancelled)."""
        del self.open[order.order_id]
        if order.client_oid is not None and self.by_client_oid.get(order.client_oid) is order:
            del self.by_client_oid[order.client_oid]
        self.counts[order.symbol] -= 1
        if order.expire_ms is not None:
            self.gtt -= 1


class SpotEngine:
    """Spot symbols, spot prices and the spot/margin accounts of every
    ``AccountState`` (see the module docstring for the rules)."""

    def __init__(self, config: Any, symbols: dict[str, SpotSymbolSpec] | None = None) -> None:
        self.config = config
        self.symbols: dict[str, SpotSymbolSpec] = dict(SPOT_SYMBOLS if symbols is None
                                                       else symbols)
        self.prices: dict[str, Decimal] = {s: spec.price for s, spec in self.symbols.items()}
        self._seq = itertools.count(1)
        # order shape (see check) -> its verdict; bounded.
        self._check_cache: dict[Any, Rejected | SpotSymbolSpec] = {}

    def clear_caches(self) -> None:
        """Forget memoised checks (call after changing ``symbols``)."""
        self._check_cache.clear()

    # ------------------------------------------------------------------ accounts
    def account(self, acct: Any, margin: bool) -> SpotAccount:
        """The spot (or margin) account of ``acct``, created on first use."""
        acc: SpotAccount | None = acct.margin if margin else acct.spot
        if acc is None:
            cfg = self.config
            if margin:
                acc = acct.margin = SpotAccount(
                    Wallet(cfg.margin_balances, cfg.margin_borrow_limits), acct,
                    cfg.history_size)
            else:
                acc = acct.spot = SpotAccount(Wallet(cfg.spot_balances), acct,
                                              cfg.history_size)
        return acc

    def wallet(self, acct: Any, margin: bool, isolated: str | None = None) -> Wallet:
        """The spot wallet, the cross margin wallet, or the isolated wallet of a pair."""
        acc = self.account(acct, margin)
        if isolated is None:
            return acc.wallet
        w = acc.isolated.get(isolated)
        if w is None:
            spec = self.symbols[isolated]
            cfg = self.config
            pair = (spec.base_currency, spec.quote_currency)
            w = acc.isolated[isolated] = Wallet(
                {c: v for c, v in cfg.margin_balances.items() if c in pair},
                {c: v for c, v in cfg.margin_borrow_limits.items() if c in pair})
        return w

    def new_id(self, now_ms: int) -> str:
        """A fresh 24-hex order id (seconds, then a sequence number), KuCoin's spot form."""
        return f"{(now_ms // 1000) & 0xFFFFFFFF:08x}{next(self._seq) & (2**64 - 1):016x}"

    def set_price(self, symbol: str, price: Decimal | str | float, accts: Any = (),
                  now_ms: int = 0) -> None:
        """Move a pair's spot price; the resting orders of ``accts`` it goes through
        fill at their own price (as makers)."""
        if symbol not in self.symbols:
            raise KeyError(symbol)
        market = self.prices[symbol] = dec(price)
        for acct in accts:
            for acc in (acct.spot, acct.margin):
                if acc is None:
                    continue
                for order in [o for o in acc.open.values()
                              if o.symbol == symbol and o.crosses(market)]:
                    acc.remove(order)
                    assert order.price is not None
                    self._matched(acc, order, order.price, now_ms, False)

    # ------------------------------------------------------------------ orders
    def place(self, acct: Any, args: dict[str, Any], spec: SpotSymbolSpec, margin: bool,
              now_ms: int, *, replacing: bool = False) -> Rejected | SpotOrder:
        """Place a checked order (see :meth:`check`): the order (open, or done when it
        filled or was cancelled at once) or the refusal. ``replacing``: spot.modify's
        replacement, which keeps the old clientOid."""
        acc = self.account(acct, margin)
        self.expire(acc, now_ms)
        coid = args.get("clientOid")
        if coid is not None and not replacing and acc.used_recently(coid, now_ms):
            return _DUPLICATE
        isolated = spec.symbol if margin and args.get("isIsolated") is True else None
        wallet = self.wallet(acct, margin, isolated)
        order = SpotOrder(self.new_id(now_ms), spec, args, wallet, now_ms)
        market = self.prices[spec.symbol]
        rests = order.type == "limit" and not order.crosses(market) \
            and order.time_in_force not in ("IOC", "FOK")
        if rests and (acc.counts.get(spec.symbol, 0) >= MAX_OPEN_PER_SYMBOL
                      or len(acc.open) >= MAX_OPEN_PER_ACCOUNT):
            return _CAP
        currency, need = _requirement(order, market)
        short = need - wallet.free(currency)
        if short > 0:
            if not (margin and args.get("autoBorrow") is True
                    and wallet.borrowable(currency) >= short):
                code = "130105" if margin else "200004"
                return Rejected(code, ERRORS[code])
            wallet.borrow(currency, short)
            order.borrowed = short
            order.loan_apply_id = self.new_id(now_ms)
        acc.remember(coid, now_ms)
        if acct.events is not None:
            publish_spot(acct, order, "received")
        if order.type == "market":
            self._matched(acc, order, market, now_ms, True)
        elif rests:
            order.hold = need
            wallet.move(currency, -need, held=need)
            acc.add(order)
            if acct.events is not None:
                publish_spot(acct, order, "open")
        elif order.crosses(market) and not order.post_only:
            self._matched(acc, order, market, now_ms, True)
        else:  # IOC/FOK that does not cross, or a crossing postOnly
            order.canceled_size = order.remain_size
            order.status = "done"
            self._finished(acc, order)
        return order

    def _matched(self, acc: SpotAccount, order: SpotOrder, price: Decimal, now_ms: int,
                 taker: bool) -> None:
        size = self._fill(order, price, now_ms)
        acc.record_done(order)
        if acc.owner is not None and acc.owner.events is not None:
            publish_spot(acc.owner, order, "match", (price, size, self.new_id(now_ms), taker))

    @staticmethod
    def _finished(acc: SpotAccount, order: SpotOrder) -> None:
        """Record a cancelled order for the lookups, and publish it."""
        acc.record_done(order)
        if acc.owner is not None and acc.owner.events is not None:
            publish_spot(acc.owner, order, "canceled")

    def _fill(self, order: SpotOrder, price: Decimal, now_ms: int) -> Decimal:
        spec = order.spec
        w = order.wallet
        if order.hold:
            w.move(order.held_currency, order.hold, held=-order.hold)
            order.hold = _ZERO
        if order.funds is not None:
            size = floor_to(order.funds / price, spec.base_increment)
            cost = size * price
            order.canceled_funds = order.funds - cost
        else:
            assert order.size is not None
            size = order.size - order.deal_size
            cost = size * price
        base, quote = spec.base_currency, spec.quote_currency
        if order.side == "buy":
            w.move(quote, -cost)
            w.move(base, size)
            received, amount = base, size
        else:
            w.move(base, -size)
            w.move(quote, cost)
            received, amount = quote, cost
        order.deal_size += size
        order.deal_funds += cost
        order.status = "done"
        order.match_time = now_ms or order.match_time
        if order.auto_repay:
            w.repay(received, amount)
        return size

    def cancel(self, acct: Any, args: dict[str, Any], margin: bool,
               now_ms: int) -> Rejected | SpotOrder:
        """Cancel the open order that rule-checked cancel ``args`` name."""
        acc = self.account(acct, margin)
        self.expire(acc, now_ms)
        order = acc.find(args)
        if order is None:
            return _NOT_CANCELABLE
        self._cancel_open(acc, order)
        return order

    def _cancel_open(self, acc: SpotAccount, order: SpotOrder, finish: bool = True) -> None:
        acc.remove(order)
        if order.hold:
            order.wallet.move(order.held_currency, order.hold, held=-order.hold)
        order.canceled_size = order.remain_size
        order.status = "done"
        if finish:
            self._finished(acc, order)

    def modify(self, acct: Any, args: dict[str, Any],
               now_ms: int) -> Rejected | tuple[SpotOrder, SpotOrder]:
        """``spot.modify``: cancel the order and place its replacement (new price and/or
        size); (old, new), or the refusal with the old order untouched."""
        acc = self.account(acct, False)
        self.expire(acc, now_ms)
        old = acc.find(args)
        if old is None:
            return _NOT_CANCELABLE
        new_args = dict(old.args)
        if "newPrice" in args:
            new_args["price"] = args["newPrice"]
        if "newSize" in args:
            new_args["size"] = args["newSize"]
        bad = check_amounts(old.spec, new_args.get("price"), new_args.get("size"), None)
        if bad is not None:
            return bad
        hold = old.hold
        self._cancel_open(acc, old, finish=False)
        sink = acct.events
        held_back: list[tuple[str, Any]] = []
        if sink is not None:  # the new order's events go out after the old one's cancel
            acct.events = lambda family, data: held_back.append((family, data))
        try:
            new = self.place(acct, new_args, old.spec, False, now_ms, replacing=True)
        finally:
            acct.events = sink
        if type(new) is Rejected:  # put the old order back as it was
            old.status, old.canceled_size, old.hold = "open", _ZERO, hold
            old.wallet.move(old.held_currency, -hold, held=hold)
            acc.add(old)
            return new
        self._finished(acc, old)
        if sink is not None:
            for family, data in held_back:
                sink(family, data)
        return old, new  # type: ignore[return-value]

    def expire(self, acc: SpotAccount, now_ms: int) -> None:
        """Cancel the GTT orders whose ``cancelAfter`` has passed."""
        if acc.gtt:
            for order in [o for o in acc.open.values()
                          if o.expire_ms is not None and o.expire_ms <= now_ms]:
                self._cancel_open(acc, order)

    # ------------------------------------------------------------------ checks
    def check(self, order: Any, margin: bool, now_ms: int) -> Rejected | SpotSymbolSpec:
        """Rule checks (:func:`kucoin_fast._protocol.validate.validate_spot_order`) and the pair's
        checks of a request's order, memoised on the order's shape: they are a pure
        function of the order minus its clientOid (once that is well-formed), except for
        the ``allowMaxTimeWindow`` clock check."""
        if type(order) is dict and "allowMaxTimeWindow" not in order:
            shape = order.copy()
            coid = shape.get("clientOid")
            if type(coid) is str and _COID_OK(coid):
                shape["clientOid"] = ""
            values = tuple(shape.values())
            key = (margin, self.config.spot_post_only_ioc, tuple(shape),
                   tuple(map(type, values)), values)
            cache = self._check_cache
            try:
                return cache[key]
            except KeyError:
                pass
            except TypeError:  # an unhashable value (list/dict): no memo
                return self._check(order, margin, now_ms)
            res = self._check(order, margin, now_ms)
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[key] = res
            return res
        return self._check(order, margin, now_ms)

    def _check(self, order: Any, margin: bool, now_ms: int) -> Rejected | SpotSymbolSpec:
        bad = _validate.validate_spot_order(
            order, strict_keys=False, margin=margin,
            post_only_ioc_ok=self.config.spot_post_only_ioc == "ignore")
        if bad is not None:
            return Rejected(bad.code, bad.msg)
        spec = self.symbols.get(order["symbol"])
        if spec is None:
            return Rejected("900001", ERRORS["900001"])
        if margin and not spec.is_margin_enabled:
            v = _validate.Violation("400100", "symbol", "is not enabled for margin trading")
            return Rejected(v.code, v.msg)
        bad_amount = check_amounts(spec, order.get("price") if order.get("type", "limit")
                                   == "limit" else None, order.get("size"), order.get("funds"))
        if bad_amount is not None:
            return bad_amount
        if "allowMaxTimeWindow" in order and \
                int(order["clientTimestamp"]) + int(order["allowMaxTimeWindow"]) < now_ms:
            return Rejected("400100", _EXPIRED_MSG)
        return spec


def check_amounts(spec: SpotSymbolSpec, price: Any, size: Any, funds: Any) -> Rejected | None:
    """A pair's increment and size checks of an order's price (limit), size and funds."""
    p = dec(price) if price is not None else None
    if p is not None and not _multiple(p, spec.price_increment):
        return Rejected("400100", _codes.SPOT_PRICE_INCREMENT_MSG)
    if size is not None:
        s = dec(size)
        if not _multiple(s, spec.base_increment):
            return Rejected("400100", _codes.SPOT_SIZE_INCREMENT_MSG)
        if s < spec.base_min_size:
            return Rejected("400100", _codes.SPOT_SIZE_MIN_MSG)
        if s > spec.base_max_size:
            return Rejected("400100", _codes.SPOT_SIZE_MAX_MSG)
        if p is not None and p * s < spec.min_funds:
            return _below_min_funds(spec, spec.min_funds)
    if funds is not None:
        f = dec(funds)
        if not _multiple(f, spec.quote_increment):
            return Rejected("400100", _codes.SPOT_FUNDS_INCREMENT_MSG)
        if f < spec.quote_min_size:
            return _below_min_funds(spec, spec.quote_min_size)
        if f > spec.quote_max_size:
            return Rejected("400100", _codes.SPOT_FUNDS_MAX_MSG)
    return None


def _below_min_funds(spec: SpotSymbolSpec, minimum: Decimal) -> Rejected:
    return Rejected("400760", ERRORS["400760"] % (amount_text(minimum), spec.quote_currency))


def _requirement(order: SpotOrder, market: Decimal) -> tuple[str, Decimal]:
    """The currency and amount the wallet must cover: a buy's price x size (or funds),
    a sell's size (a sell by funds: the size those funds buy at the spot price)."""
    spec = order.spec
    if order.side == "buy":
        if order.funds is not None:
            return spec.quote_currency, order.funds
        assert order.size is not None
        return spec.quote_currency, (order.price if order.price is not None else market) \
            * order.size
    if order.funds is not None:
        return spec.base_currency, floor_to(order.funds / market, spec.base_increment)
    assert order.size is not None
    return spec.base_currency, order.size


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded down to a multiple of ``step``."""
    return (value / step).to_integral_value(ROUND_DOWN) * step


__all__ = ["MAX_OPEN_PER_ACCOUNT", "MAX_OPEN_PER_SYMBOL", "SpotAccount", "SpotEngine",
           "SpotOrder", "Wallet", "amount_text", "check_amounts", "dec", "floor_to"]

"""The emulator's REST service (aiohttp): KuCoin's spot and futures REST hosts with
their public endpoints, the order lookups and lists of both engines, and bullet tokens.

Three listeners: ``spot_rest_url`` and ``futures_rest_url`` route as KuCoin's two
hosts, ``rest_url`` serves both families' paths. Public paths are unsigned, the others
need KuCoin's signature; every error is KuCoin's JSON envelope. docs/emulator.md has
the endpoints, the computed fields and the choices where KuCoin is silent.
"""
from __future__ import annotations

import contextvars
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

from aiohttp import web

from .._protocol.codes import ERRORS
from . import _public
from ._auth import Account, sign
from ._engine import entry_view, find_futures
from ._events import FuturesView, amount_text, futures_view
from ._ledger import DEFAULT_LEVERAGE
from ._ops._limits import draw
from ._spot import SpotAccount, SpotOrder
from ._wire import dumps

if TYPE_CHECKING:
    from ._account import AccountState
    from ._push import PushService
    from ._venue import Venue

logger = logging.getLogger("kucoin_fast.emulator")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HEADERS: Final = ("KC-API-KEY", "KC-API-SIGN", "KC-API-TIMESTAMP", "KC-API-PASSPHRASE")
_HTTP_401: Final = frozenset({"400003", "400004", "400005"})
#: The signed-in Account of the request being handled (set by the middleware; a
#: ContextVar rather than request storage: typed, and no key API of a newer aiohttp).
_ACCOUNT: Final[contextvars.ContextVar[Account]] = contextvars.ContextVar("rest_account")
_TRADE_TYPES: Final = {False: "TRADE", True: "MARGIN_TRADE"}
#: Route names of the endpoints served without a signature.
_PUBLIC: Final = "public"
_SPOT_ID: Final = re.compile(r"[0-9a-f]{24}\Z")
#: Families of the three listeners.
SPOT: Final = "spot"
FUTURES: Final = "futures"
BOTH: Final = "both"
#: Page sizes: futures list (default, max), spot HF done list (default, max).
_FUTURES_PAGE: Final = (50, 1000)
_SPOT_DONE_PAGE: Final = (20, 100)


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=dumps(data), status=status, headers=headers,
                        content_type="application/json")


def _ok(data: Any, headers: dict[str, str] | None = None) -> web.Response:
    return _json({"code": "200000", "data": data}, headers=headers)


class _Refused(Exception):
    def __init__(self, code: str, msg: str | None = None, status: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.msg = msg if msg is not None else ERRORS.get(code, "error")
        self.status = status if status is not None else (401 if code in _HTTP_401 else 400)


def _param_error(name: str, rule: str = "is required") -> _Refused:
    return _Refused("400100", f"Parameter Error: {name}: {rule}", 200)


def _prehash_forms(request: web.Request, body: str) -> list[str]:
    """What the signature may cover: the decoded query first, then the raw one."""
    path = request.raw_path.partition("?")[0]
    raw = request.query_string
    ts = request.headers.get("KC-API-TIMESTAMP", "")
    head = ts + request.method.upper() + unquote(path)
    if not raw:
        return [head + body]
    return [head + "?" + unquote(raw) + body, ts + request.method.upper() + path + "?" + raw
            + body]


def authenticate(request: web.Request, body: str, accounts: Mapping[str, Account],
                 now_ms: int, window_ms: int, strict: bool) -> Account:
    """The signed-in account, or :class:`_Refused` with KuCoin's code (see above)."""
    headers = request.headers
    if any(not headers.get(name) for name in _HEADERS):
        raise _Refused("400001")
    account = accounts.get(headers["KC-API-KEY"])
    if account is None:
        raise _Refused("400003")
    ts = headers["KC-API-TIMESTAMP"]
    if not ts.isascii() or not ts.isdigit() or abs(now_ms - int(ts)) > window_ms:
        raise _Refused("400002")
    version = headers.get("KC-API-KEY-VERSION", "1")
    if version not in ("1", "2", "3"):
        raise _Refused("400009")
    forms = _prehash_forms(request, body)
    if strict:
        forms = forms[:1]
    given = headers["KC-API-SIGN"].encode()
    if not any(hmac.compare_digest(given, sign(f, account.api_secret).encode()) for f in forms):
        raise _Refused("400005")
    expected = account.api_passphrase if version == "1" else \
        sign(account.api_passphrase, account.api_secret)
    if not hmac.compare_digest(headers["KC-API-PASSPHRASE"].encode(), expected.encode()):
        raise _Refused("400004")
    return account


def _value(lots: int, price: Decimal | None, multiplier: Decimal, inverse: bool) -> Decimal:
    """What ``lots`` are worth at ``price``: lots x multiplier x price, or for an inverse
    contract lots x multiplier / price (in the settlement coin)."""
    if not lots or not price:
        return Decimal(0)
    return lots * multiplier / price if inverse else lots * multiplier * price


def _visible_size(args: dict[str, Any]) -> int:
    v = args.get("visibleSize")
    return int(Decimal(str(v))) if v is not None else 0


def futures_object(v: FuturesView) -> dict[str, Any]:
    """The ``data`` of a futures lookup (spot doc §3.3), from the order's state."""
    args, c = v.args, v.contract
    mult, inverse = abs(c.multiplier), c.is_inverse
    value = _value(v.lots, v.price if v.price is not None else v.avg_price, mult, inverse)
    deal = amount_text(_value(v.filled, v.avg_price, mult, inverse))
    stop_price = args.get("stopPrice")
    done = not v.active
    return {"id": v.order_id, "symbol": v.symbol, "type": v.type, "side": v.side,
            "price": "0" if v.price is None else amount_text(v.price), "size": v.lots,
            "value": amount_text(value), "dealValue": deal, "dealSize": v.filled,
            "stp": args.get("stp", ""), "stop": args.get("stop", ""),
            "stopPriceType": args.get("stopPriceType", ""), "stopTriggered": False,
            "stopPrice": None if stop_price is None else amount_text(Decimal(str(stop_price))),
            "timeInForce": args.get("timeInForce", "GTC"),
            "postOnly": args.get("postOnly") is True, "hidden": args.get("hidden") is True,
            "iceberg": args.get("iceberg") is True,
            "leverage": str(int(args.get("leverage", DEFAULT_LEVERAGE))),
            "forceHold": args.get("forceHold") is True,
            "closeOrder": args.get("closeOrder") is True, "visibleSize": _visible_size(args),
            "clientOid": v.client_oid, "remark": args.get("remark"), "tags": "",
            "isActive": v.active, "cancelExist": v.cancelled or (done and v.filled < v.lots),
            "createdAt": v.created_ms, "updatedAt": v.end_ms,
            "endAt": v.end_ms if done else None, "orderTime": v.created_ms * 1_000_000,
            "settleCurrency": c.settle_currency, "marginMode": v.margin_mode,
            "avgDealPrice": amount_text(v.avg_price) if v.avg_price is not None else "0",
            "filledSize": v.filled, "filledValue": deal,
            "status": "open" if v.active else "done",
            "reduceOnly": args.get("reduceOnly") is True, "positionSide": v.position_side}


def spot_object(o: SpotOrder, margin: bool) -> dict[str, Any]:
    """The ``data`` of a spot or margin HF lookup (spot doc §3.2; note ``cancelled*``),
    from the order's state."""
    args = o.args
    zero = Decimal(0)
    funds = o.funds if o.funds is not None else (o.price or zero) * (o.size or zero)
    isolated = margin and args.get("isIsolated") is True
    active = o.status == "open"
    visible = args.get("visibleSize")
    out = {"id": o.order_id, "clientOid": o.client_oid, "symbol": o.symbol, "opType": "DEAL",
           "type": o.type, "side": o.side, "price": amount_text(o.price or zero),
           "size": amount_text(o.size or zero), "funds": amount_text(funds),
           "dealSize": amount_text(o.deal_size), "dealFunds": amount_text(o.deal_funds),
           "remainSize": amount_text(o.remain_size), "remainFunds": "0",
           "cancelledSize": amount_text(o.canceled_size),
           "cancelledFunds": amount_text(o.canceled_funds), "fee": "0",
           "feeCurrency": o.spec.quote_currency, "tax": "0", "stp": args.get("stp"),
           "timeInForce": o.time_in_force, "postOnly": o.post_only,
           "hidden": args.get("hidden") is True, "iceberg": args.get("iceberg") is True,
           "visibleSize": "0" if visible is None else amount_text(Decimal(str(visible))),
           "cancelAfter": int(args.get("cancelAfter", 0)), "channel": "API",
           "remark": args.get("remark"), "tags": args.get("tags"),
           "cancelExist": o.status == "done" and o.canceled_size > 0,
           "tradeType": "MARGIN_ISOLATED_TRADE" if isolated else _TRADE_TYPES[margin],
           "inOrderBook": active, "active": active, "createdAt": o.order_time,
           "lastUpdatedAt": o.match_time}
    if margin:
        out.update(stop=None, stopTriggered=False, stopPrice=None)
    return out


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise _param_error(name, f"must be an integer from {low} to {high}")
    return int(raw)


def _time_window(request: web.Request) -> tuple[int, int]:
    """The ``startAt``/``endAt`` filter (ms, inclusive; missing: unbounded)."""
    bounds = []
    for name, default in (("startAt", 0), ("endAt", 1 << 62)):
        raw = request.query.get(name)
        if raw is None or raw == "":
            bounds.append(default)
        elif raw.isascii() and raw.isdigit():
            bounds.append(int(raw))
        else:
            raise _param_error(name, "must be a timestamp in ms")
    return bounds[0], bounds[1]


def _enum_param(request: web.Request, name: str, allowed: tuple[str, ...],
                required: bool = False) -> str | None:
    value = request.query.get(name)
    if value is None or value == "":
        if required:
            raise _param_error(name)
        return None
    if value not in allowed:
        raise _param_error(name, f"must be one of {', '.join(allowed)}")
    return value


class RestService:
    """The REST servers of one emulator (see the module docstring)."""

    def __init__(self, venue: Venue, push: PushService) -> None:
        self.venue = venue
        self.push = push
        self._runners: list[web.AppRunner] = []
        #: Ports of the three listeners (0 until started).
        self.port = self.spot_port = self.futures_port = 0
        #: Requests served (signed, public or refused).
        self.requests = 0

    async def start(self, host: str, ports: tuple[int, int, int], ssl_context: Any) \
            -> tuple[int, int, int]:
        """Listen on (both families, spot, futures); returns the bound ports."""
        bound = []
        for family, port in zip((BOTH, SPOT, FUTURES), ports):
            app = web.Application(middlewares=[self._envelope])
            self._routes(app, family)
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            self._runners.append(runner)
            site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
            await site.start()
            bound.append(int(runner.addresses[0][1]))
        self.port, self.spot_port, self.futures_port = bound
        return self.port, self.spot_port, self.futures_port

    async def stop(self) -> None:
        """Stop listening and close the open connections."""
        runners, self._runners = self._runners, []
        for runner in runners:
            await runner.cleanup()

    def _routes(self, app: web.Application, family: str) -> None:
        r = app.router
        spot, futures = family != FUTURES, family != SPOT

        def public(path: str, handler: Handler) -> None:
            r.add_get(path, handler, name=f"{_PUBLIC}_{len(r.resources())}")

        public("/api/v1/timestamp", self._timestamp)
        public("/api/v1/status", self._status)
        r.add_post("/api/v1/bullet-private", self._bullet)
        if futures:
            public("/api/v1/contracts/active", self._contracts)
            public("/api/v1/contracts/{symbol}", self._contract)
            r.add_get("/api/v1/orders", self._futures_list)
            r.add_get("/api/v1/recentDoneOrders", self._futures_recent_done)
            r.add_get("/api/v1/orders/byClientOid", self._futures_by_client_oid)
            r.add_get("/api/v1/orders/{orderId}", self._futures_by_order_id if spot is False
                      else self._either_by_order_id)
        if spot:
            public("/api/v2/symbols", self._symbols)
            public("/api/v2/symbols/{symbol}", self._symbol)
            public("/api/v3/currencies", self._currencies)
            public("/api/v3/currencies/{currency}", self._currency)
            public("/api/v1/market/allTickers", self._all_tickers)
            r.add_get("/api/v1/hf/accounts/opened", self._hf_opened)
            r.add_get("/api/ua/v1/account/mode", self._account_mode)
            r.add_get("/api/v3/margin/symbols", self._margin_symbols)
            r.add_get("/api/v1/isolated/symbols", self._isolated_symbols)
            r.add_get("/api/v1/order/client-order/{clientOid}", self._classic_lookup)
            if not futures:
                r.add_get("/api/v1/orders", self._classic_list)
                r.add_get("/api/v1/orders/{orderId}", self._classic_lookup)
            for prefix, margin in (("/api/v1/hf/orders", False),
                                   ("/api/v3/hf/margin/orders", True)):
                r.add_get(prefix + "/active", self._spot_active(margin))
                r.add_get(prefix + "/done", self._spot_done(margin))
                r.add_get(prefix + "/client-order/{clientOid}", self._spot_lookup(margin))
                r.add_get(prefix + "/{orderId}", self._spot_lookup(margin))

    # ------------------------------------------------------------ plumbing
    @web.middleware
    async def _envelope(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Unknown path 404000, wrong method 405000 (before authentication), public
        paths unsigned, the others signed; every refusal in KuCoin's envelope."""
        self.requests += 1
        match = request.match_info
        missing = match.http_exception
        if missing is not None:
            code = "405000" if missing.status == 405 else "404000"
            return _json({"code": code, "msg": missing.reason}, status=missing.status)
        body = await request.text()
        token = None
        try:
            name = match.route.resource.name if match.route.resource is not None else None
            if name is None or not name.startswith(_PUBLIC):
                cfg = self.venue.config
                account = authenticate(request, body, self.venue.keys,
                                       time.time_ns() // 1_000_000, cfg.timestamp_window_ms,
                                       cfg.rest_strict_query)
                token = _ACCOUNT.set(account)
            return await handler(request)
        except _Refused as exc:
            return _json({"code": exc.code, "msg": exc.msg}, status=exc.status)
        except web.HTTPException:
            raise
        except Exception:
            logger.exception("REST %s %s failed", request.method, request.path)
            return _json({"code": "500000", "msg": "Internal Server Error"}, status=500)
        finally:
            if token is not None:
                _ACCOUNT.reset(token)

    def _acct(self) -> AccountState:
        return self.venue.account_state(_ACCOUNT.get().account_id)

    def _charge(self, futures: bool, weight: int) -> dict[str, str]:
        """Take the request's weight from its pool: the rate-limit headers, or 429."""
        cfg = self.venue.config
        limit = cfg.rate_limit if futures else cfg.spot_rate_limit
        if cfg.rate_limit is None or limit is None:
            return {}
        ok, remaining, reset = draw(self._acct(), futures, weight, limit,
                                    cfg.rate_limit_window_ms, time.time_ns() // 1_000_000)
        headers = {"gw-ratelimit-limit": str(limit), "gw-ratelimit-remaining":
                   str(max(0, remaining)), "gw-ratelimit-reset": str(reset)}
        if not ok:
            raise web.HTTPTooManyRequests(
                text=dumps({"code": "429000", "msg": ERRORS["429000"]}),
                content_type="application/json", headers=headers)
        return headers

    def _visible(self, created_ms: int) -> bool:
        delay = self.venue.config.rest_visibility_delay_ms
        return not delay or time.time_ns() // 1_000_000 - created_ms >= delay

    def _answer(self, family: str, data: Any, headers: dict[str, str]) -> web.Response:
        if data is None:
            code, msg = self.venue.config.rest_not_found[family]
            return _json({"code": code, "msg": msg}, headers=headers)
        return _ok(data, headers)

    # ------------------------------------------------------------ public
    async def _timestamp(self, request: web.Request) -> web.Response:
        return _json({"code": "200000", "msg": "success", "data": time.time_ns() // 1_000_000})

    async def _status(self, request: web.Request) -> web.Response:
        return _ok({"status": "open", "msg": ""})

    async def _contracts(self, request: web.Request) -> web.Response:
        engine, now = self.venue.futures, time.time_ns() // 1_000_000
        return _ok([_public.contract(c, engine.mark_prices[s], now)
                    for s, c in engine.contracts.items()])

    async def _contract(self, request: web.Request) -> web.Response:
        engine = self.venue.futures
        c = engine.contracts.get(request.match_info["symbol"])
        if c is None:
            raise _Refused("200003", ERRORS["200003"], 200)
        return _ok(_public.contract(c, engine.mark_prices[c.symbol],
                                    time.time_ns() // 1_000_000))

    async def _symbols(self, request: web.Request) -> web.Response:
        market = request.query.get("market")
        return _ok([_public.spot_symbol(s) for s in self.venue.spot.symbols.values()
                    if market in (None, "", "USDS")])

    async def _symbol(self, request: web.Request) -> web.Response:
        spec = self.venue.spot.symbols.get(request.match_info["symbol"])
        if spec is None:
            raise _Refused("900001", ERRORS["900001"], 200)
        return _ok(_public.spot_symbol(spec))

    async def _currencies(self, request: web.Request) -> web.Response:
        return _ok(_public.currencies(self.venue.spot.symbols, self.venue.futures.contracts))

    async def _currency(self, request: web.Request) -> web.Response:
        name = request.match_info["currency"]
        for item in _public.currencies(self.venue.spot.symbols, self.venue.futures.contracts):
            if item["currency"] == name:
                return _ok(item)
        raise _Refused("900003", "Currency not exists", 200)

    async def _all_tickers(self, request: web.Request) -> web.Response:
        spot = self.venue.spot
        return _ok({"time": time.time_ns() // 1_000_000,
                    "ticker": [_public.ticker(s, spot.prices[n]) for n, s in spot.symbols.items()]})

    # ------------------------------------------------------------ account facts
    async def _hf_opened(self, request: web.Request) -> web.Response:
        return _ok(True, self._charge(False, 2))

    async def _account_mode(self, request: web.Request) -> web.Response:
        return _ok({"selfAccountMode": "CLASSIC"}, self._charge(False, 2))

    async def _margin_symbols(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol")
        items = [_public.cross_margin_symbol(s) for s in self.venue.spot.symbols.values()
                 if s.is_margin_enabled and symbol in (None, "", s.symbol)]
        return _ok({"timestamp": time.time_ns() // 1_000_000, "items": items},
                   self._charge(False, 3))

    async def _isolated_symbols(self, request: web.Request) -> web.Response:
        return _ok([_public.isolated_symbol(s) for s in self.venue.spot.symbols.values()
                    if s.is_margin_enabled], self._charge(False, 20))

    # ------------------------------------------------------------ futures orders
    async def _futures_by_client_oid(self, request: web.Request) -> web.Response:
        headers = self._charge(True, 5)
        view = find_futures(self._acct(), client_oid=request.query.get("clientOid", ""))
        return self._answer("futures", self._futures(view), headers)

    async def _futures_by_order_id(self, request: web.Request) -> web.Response:
        headers = self._charge(True, 5)
        view = find_futures(self._acct(), order_id=request.match_info["orderId"])
        return self._answer("futures", self._futures(view), headers)

    async def _either_by_order_id(self, request: web.Request) -> web.Response:
        """``/api/v1/orders/{id}`` on the host that serves both families: a spot id (24
        hex digits) is a classic spot lookup, any other a futures one."""
        if _SPOT_ID.match(request.match_info["orderId"]):
            return await self._classic_lookup(request)
        return await self._futures_by_order_id(request)

    def _futures(self, view: FuturesView | None) -> dict[str, Any] | None:
        if view is None or not self._visible(view.created_ms):
            return None
        return futures_object(view)

    def _futures_orders(self, acct: AccountState, status: str | None) -> list[FuturesView]:
        """The account's visible futures orders, newest first: open ones (``active``),
        finished ones still in the history (``done``), or both (None)."""
        views: list[FuturesView] = []
        if status != "done":
            views += [futures_view(i.order_id, i.client_oid, i.symbol, i, "open", i.created_ms)
                      for i in acct.open.values()]
        if status != "active":
            views += [entry_view(e) for e in acct.history]
        views = [v for v in views if self._visible(v.created_ms)]
        views.sort(key=lambda v: (v.created_ms, int(v.order_id)), reverse=True)
        return views

    async def _futures_list(self, request: web.Request) -> web.Response:
        headers = self._charge(True, 2)
        status = _enum_param(request, "status", ("active", "done"))
        symbol = request.query.get("symbol") or None
        side = _enum_param(request, "side", ("buy", "sell"))
        kind = _enum_param(request, "type", ("limit", "market", "limit_stop", "market_stop"))
        start, end = _time_window(request)
        page = _int_param(request, "currentPage", 1, 1, 1 << 31)
        size = _int_param(request, "pageSize", _FUTURES_PAGE[0], 1, _FUTURES_PAGE[1])
        views = [v for v in self._futures_orders(self._acct(), status)
                 if (symbol is None or v.symbol == symbol) and (side is None or v.side == side)
                 and (kind is None or _futures_kind(v) == kind)
                 and start <= v.created_ms <= end]
        total = len(views)
        items = [futures_object(v) for v in views[(page - 1) * size:page * size]]
        return _ok({"currentPage": page, "pageSize": size, "totalNum": total,
                    "totalPage": (total + size - 1) // size, "items": items}, headers)

    async def _futures_recent_done(self, request: web.Request) -> web.Response:
        headers = self._charge(True, 5)
        symbol = request.query.get("symbol") or None
        day_ago = time.time_ns() // 1_000_000 - 24 * 3600 * 1000
        return _ok([futures_object(v) for v in self._futures_orders(self._acct(), "done")
                    if (symbol is None or v.symbol == symbol) and v.end_ms >= day_ago][:1000],
                   headers)

    # ------------------------------------------------------------ spot and margin orders
    def _spot_account(self, margin: bool) -> SpotAccount:
        return self.venue.spot.account(self._acct(), margin)

    def _spot_lookup(self, margin: bool) -> Handler:
        async def lookup(request: web.Request) -> web.Response:
            headers = self._charge(False, 5 if margin else 2)
            symbol = request.query.get("symbol")
            if not symbol:
                raise _param_error("symbol")
            order = self._spot_account(margin).lookup(request.match_info.get("orderId"),
                                                      request.match_info.get("clientOid"))
            ok = order is not None and order.symbol == symbol and \
                self._visible(order.order_time)
            return self._answer("margin" if margin else "spot",
                                spot_object(order, margin) if ok and order else None, headers)
        return lookup

    async def _classic_lookup(self, request: web.Request) -> web.Response:
        """The classic spot lookups (by orderId, by clientOid): the spot or margin order
        with that id, in the HF object."""
        headers = self._charge(False, 2)
        for margin in (False, True):
            order = self._spot_account(margin).lookup(request.match_info.get("orderId"),
                                                      request.match_info.get("clientOid"))
            if order is not None and self._visible(order.order_time):
                return _ok(spot_object(order, margin), headers)
        return self._answer("spot", None, headers)

    def _spot_orders(self, acc: SpotAccount, active: bool | None) -> list[SpotOrder]:
        """An account's visible orders, newest first: open (True), done (False), both."""
        self.venue.spot.expire(acc, time.time_ns() // 1_000_000)
        orders: list[SpotOrder] = []
        if active is not False:
            orders += acc.open.values()
        if active is not True:
            orders += acc.done.values()
        orders = [o for o in orders if self._visible(o.order_time)]
        orders.sort(key=lambda o: (o.order_time, o.order_id), reverse=True)
        return orders

    def _spot_filter(self, request: web.Request, margin: bool, active: bool,
                     orders: Iterable[SpotOrder]) -> list[SpotOrder]:
        symbol = request.query.get("symbol")
        if not symbol:
            raise _param_error("symbol")
        trade_type = _enum_param(request, "tradeType",
                                 ("MARGIN_TRADE", "MARGIN_ISOLATED_TRADE") if margin
                                 else ("TRADE",), required=margin and active)
        side = _enum_param(request, "side", ("buy", "sell"))
        kind = _enum_param(request, "type", ("limit", "market"))
        start, end = _time_window(request)
        return [o for o in orders if o.symbol == symbol
                and (trade_type is None or _trade_type(o, margin) == trade_type)
                and (side is None or o.side == side) and (kind is None or o.type == kind)
                and start <= o.order_time <= end]

    def _spot_active(self, margin: bool) -> Handler:
        async def active(request: web.Request) -> web.Response:
            headers = self._charge(False, 4 if margin else 2)
            acc = self._spot_account(margin)
            orders = self._spot_filter(request, margin, True, self._spot_orders(acc, True))
            return _ok([spot_object(o, margin) for o in orders], headers)
        return active

    def _spot_done(self, margin: bool) -> Handler:
        async def done(request: web.Request) -> web.Response:
            headers = self._charge(False, 10 if margin else 2)
            acc = self._spot_account(margin)
            orders = self._spot_filter(request, margin, False, self._spot_orders(acc, False))
            limit = _int_param(request, "limit", _SPOT_DONE_PAGE[0], 1, _SPOT_DONE_PAGE[1])
            last_id = request.query.get("lastId")
            if last_id:
                ids = [o.order_id for o in orders]
                orders = orders[ids.index(last_id) + 1:] if last_id in ids else []
            page = orders[:limit]
            return _ok({"lastId": page[-1].order_id if page else None,
                        "items": [spot_object(o, margin) for o in page]}, headers)
        return done

    async def _classic_list(self, request: web.Request) -> web.Response:
        """``GET /api/v1/orders`` on the spot host: spot and margin orders, paged."""
        headers = self._charge(False, 2)
        status = _enum_param(request, "status", ("active", "done"))
        active = None if status is None else status == "active"
        symbol = request.query.get("symbol") or None
        trade_type = _enum_param(request, "tradeType",
                                 ("TRADE", "MARGIN_TRADE", "MARGIN_ISOLATED_TRADE"))
        start, end = _time_window(request)
        page = _int_param(request, "currentPage", 1, 1, 1 << 31)
        size = _int_param(request, "pageSize", _FUTURES_PAGE[0], 10, 500)
        pairs = [(o, m) for m in (False, True)
                 for o in self._spot_orders(self._spot_account(m), active)]
        pairs = [(o, m) for o, m in pairs if (symbol is None or o.symbol == symbol)
                 and (trade_type is None or _trade_type(o, m) == trade_type)
                 and start <= o.order_time <= end]
        pairs.sort(key=lambda p: (p[0].order_time, p[0].order_id), reverse=True)
        total = len(pairs)
        items = [spot_object(o, m) for o, m in pairs[(page - 1) * size:page * size]]
        return _ok({"currentPage": page, "pageSize": size, "totalNum": total,
                    "totalPage": (total + size - 1) // size, "items": items}, headers)

    # ------------------------------------------------------------ push tokens
    async def _bullet(self, request: web.Request) -> web.Response:
        headers = self._charge(True, 10)
        cfg = self.venue.config
        token = self.push.tokens.issue(_ACCOUNT.get(), cfg.token_ttl_s)
        return _ok({"token": token, "instanceServers": [
            {"endpoint": self.push.url, "encrypt": self.push.url.startswith("wss:"),
             "protocol": "websocket", "pingInterval": cfg.ping_interval_ms,
             "pingTimeout": cfg.ping_timeout_ms}]}, headers)


def _futures_kind(v: FuturesView) -> str:
    return v.type + "_stop" if v.args.get("stop") else v.type


def _trade_type(o: SpotOrder, margin: bool) -> str:
    if margin and o.args.get("isIsolated") is True:
        return "MARGIN_ISOLATED_TRADE"
    return _TRADE_TYPES[margin]


__all__ = ["BOTH", "FUTURES", "SPOT", "RestService", "authenticate", "futures_object",
           "spot_object"]

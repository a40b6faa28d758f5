"""The emulator's REST service (spot doc §2-§3): signed requests, the order lookups of
both engines, and the push service's bullet tokens; aiohttp's server.

Endpoints (one host serves the futures and the spot paths; KuCoin splits them between
``api-futures.kucoin.com`` and ``api.kucoin.com``):

* ``GET /api/v1/orders/byClientOid?clientOid=`` and ``GET /api/v1/orders/{orderId}``
  (futures, weight 5, Futures pool);
* ``GET /api/v1/hf/orders/client-order/{clientOid}?symbol=`` and
  ``GET /api/v1/hf/orders/{orderId}?symbol=`` (spot HF, weight 2, Spot pool);
* ``GET /api/v3/hf/margin/orders/client-order/{clientOid}?symbol=`` and
  ``GET /api/v3/hf/margin/orders/{orderId}?symbol=`` (margin HF, weight 5, Spot pool);
* ``POST /api/v1/bullet-private`` (weight 10, Futures pool): a token and one
  ``instanceServers`` entry naming the push service.

Every request must be signed (§2.2-§2.3): ``KC-API-KEY``, ``KC-API-SIGN`` =
base64(HMAC-SHA256(secret, timestamp + METHOD + path[?query] + body)),
``KC-API-TIMESTAMP`` (ms, within ``timestamp_window_ms``), ``KC-API-PASSPHRASE``
(HMAC of the passphrase for ``KC-API-KEY-VERSION`` 2 and 3, plain for 1). Replies are
``{"code":"200000","data":…}`` or ``{"code","msg"}``, with the ``gw-ratelimit-limit``,
``-remaining`` and ``-reset`` headers; the lookups and the WS API draw on the same
per-account pools.

Decisions on behaviour KuCoin does not document (all [INF]):

* auth failures, in this order: a missing header ``400001``, an unknown key
  ``400003``, the timestamp ``400002``, a key version other than 1/2/3 ``400009``, the
  signature ``400005``, the passphrase ``400004``; HTTP 401 for 400003-400005, else
  400 (open question 15);
* the signature is checked over the percent-decoded query in the order received
  (DOC-AUTH); the raw encoded query is accepted too unless ``rest_strict_query``
  (open question 14);
* an order that does not exist, or was placed less than
  ``rest_visibility_delay_ms`` ago (KuCoin's lagging index, §3.4), is HTTP 200 with
  ``rest_not_found[family]``: futures ``100001 error.getOrder.orderNotExist``, spot
  ``400100 order not exist.``, margin ``130103 order not exist.`` (open questions 1-2);
  a lookup by clientOid finds the newest order with it; finished orders are found
  while the account's bounded history keeps them (``history_size``);
* a spot or margin lookup without ``symbol`` is ``400100`` "Parameter Error: symbol:
  is required", one of another symbol is not found; over the pool: HTTP 429 ``429000``.
"""
from __future__ import annotations

import contextvars
import hmac
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

from aiohttp import web

from .._rules import ERRORS
from ._auth import Account, sign
from ._engine import find_futures
from ._events import FuturesView, amount_text
from ._ops._limits import draw
from ._spot import SpotOrder
from ._wire import dumps

if TYPE_CHECKING:
    from ._server import Emulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HEADERS: Final = ("KC-API-KEY", "KC-API-SIGN", "KC-API-TIMESTAMP", "KC-API-PASSPHRASE")
_HTTP_401: Final = frozenset({"400003", "400004", "400005"})
#: The signed-in Account of the request being handled (set by the middleware; a
#: ContextVar rather than request storage: typed, and no key API of a newer aiohttp).
_ACCOUNT: Final[contextvars.ContextVar[Account]] = contextvars.ContextVar("rest_account")
_TRADE_TYPES: Final = {False: "TRADE", True: "MARGIN_TRADE"}


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=dumps(data), status=status, headers=headers,
                        content_type="application/json")


class _Refused(Exception):
    def __init__(self, code: str, msg: str | None = None, status: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.msg = msg if msg is not None else ERRORS.get(code, "error")
        self.status = status if status is not None else (401 if code in _HTTP_401 else 400)


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


def authenticate(request: web.Request, body: str, accounts: dict[str, Account],
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


def futures_object(v: FuturesView) -> dict[str, Any]:
    """The ``data`` of a futures lookup (spot doc §3.3)."""
    price = "0" if v.price is None else amount_text(v.price)
    return {"id": v.order_id, "symbol": v.symbol, "type": v.type, "side": v.side,
            "price": price, "size": v.lots, "value": "0", "dealValue": "0",
            "dealSize": v.filled, "stp": "", "stop": "", "stopPriceType": "",
            "stopTriggered": False, "stopPrice": None, "timeInForce": "GTC",
            "postOnly": False, "hidden": False, "iceberg": False, "leverage": "1",
            "forceHold": False, "closeOrder": False, "visibleSize": 0,
            "clientOid": v.client_oid, "remark": None, "tags": "", "isActive": v.active,
            "cancelExist": v.cancelled, "createdAt": v.created_ms,
            "updatedAt": v.created_ms, "endAt": None if v.active else v.created_ms,
            "orderTime": v.created_ms * 1_000_000, "settleCurrency": "USDT",
            "marginMode": v.margin_mode, "avgDealPrice": price if v.filled else "0",
            "filledSize": v.filled, "filledValue": "0",
            "status": "open" if v.active else "done", "reduceOnly": False,
            "positionSide": v.position_side}


def spot_object(o: SpotOrder, margin: bool) -> dict[str, Any]:
    """The ``data`` of a spot or margin HF lookup (spot doc §3.2; note ``cancelled*``)."""
    spec = o.spec
    zero = Decimal(0)
    funds = o.funds if o.funds is not None else (o.price or zero) * (o.size or zero)
    isolated = margin and o.args.get("isIsolated") is True
    active = o.status == "open"
    return {"id": o.order_id, "clientOid": o.client_oid, "symbol": o.symbol, "opType": "DEAL",
            "type": o.type, "side": o.side, "price": amount_text(o.price or zero),
            "size": amount_text(o.size or zero), "funds": amount_text(funds),
            "dealSize": amount_text(o.deal_size), "dealFunds": amount_text(o.deal_funds),
            "remainSize": amount_text(o.remain_size), "remainFunds": "0",
            "cancelledSize": amount_text(o.canceled_size),
            "cancelledFunds": amount_text(o.canceled_funds), "fee": "0",
            "feeCurrency": spec.quote_currency, "stp": None, "timeInForce": o.time_in_force,
            "postOnly": o.post_only, "hidden": o.args.get("hidden") is True,
            "iceberg": o.args.get("iceberg") is True, "visibleSize": "0", "cancelAfter": 0,
            "channel": "API", "remark": None, "tags": None,
            "cancelExist": o.status == "done" and o.canceled_size > 0,
            "tradeType": "MARGIN_ISOLATED_TRADE" if isolated else _TRADE_TYPES[margin],
            "inOrderBook": active, "active": active, "createdAt": o.order_time,
            "lastUpdatedAt": o.match_time}


class RestService:
    """The REST server of one emulator (see the module docstring)."""

    def __init__(self, em: Emulator) -> None:
        self.em = em
        self._runner: web.AppRunner | None = None
        self.port = 0
        #: Requests served (signed or refused).
        self.requests = 0

    async def start(self, host: str, port: int, ssl_context: Any) -> int:
        """Listen; returns the bound port."""
        app = web.Application(middlewares=[self._signed])
        app.router.add_get("/api/v1/orders/byClientOid", self._futures_by_client_oid)
        app.router.add_get("/api/v1/orders/{orderId}", self._futures_by_order_id)
        for prefix, margin in (("/api/v1/hf/orders", False), ("/api/v3/hf/margin/orders", True)):
            app.router.add_get(prefix + "/client-order/{clientOid}", self._spot_lookup(margin))
            app.router.add_get(prefix + "/{orderId}", self._spot_lookup(margin))
        app.router.add_post("/api/v1/bullet-private", self._bullet)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        """Stop listening and close the open connections."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # ------------------------------------------------------------ plumbing
    @web.middleware
    async def _signed(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests += 1
        cfg = self.em.config
        body = await request.text()
        try:
            account = authenticate(request, body, self.em._accounts,
                                   time.time_ns() // 1_000_000, cfg.timestamp_window_ms,
                                   cfg.rest_strict_query)
        except _Refused as exc:
            return _json({"code": exc.code, "msg": exc.msg}, status=exc.status)
        token = _ACCOUNT.set(account)
        try:
            return await handler(request)
        except _Refused as exc:
            return _json({"code": exc.code, "msg": exc.msg}, status=exc.status)
        finally:
            _ACCOUNT.reset(token)

    def _charge(self, request: web.Request, futures: bool, weight: int) -> dict[str, str]:
        """Take the request's weight from its pool: the rate-limit headers, or 429."""
        cfg = self.em.config
        limit = cfg.rate_limit if futures else cfg.spot_rate_limit
        if cfg.rate_limit is None or limit is None:
            return {}
        book = self.em.engine.book(_ACCOUNT.get().account_id)
        ok, remaining, reset = draw(book, futures, weight, limit, cfg.rate_limit_window_ms,
                                    time.time_ns() // 1_000_000)
        headers = {"gw-ratelimit-limit": str(limit), "gw-ratelimit-remaining":
                   str(max(0, remaining)), "gw-ratelimit-reset": str(reset)}
        if not ok:
            raise web.HTTPTooManyRequests(
                text=dumps({"code": "429000", "msg": ERRORS["429000"]}),
                content_type="application/json", headers=headers)
        return headers

    def _visible(self, created_ms: int) -> bool:
        delay = self.em.config.rest_visibility_delay_ms
        return not delay or time.time_ns() // 1_000_000 - created_ms >= delay

    def _answer(self, family: str, data: Any, headers: dict[str, str]) -> web.Response:
        if data is None:
            code, msg = self.em.config.rest_not_found[family]
            return _json({"code": code, "msg": msg}, headers=headers)
        return _json({"code": "200000", "data": data}, headers=headers)

    # ------------------------------------------------------------ lookups
    async def _futures_by_client_oid(self, request: web.Request) -> web.Response:
        headers = self._charge(request, True, 5)
        book = self.em.engine.book(_ACCOUNT.get().account_id)
        view = find_futures(book, client_oid=request.query.get("clientOid", ""))
        return self._answer("futures", self._futures(view), headers)

    async def _futures_by_order_id(self, request: web.Request) -> web.Response:
        headers = self._charge(request, True, 5)
        book = self.em.engine.book(_ACCOUNT.get().account_id)
        view = find_futures(book, order_id=request.match_info["orderId"])
        return self._answer("futures", self._futures(view), headers)

    def _futures(self, view: FuturesView | None) -> dict[str, Any] | None:
        if view is None or not self._visible(view.created_ms):
            return None
        return futures_object(view)

    def _spot_lookup(self, margin: bool) -> Handler:
        async def lookup(request: web.Request) -> web.Response:
            headers = self._charge(request, False, 5 if margin else 2)
            symbol = request.query.get("symbol")
            if not symbol:
                raise _Refused("400100", "Parameter Error: symbol: is required", 200)
            book = self.em.engine.book(_ACCOUNT.get().account_id)
            acc = self.em.spot.account(book, margin)
            order = acc.lookup(request.match_info.get("orderId"),
                               request.match_info.get("clientOid"))
            ok = order is not None and order.symbol == symbol and \
                self._visible(order.order_time)
            return self._answer("margin" if margin else "spot",
                                spot_object(order, margin) if ok and order else None, headers)
        return lookup

    async def _bullet(self, request: web.Request) -> web.Response:
        headers = self._charge(request, True, 10)
        em = self.em
        cfg = em.config
        token = em.push.tokens.issue(_ACCOUNT.get(), cfg.token_ttl_s)
        return _json({"code": "200000", "data": {"token": token, "instanceServers": [
            {"endpoint": em.push_url, "encrypt": em.ssl_context is not None,
             "protocol": "websocket", "pingInterval": cfg.ping_interval_ms,
             "pingTimeout": cfg.ping_timeout_ms}]}}, headers=headers)


__all__ = ["RestService", "authenticate", "futures_object", "spot_object"]

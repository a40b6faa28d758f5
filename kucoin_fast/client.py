"""The asyncio facade: :class:`WebsocketAPIClient` (Node SDK ``WebsocketAPIClient`` names).

It owns the client's options, its public request API (:class:`RequestMethods`,
:class:`OrderTracking`), the outcome records and :class:`PreparedOrder`; the layers
below do the work (docs/layout.md).
"""
from __future__ import annotations

import asyncio
import collections
import ipaddress
import logging
import ssl
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from ssl import SSLContext
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import urlsplit

from ._core import build as _impl
from ._core.build import WSAPIResponse
from ._core.busypoll import DEFAULT_BUDGET_S, BusyPoller
from ._core.redact import RedactingLogger
from ._core.request_py import Dispatch
from ._keeping.admission import Admission
from ._keeping.connector import ConnectOptions, Connector
from ._keeping.policy import RECONCILE_BACKOFF, ReconnectPolicy
from ._keeping.throttle import ThrottleState
from ._protocol import ops as _ops
from ._protocol import specs as _specs
from ._protocol.errors import (
    ConfigurationError,
)
from ._protocol.ops import FUTURES, SPOT
from ._protocol.params import (
    FuturesCancelParams,
    FuturesMultiCancelParams,
    FuturesOrderParams,
    MarginOrderParams,
    SpotCancelParams,
    SpotModifyParams,
    SpotOrderParams,
)
from ._protocol.results import (
    WS_KEY_MAP,
    BatchResult,
    Credentials,
    MarginOrderResult,
    OrderEvent,
    OrderStatus,
    ResolvedOutcome,
    SpotModifyResult,
    SpotOrderState,
    UnknownOutcome,
)

if TYPE_CHECKING:  # the recovery layer is imported when a client is made
    from ._recovery.push import OrderEvents
    from ._recovery.reconcile import OrderLoop, ReconciledCallback, SymbolHint

__all__ = ["COALESCE_AUTO", "OrderCallback", "PreparedOrder", "StateCallback",
           "WebsocketAPIClient"]

#: ``callback(result)``: result is a :class:`WSAPIResponse` or a :class:`KucoinError`.
OrderCallback = Callable[[Any], None]
#: ``callback(ws_key, state, error)``: a :class:`ConnectionState` value and the error
#: that caused it (None when there is none).
StateCallback = Callable[[str, str, "BaseException | None"], None]
#: The default ``coalesce_writes`` mode (see :class:`WebsocketAPIClient`).
COALESCE_AUTO: Final = "auto"

_DEFAULT_KEY: Final = WS_KEY_MAP.wsApiFuturesV1
#: The op names the raw-reply methods send (module constants: the hot path reads no row).
_OP_ORDER: Final = _ops.FUTURES_ORDER.name
_OP_CANCEL: Final = _ops.FUTURES_CANCEL.name
_OP_SPOT_ORDER: Final = _ops.SPOT_ORDER.name
_OP_SPOT_CANCEL: Final = _ops.SPOT_CANCEL.name
_OP_MARGIN_CANCEL: Final = _ops.MARGIN_CANCEL.name
_SPOT_KEY: Final = WS_KEY_MAP.wsApiSpotV1
_T = TypeVar("_T")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_url(url: str, allow_insecure_ws: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ConfigurationError(f"ws_url must be a ws:// or wss:// URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ConfigurationError(
            "ws_url is the base URL (e.g. wss://wsapi.kucoin.com/v1/private); "
            "the client adds the signed query itself")
    if parts.scheme == "ws" and not allow_insecure_ws and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            "plain ws:// is only accepted for loopback hosts (the emulator); "
            "pass allow_insecure_ws=True to use it elsewhere")
    return url


def _check_rest_url(rest_url: str | Mapping[str, str] | None,
                    allow_insecure_ws: bool) -> str | Mapping[str, str] | None:
    """``rest_url``: a base URL for every family, or a mapping family -> base URL."""
    urls = {"*": rest_url} if isinstance(rest_url, str) else dict(rest_url or {})
    for family, url in urls.items():
        if family not in ("*", FUTURES, SPOT, "margin"):
            raise ConfigurationError(f"rest_url: unknown family {family!r}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ConfigurationError(f"rest_url must be an http(s):// base URL, got {url!r}")
        if parts.scheme == "http" and not allow_insecure_ws and not _is_loopback(parts.hostname):
            raise ConfigurationError("plain http:// rest_url is only accepted for loopback "
                                     "hosts (the emulator) unless allow_insecure_ws=True")
    return rest_url


def _tls_context(ssl_context: SSLContext | None, insecure_skip_tls_verify: bool,
                 logger: logging.Logger) -> SSLContext | None:
    if not insecure_skip_tls_verify:
        return ssl_context
    if ssl_context is not None:
        raise ConfigurationError("pass either ssl_context or insecure_skip_tls_verify")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    logger.warning("TLS certificate verification is OFF (insecure_skip_tls_verify=True): "
                   "anyone on the path can read and change this connection")
    return ctx


def _credentials(api_key: str | None, api_secret: str | None, api_passphrase: str | None,
                 credentials: Credentials | None) -> Credentials:
    if credentials is None:
        return Credentials(api_key or "", api_secret or "", api_passphrase or "")
    if api_key or api_secret or api_passphrase:
        raise ConfigurationError("pass either credentials or api_key/api_secret/api_passphrase")
    return credentials


def _connect_options(testnet: bool, ws_url: str | None, allow_insecure_ws: bool,
                     request_timeout: float, connect_timeout: float, enable_ns: bool,
                     partner: str | None, partner_key: str | None,
                     ssl_context: SSLContext | None, ping_interval: float | None,
                     ping_timeout: float | None, max_frame_size: int, coalesce_writes: Any,
                     clock: Callable[[], float]) -> ConnectOptions:
    """The checked connection options of a client (ConfigurationError names the rule)."""
    if testnet:
        raise ConfigurationError(
            "KuCoin offers no testnet for the WebSocket trading API. Run the local "
            "emulator instead (`kucoin-fast emulator` or kucoin_fast.emulator.Emulator) "
            "and pass its ws_url.")
    if (partner is None) != (partner_key is None):
        raise ConfigurationError("partner and partner_key go together")
    if not request_timeout > 0 or not connect_timeout > 0:
        raise ConfigurationError("request_timeout and connect_timeout must be positive")
    if coalesce_writes not in (False, True, COALESCE_AUTO):
        raise ConfigurationError("coalesce_writes must be True, False or 'auto'")
    return ConnectOptions(
        ws_url=_check_url(ws_url or _specs.DEFAULT_URL, allow_insecure_ws),
        request_timeout=float(request_timeout), connect_timeout=float(connect_timeout),
        enable_ns=enable_ns, partner=partner, partner_key=partner_key,
        ssl_context=ssl_context, ping_interval=ping_interval, ping_timeout=ping_timeout,
        max_frame_size=max_frame_size, coalesce_writes=coalesce_writes, clock=clock)


def _redactor(logger_name: str, credentials: Credentials,
              partner_key: str | None) -> RedactingLogger:
    """The transport logger, which blanks the client's secrets."""
    redactor = RedactingLogger(logging.getLogger(logger_name + ".transport"))
    redactor.add_secrets(credentials.api_key, credentials.api_secret,
                         credentials.api_passphrase, *([partner_key] if partner_key else []))
    return redactor


def _request_path(connector: Connector, busy_poll: float | bool, throttle: bool,
                  throttle_reserve: int) -> tuple[BusyPoller | None, ThrottleState | None,
                                                  Dispatch]:
    """A client's busy poller, throttle and request dispatch: straight to a live
    connection, through the keeping layer's :class:`Admission` otherwise."""
    busy = None if busy_poll is False else BusyPoller(
        DEFAULT_BUDGET_S if busy_poll is True else float(busy_poll))
    throttle_state = ThrottleState(reserve=throttle_reserve) if throttle else None
    admission = Admission(connector, throttle_state, busy)
    dispatch = _impl.SELECTED.Dispatch(connector.live, busy, admission.call,
                                       direct=throttle_state is None)
    return busy, throttle_state, dispatch


def _call_user(callback: Callable[..., Any] | None, what: str, *args: Any) -> None:
    if callback is None:
        return
    try:
        callback(*args)
    except Exception as exc:  # noqa: BLE001 - user code must not break the client
        asyncio.get_running_loop().call_exception_handler({
            "message": f"kucoin_fast: {what} callback raised", "exception": exc})


class PreparedOrder:
    """Low-level hot-loop path: a pre-validated, pre-encoded ``futures.order``.

    Made by :meth:`WebsocketAPIClient.prepare_order`. Each :meth:`send` changes
    only the price, the size field (``size``/``qty``/``valueQty``, as in the
    template) and the clientOid; it is synchronous, creates no future, and calls
    ``callback(result)`` from the frame callback with the :class:`WSAPIResponse`
    or the error (:class:`KucoinAPIError`, :class:`RequestTimeoutError`,
    :class:`ConnectionLostError`). Requires an open connection (``await
    client.connect()`` first). Exceptions raised by the callback are passed to the
    loop's exception handler.
    """

    __slots__ = ("_send", "_template", "ws_key")

    def __init__(self, client: WebsocketAPIClient, template: Any, ws_key: str) -> None:
        self._send = client._dispatch.send_prepared
        self._template = template
        self.ws_key = ws_key

    @property
    def size_field(self) -> str:
        """The template's size field name: ``size``, ``qty`` or ``valueQty`` (spot:
        ``size`` or ``funds``)."""
        return str(self._template.size_field)

    @property
    def op(self) -> str:
        """The op every send uses: ``futures.order`` or ``spot.order``."""
        return str(self._template.op)

    def send(self, price: Any, size: Any, client_oid: str, callback: OrderCallback) -> int:
        """Send one order now, synchronously; ``price`` may be None for market
        templates. ``callback(result)`` gets the reply or the error.

        Returns:
            The request id (an int) of the frame just written.

        Raises:
            InvalidParamsError: price, size or clientOid break a rule (the verdicts
                the full order would get; nothing was sent).
            ConnectionLostError: not connected (``sent=False``).
            BackpressureError: the socket's write buffer is full (``sent=False``).

        Example:
            >>> prepared.send(price="50000", size="2", client_oid="mm-43",
            ...               callback=on_result)
        """
        return self._send(self.ws_key, self._template, price, size, client_oid, callback)


class RequestMethods:
    """The eleven WS API request methods of :class:`WebsocketAPIClient`.

    Part of the client (it is not used on its own). Params are KuCoin's wire dicts
    (camelCase), checked before anything is sent. The futures methods default to
    ``ws_key=WS_KEY_MAP.wsApiFuturesV1``, the spot and margin methods to
    ``WS_KEY_MAP.wsApiSpotV1``; each key is a connection of its own, as in the Node
    SDK (both keys open the same URL; the gateway serves every op on either).

    The single-order methods are plain functions returning a coroutine: on an open
    connection it is the connection's own ``call`` coroutine (compiled: no Python frame
    in between); otherwise a coroutine that connects first. The Node SDK's camelCase
    names (``submitFuturesOrder``, ...) are aliases.

    Besides the errors each method names, every request raises
    :class:`RequestTimeoutError` when no reply came within ``request_timeout``, and
    :class:`ConnectionLostError` when the connection died with the request pending or
    it could not be written (:class:`ClientClosedError` when :meth:`close` did it,
    :class:`BackpressureError` when the write buffer stayed full). ``sent`` says
    whether it was written; a written, unanswered request has ``outcome_unknown=True``,
    is recorded in ``unknown_outcomes`` and is never re-sent (``docs/reliability.md``).
    """

    __slots__ = ()

    if TYPE_CHECKING:  # provided by WebsocketAPIClient
        _request: Callable[[str, Any, str], Coroutine[Any, Any, WSAPIResponse]]
        def _template(self, template: Any, op: str, ws_key: str) -> PreparedOrder: ...

    async def _typed(self, op: _ops.Op[_T], args: Any, ws_key: str) -> _T:
        """Send ``op`` and return its row's result type read from the reply."""
        return op.wrap(await self._request(op.name, args, ws_key))

    def submit_futures_order(
        self, params: FuturesOrderParams, ws_key: str = _DEFAULT_KEY
    ) -> Coroutine[Any, Any, WSAPIResponse]:
        """``futures.order``: place one futures order.

        Returns:
            A coroutine resolving to the :class:`WSAPIResponse` (``data``:
            ``{"orderId", "clientOid"}``).

        Raises:
            InvalidParamsError: a field breaks a rule (nothing was sent).
            KucoinAPIError: KuCoin answered another code than 200000 (its subclass,
                e.g. :class:`RateLimitError`, :class:`DuplicateClientOidError`).
            RequestTimeoutError: no reply within ``request_timeout`` (outcome unknown).
            ConnectionLostError: the connection died (``sent`` says whether it was
                written; :class:`ClientClosedError` when ``close()`` did it).

        Example:
            >>> r = await client.submit_futures_order({
            ...     "clientOid": "mm-1", "side": "buy", "symbol": "XBTUSDTM",
            ...     "type": "limit", "price": "50000", "qty": "0.01", "leverage": 5})
            >>> r.data["orderId"]
        """
        return self._request(_OP_ORDER, params, ws_key)

    def cancel_futures_order(
        self, params: FuturesCancelParams, ws_key: str = _DEFAULT_KEY
    ) -> Coroutine[Any, Any, WSAPIResponse]:
        """``futures.cancel``: cancel by ``{"orderId"}`` or ``{"clientOid", "symbol"}``.

        Returns:
            A coroutine resolving to the :class:`WSAPIResponse`.

        Raises:
            InvalidParamsError: no id, or a clientOid without its symbol (nothing
                was sent).
            OrderNotCancelableError: the order is done or unknown.
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> await client.cancel_futures_order({"clientOid": "mm-1",
            ...                                    "symbol": "XBTUSDTM"})
        """
        return self._request(_OP_CANCEL, params, ws_key)

    async def submit_multiple_futures_orders(
        self, orders: Sequence[FuturesOrderParams], ws_key: str = _DEFAULT_KEY
    ) -> BatchResult:
        """``futures.multi_order``: place up to 20 futures orders in one request.

        Returns:
            A :class:`BatchResult`: one :class:`BatchItem` per order (``.items``,
            ``.failed``, ``.succeeded``). A partial failure does not raise.

        Raises:
            InvalidParamsError: an order breaks a rule, or there are more than 20
                (nothing was sent).
            KucoinAPIError: the whole request was refused (e.g. :class:`RateLimitError`).
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> batch = await client.submit_multiple_futures_orders([order1, order2])
            >>> [(item.client_oid, item.code) for item in batch.failed]
        """
        return await self._typed(_ops.FUTURES_MULTI_ORDER, orders, ws_key)

    async def cancel_multiple_futures_orders(
        self, params: FuturesMultiCancelParams, ws_key: str = _DEFAULT_KEY
    ) -> BatchResult:
        """``futures.multi_cancel``: cancel up to 10 orders, by ``{"orderIdsList":
        [...]}`` or ``{"clientOidsList": [{"symbol", "clientOid"}, ...]}``.

        Returns:
            A :class:`BatchResult` with one item per order; a partial failure does not
            raise.

        Raises:
            InvalidParamsError: neither list, an empty one, or more than 10 ids
                (nothing was sent).
            KucoinAPIError: the whole request was refused.
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> batch = await client.cancel_multiple_futures_orders(
            ...     {"orderIdsList": ["5c52e11203aa677f33e493fb"]})
            >>> batch.succeeded
        """
        return await self._typed(_ops.FUTURES_MULTI_CANCEL, params, ws_key)

    def submit_new_spot_order(
        self, params: SpotOrderParams, ws_key: str = _SPOT_KEY
    ) -> Coroutine[Any, Any, WSAPIResponse]:
        """``spot.order``: place one Spot HF order.

        Returns:
            A coroutine resolving to the :class:`WSAPIResponse` (``data``:
            ``{"orderId"[, "clientOid"]}``).

        Raises:
            InvalidParamsError: a field breaks a rule (nothing was sent).
            KucoinAPIError: KuCoin answered another code than 200000 (e.g.
                :class:`InsufficientBalanceError`, :class:`DuplicateClientOidError`).
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> r = await client.submit_new_spot_order({
            ...     "clientOid": "s-1", "symbol": "BTC-USDT", "side": "buy",
            ...     "type": "limit", "price": "100000", "size": "0.01"})
        """
        return self._request(_OP_SPOT_ORDER, params, ws_key)

    def submit_sync_spot_order(
        self, params: SpotOrderParams, ws_key: str = _SPOT_KEY
    ) -> Coroutine[Any, Any, SpotOrderState]:
        """``spot.sync_order``: place one spot order and get its state after matching.

        Returns:
            A coroutine resolving to a :class:`SpotOrderState` (``status``,
            ``deal_size``, ``remain_size``, ``canceled_size``, ...; the reply in
            ``.response``).

        Raises:
            InvalidParamsError: a field breaks a rule (nothing was sent).
            KucoinAPIError: KuCoin answered another code than 200000.
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> st = await client.submit_sync_spot_order({
            ...     "symbol": "BTC-USDT", "side": "buy", "type": "market", "funds": "100"})
            >>> st.status, st.deal_size
        """
        return self._typed(_ops.SPOT_SYNC_ORDER, params, ws_key)

    def modify_spot_order(
        self, params: SpotModifyParams, ws_key: str = _SPOT_KEY
    ) -> Coroutine[Any, Any, SpotModifyResult]:
        """``spot.modify``: cancel-and-replace with ``newPrice``/``newSize``; the
        replacement has a new order id.

        Returns:
            A coroutine resolving to a :class:`SpotModifyResult` (``new_order_id``,
            ``client_oid``).

        Raises:
            InvalidParamsError: no id, or no new value (nothing was sent).
            KucoinAPIError: KuCoin answered another code than 200000.
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> m = await client.modify_spot_order({
            ...     "symbol": "BTC-USDT", "clientOid": "s-1", "newPrice": "99900"})
            >>> m.new_order_id
        """
        return self._typed(_ops.SPOT_MODIFY, params, ws_key)

    def cancel_spot_order(
        self, params: SpotCancelParams, ws_key: str = _SPOT_KEY
    ) -> Coroutine[Any, Any, WSAPIResponse]:
        """``spot.cancel``: cancel by ``{"symbol", "orderId"}`` or
        ``{"symbol", "clientOid"}``.

        Returns:
            A coroutine resolving to the :class:`WSAPIResponse` (``data`` echoes the
            id that was sent).

        Raises:
            InvalidParamsError: no symbol or no id (nothing was sent).
            OrderNotCancelableError: the order is done or unknown.
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> await client.cancel_spot_order({"symbol": "BTC-USDT", "clientOid": "s-1"})
        """
        return self._request(_OP_SPOT_CANCEL, params, ws_key)

    def cancel_sync_spot_order(
        self, params: SpotCancelParams, ws_key: str = _SPOT_KEY
    ) -> Coroutine[Any, Any, SpotOrderState]:
        """``spot.sync_cancel``: cancel one spot order and get its final state.

        Returns:
            A coroutine resolving to a :class:`SpotOrderState`.

        Raises:
            InvalidParamsError: no symbol or no id (nothing was sent).
            OrderNotCancelableError: the order is done or unknown.
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> st = await client.cancel_sync_spot_order({"symbol": "BTC-USDT",
            ...                                          "orderId": m.new_order_id})
            >>> st.canceled_size
        """
        return self._typed(_ops.SPOT_SYNC_CANCEL, params, ws_key)

    def submit_margin_order(
        self, params: MarginOrderParams, ws_key: str = _SPOT_KEY
    ) -> Coroutine[Any, Any, MarginOrderResult]:
        """``margin.order``: place one Classic margin HF order (``isIsolated``,
        ``autoBorrow``, ``autoRepay``; ``clientOid`` required).

        Returns:
            A coroutine resolving to a :class:`MarginOrderResult` (``borrow_size``
            and ``loan_apply_id`` are None when nothing was borrowed).

        Raises:
            InvalidParamsError: a field breaks a rule (nothing was sent).
            KucoinAPIError: KuCoin answered another code than 200000 (e.g.
                :class:`InsufficientBalanceError`).
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> mo = await client.submit_margin_order({
            ...     "clientOid": "m-1", "symbol": "BTC-USDT", "side": "buy",
            ...     "type": "market", "funds": "500", "autoBorrow": True})
            >>> mo.borrow_size
        """
        return self._typed(_ops.MARGIN_ORDER, params, ws_key)

    def cancel_margin_order(
        self, params: SpotCancelParams, ws_key: str = _SPOT_KEY
    ) -> Coroutine[Any, Any, WSAPIResponse]:
        """``margin.cancel``: cancel by ``{"symbol", "orderId"}`` or
        ``{"symbol", "clientOid"}``.

        Returns:
            A coroutine resolving to the :class:`WSAPIResponse`.

        Raises:
            InvalidParamsError: no symbol or no id (nothing was sent).
            OrderNotCancelableError: the order is done or unknown.
            RequestTimeoutError, ConnectionLostError: no reply (:class:`RequestMethods`).

        Example:
            >>> await client.cancel_margin_order({"symbol": "BTC-USDT", "clientOid": "m-1"})
        """
        return self._request(_OP_MARGIN_CANCEL, params, ws_key)

    def prepare_spot_order(self, template: SpotOrderParams,
                           ws_key: str = _SPOT_KEY) -> PreparedOrder:
        """:meth:`WebsocketAPIClient.prepare_order` for ``spot.order``: per send only
        the clientOid, the price and the template's ``size``/``funds`` change.

        Returns:
            A :class:`PreparedOrder` bound to ``ws_key``.

        Raises:
            InvalidParamsError: the template is not a valid spot order.

        Example:
            >>> p = client.prepare_spot_order({"clientOid": "tpl", "symbol": "BTC-USDT",
            ...     "side": "buy", "type": "limit", "price": "1", "size": "1"})
            >>> p.send(price="100000", size="0.01", client_oid="s-7", callback=on_result)
        """
        return self._template(template, _OP_SPOT_ORDER, ws_key)

    submitFuturesOrder = submit_futures_order
    cancelFuturesOrder = cancel_futures_order
    submitMultipleFuturesOrders = submit_multiple_futures_orders
    cancelMultipleFuturesOrders = cancel_multiple_futures_orders
    submitNewSpotOrder = submit_new_spot_order
    submitSyncSpotOrder = submit_sync_spot_order
    modifySpotOrder = modify_spot_order
    cancelSpotOrder = cancel_spot_order
    cancelSyncSpotOrder = cancel_sync_spot_order
    submitMarginOrder = submit_margin_order
    cancelMarginOrder = cancel_margin_order


class OrderTracking:
    """Reconciliation and order events of :class:`WebsocketAPIClient`.

    Part of the client (it is not used on its own): REST lookups by clientOid and the
    private order channels, off the WS request path (:mod:`kucoin_fast.events`,
    ``docs/reliability.md``).
    """

    __slots__ = ()

    if TYPE_CHECKING:  # provided by WebsocketAPIClient
        _redactor: RedactingLogger
        _logger: logging.Logger

        @property
        def _order_loop(self) -> OrderLoop: ...
        @property
        def _connector(self) -> Connector: ...
        def _on_state(self, ws_key: str, state: str, error: BaseException | None) -> None: ...

    async def reconcile(self, items: UnknownOutcome | str | Sequence[UnknownOutcome | str], *,
                        symbol: SymbolHint = None,
                        family: str | None = None) -> dict[str, OrderStatus]:
        """What became of orders whose outcome is unknown: clientOid ->
        :class:`~kucoin_fast.OrderStatus` (``open``, ``done``, ``not_found``; or
        ``accepted``/``rejected`` from a late WS reply).

        ``items``: an :class:`UnknownOutcome` (its ops say futures, spot or margin), a
        list of them, or clientOids. A clientOid's family is ``family`` when given,
        else spot when a symbol is known for it, else futures. ``symbol`` (spot and
        margin lookups need it): one symbol, a mapping clientOid -> symbol, or a
        function; default the client's ``reconcile_symbol``, then the order channel's
        latest message. Lookups run concurrently within the REST rate-limit pools; a
        not-found answer is retried with backoff (KuCoin's index lags) and the order
        channel consulted before ``not_found`` is answered. Never re-sends anything.

        Returns:
            ``{clientOid: OrderStatus}`` in the order asked; ``status`` is ``open``,
            ``done``, ``not_found``, ``accepted`` or ``rejected``, ``source`` says
            which answered (``rest``, ``push``, ``ws_reply``).

        Raises:
            InvalidParamsError: a spot or margin clientOid has no symbol.
            AuthenticationError: the REST host refused the key or signature (a
                :class:`KucoinAPIError`, like any other error code of a lookup).
            RequestTimeoutError: no REST reply within ``rest_timeout``.
            ConnectError: the REST request failed in transport.

        Example:
            >>> statuses = await client.reconcile(client.take_unknown_outcomes(),
            ...                                   symbol="BTC-USDT")
            >>> [oid for oid, st in statuses.items() if st.status == "not_found"]
        """
        return await self._order_loop.reconciler.reconcile(items, symbol, family)

    def order_events(self, products: Sequence[str] = (FUTURES, SPOT), *,
                     symbols: Sequence[str] | None = None,
                     callback: Callable[[OrderEvent], Any] | None = None,
                     high_water: int = 10_000) -> OrderEvents:
        """The private order-change stream (``/contractMarket/tradeOrders``,
        ``/spotMarket/tradeOrdersV2``): one push connection per product in
        ``products`` (``"futures"``, ``"spot"``; margin orders come on spot's).

        Nothing connects until the stream is started (``async with``, ``async for``
        or ``await stream.start()``); with ``callback``, events are delivered from the
        frame callback, unbuffered. :meth:`close` closes every stream.

        Returns:
            An :class:`~kucoin_fast.events.OrderEvents` stream of
            :class:`~kucoin_fast.OrderEvent`.

        Raises:
            ValueError: ``products`` is empty or names an unknown product. Starting
                the stream raises the REST host's :class:`AuthenticationError`.

        Example:
            >>> async with client.order_events(("futures", "spot")) as events:
            ...     async for ev in events:
            ...         print(ev.client_oid, ev.status, ev.is_fill)
        """
        from ._recovery.push import OrderEvents

        options = self._connector.options
        loop = self._order_loop
        stream = OrderEvents(
            loop.rest, products, symbols=symbols, callback=callback,
            policy=self._connector.policy, connect_timeout=options.connect_timeout,
            redactor=self._redactor, logger=self._logger, cache=loop.cache,
            ssl_context=options.ssl_context, ping_interval=options.ping_interval,
            ping_timeout=options.ping_timeout, high_water=high_water, on_state=self._on_state)
        loop.streams.add(stream)
        return stream


class WebsocketAPIClient(RequestMethods, OrderTracking):
    """Client for KuCoin's WebSocket trading API (the "WS API").

    ``ws_url`` is the *base* URL (default ``wss://wsapi.kucoin.com/v1/private``);
    the client appends the signed query itself. Plain ``ws://`` is accepted for
    loopback hosts (the emulator) and elsewhere only with ``allow_insecure_ws``.
    ``testnet=True`` is refused: KuCoin has no testnet for this API; use
    :mod:`kucoin_fast.emulator`.

    Use ``async with client:`` or ``await client.connect()``/``await
    client.close()``; the first request connects lazily. Every method takes an
    optional ``ws_key`` (futures methods default to ``WS_KEY_MAP.wsApiFuturesV1``,
    the spot and margin methods to ``wsApiSpotV1``); each key is one connection. The
    request methods come from :class:`RequestMethods`, :meth:`reconcile` and
    :meth:`order_events` from :class:`OrderTracking`.

    Options: ``request_timeout``/``connect_timeout`` (seconds); ``ping_interval``/
    ``ping_timeout`` override the welcome's values; ``coalesce_writes``: ``"auto"``
    (default: frames sent while one read's replies are dispatched leave in one write
    after its last reply; otherwise a frame leaves at once when none left since the
    last read, and the frames that follow it join one write at the end of the loop
    iteration), ``False`` (one write per frame) or ``True`` (every frame waits for the
    end of the iteration); ``busy_poll`` (opt-in: poll the socket instead of sleeping
    while a reply is outstanding, at most ``busy_poll`` seconds, ``True`` = 0.5 ms;
    see :mod:`kucoin_fast._core.busypoll`); ``clock`` (seconds since the epoch: the URL
    timestamp and the records' ``at``).

    Reliability options (docs/reliability.md): ``auto_reconnect`` (default True) with
    ``reconnect_policy``; ``on_state_change(ws_key, state, error)``;
    ``on_unknown_outcome(UnknownOutcome)``; ``on_resolved_outcome(ResolvedOutcome)``;
    ``outcome_history`` (records kept of each kind); ``rest_url`` (REST base for
    :meth:`reconcile` and the push tokens: one URL, or a mapping ``futures``/``spot``/
    ``margin`` -> URL; default KuCoin's futures and spot hosts), ``rest_timeout``,
    ``reconcile_symbol``/``reconcile_backoff`` (see :meth:`reconcile`),
    ``auto_reconcile`` (after each reconnect, reconcile that drop's unknown outcomes
    and call ``on_reconciled(outcome, statuses_or_error)``); ``throttle`` (hold requests while
    the last reply's ``userRateLimit.remaining`` is at or below ``throttle_reserve``
    until its ``reset``); ``insecure_skip_tls_verify`` (turns certificate and hostname
    checks off: for test rigs only, logs a WARNING).
    """

    def __init__(
        self, api_key: str | None = None, api_secret: str | None = None,
        api_passphrase: str | None = None, *, credentials: Credentials | None = None,
        ws_url: str | None = None, request_timeout: float = 10.0,
        connect_timeout: float = 10.0, enable_ns: bool = False, partner: str | None = None,
        partner_key: str | None = None, logger_name: str = "kucoin_fast",
        testnet: bool = False, allow_insecure_ws: bool = False,
        ssl_context: SSLContext | None = None, ping_interval: float | None = None,
        ping_timeout: float | None = None, max_frame_size: int = 1 << 20,
        coalesce_writes: bool | str = COALESCE_AUTO, busy_poll: float | bool = False,
        clock: Callable[[], float] = time.time, auto_reconnect: bool = True,
        reconnect_policy: ReconnectPolicy | None = None,
        on_state_change: StateCallback | None = None,
        on_unknown_outcome: Callable[[UnknownOutcome], None] | None = None,
        on_resolved_outcome: Callable[[ResolvedOutcome], None] | None = None,
        outcome_history: int = 10_000, throttle: bool = False, throttle_reserve: int = 0,
        insecure_skip_tls_verify: bool = False,
        rest_url: str | Mapping[str, str] | None = None, auto_reconcile: bool = False,
        on_reconciled: ReconciledCallback | None = None, reconcile_symbol: SymbolHint = None,
        reconcile_backoff: Sequence[float] = RECONCILE_BACKOFF, rest_timeout: float = 10.0,
    ) -> None:
        """See the class docstring."""
        logger = self._logger = logging.getLogger(logger_name)
        credentials = _credentials(api_key, api_secret, api_passphrase, credentials)
        if throttle_reserve < 0 or outcome_history < 1 or not rest_timeout > 0:
            raise ConfigurationError("throttle_reserve must be >= 0, outcome_history >= 1, "
                                     "rest_timeout > 0")
        self._options: Final = _connect_options(
            testnet, ws_url, allow_insecure_ws, request_timeout, connect_timeout, enable_ns,
            partner, partner_key, _tls_context(ssl_context, insecure_skip_tls_verify, logger),
            ping_interval, ping_timeout, max_frame_size, coalesce_writes, clock)
        redactor = self._redactor = _redactor(logger_name, credentials, partner_key)
        self._connector: Final = Connector(
            self._options, credentials, _impl.SELECTED, logger=logger,
            transport_logger=redactor, policy=reconnect_policy or ReconnectPolicy(),
            auto_reconnect=auto_reconnect, on_state=self._on_state,
            on_outcome=self._on_outcome, on_reconnected=self._on_reconnected)
        from ._recovery.reconcile import OrderLoop
        from ._recovery.rest import RestClient

        rest = RestClient(credentials, rest_url=_check_rest_url(rest_url, allow_insecure_ws),
                          timeout=rest_timeout, clock=clock, redactor=redactor,
                          ssl_context=self._options.ssl_context, logger=logger)
        self._order_loop: Final = OrderLoop(
            rest, backoff=reconcile_backoff, symbol=reconcile_symbol,
            resolved=lambda: self.resolved_outcomes, auto_reconcile=auto_reconcile,
            on_reconciled=on_reconciled, spawn=self._connector.spawn, report=_call_user)
        self._on_state_change, self._on_unknown_outcome, self._on_resolved_outcome = \
            on_state_change, on_unknown_outcome, on_resolved_outcome
        #: Requests whose outcome became unknown (newest last, bounded by
        #: ``outcome_history``). See :class:`UnknownOutcome`.
        self.unknown_outcomes: collections.deque[UnknownOutcome] = collections.deque(
            maxlen=outcome_history)
        #: Late replies of timed-out or cancelled requests (newest last, bounded).
        self.resolved_outcomes: collections.deque[ResolvedOutcome] = collections.deque(
            maxlen=outcome_history)
        self._busy, self._throttle, self._dispatch = _request_path(
            self._connector, busy_poll, throttle, throttle_reserve)
        #: The request methods' one call: ``_request(op, args, ws_key)`` is the coroutine.
        self._request = self._dispatch.call

    # ------------------------------------------------------------- options

    @property
    def ws_url(self) -> str:
        """The base URL connections are opened to."""
        return self._options.ws_url

    @property
    def request_timeout(self) -> float:
        """Seconds a request waits for its reply."""
        return self._options.request_timeout

    @property
    def connect_timeout(self) -> float:
        """Seconds a connect (TCP, TLS, upgrade, challenge, welcome) may take."""
        return self._options.connect_timeout

    @property
    def enable_ns(self) -> bool:
        """Whether ``inTime``/``outTime`` are asked for in nanoseconds."""
        return self._options.enable_ns

    @property
    def coalesce_writes(self) -> bool | str:
        """The write mode: ``"auto"``, ``False`` or ``True``."""
        return self._options.coalesce_writes  # type: ignore[no-any-return]

    @property
    def reconnect_policy(self) -> ReconnectPolicy:
        """The backoff used after a drop."""
        return self._connector.policy

    @property
    def auto_reconnect(self) -> bool:
        """Reconnect by itself after a drop (may be changed at any time)."""
        return self._connector.auto_reconnect

    @auto_reconnect.setter
    def auto_reconnect(self, value: bool) -> None:
        self._connector.auto_reconnect = value

    @property
    def last_error(self) -> BaseException | None:
        """The last connect / reconnect error (None after a successful connect)."""
        return self._connector.last_error

    @property
    def reconnect_attempts(self) -> int:
        """Reconnect attempts made so far (all keys)."""
        return self._connector.reconnect_attempts

    @property
    def throttle(self) -> ThrottleState | None:
        """The client-side rate-limit throttle (None unless ``throttle=True``)."""
        return self._throttle

    def __repr__(self) -> str:
        """The URL, the state and the open ``ws_key`` connections; never a secret."""
        return (f"WebsocketAPIClient(ws_url={self.ws_url!r}, state={self.state!r}, "
                f"connections={sorted(self._connector.live)})")

    # --------------------------------------------------------------- state

    @property
    def state(self) -> str:
        """Connection state of the default ``ws_key`` (a :class:`ConnectionState` value)."""
        return self._connector.state(_DEFAULT_KEY)

    def connection_state(self, ws_key: str = _DEFAULT_KEY) -> str:
        """Connection state of ``ws_key``: idle, connecting, connected, reconnecting,
        disconnected or closed."""
        return self._connector.state(ws_key)

    @property
    def is_connected(self) -> bool:
        """True while the default ``ws_key`` has an authenticated connection."""
        return _DEFAULT_KEY in self._connector.live

    async def wait_connected(self, ws_key: str = _DEFAULT_KEY,
                             timeout: float | None = None) -> None:
        """Wait until ``ws_key`` has an authenticated connection.

        Starts a connection when none is open or being opened (idle/disconnected);
        while reconnecting it waits for the reconnect loop.

        Returns:
            None, once the connection is open.

        Raises:
            ClientClosedError: the client is or gets closed (``sent=False``).
            ConnectError: a connect started here failed (or
                :class:`AuthenticationError`, as in :meth:`connect`).
            asyncio.TimeoutError: not connected within ``timeout`` seconds.

        Example:
            >>> await client.wait_connected(timeout=5.0)
        """
        await self._connector.wait_connected(ws_key, timeout)

    def _on_state(self, ws_key: str, state: str, error: BaseException | None) -> None:
        _call_user(self._on_state_change, "on_state_change", ws_key, state, error)

    def _on_reconnected(self, ws_key: str) -> None:
        self._order_loop.on_reconnected(ws_key)

    def _on_outcome(self, record: Any) -> None:
        if isinstance(record, UnknownOutcome):
            self.unknown_outcomes.append(record)
            self._order_loop.on_outcome(record)
            _call_user(self._on_unknown_outcome, "on_unknown_outcome", record)
        else:
            self.resolved_outcomes.append(record)
            _call_user(self._on_resolved_outcome, "on_resolved_outcome", record)

    def take_unknown_outcomes(self) -> list[UnknownOutcome]:
        """Return and forget the recorded unknown outcomes (see :attr:`unknown_outcomes`)."""
        out = list(self.unknown_outcomes)
        self.unknown_outcomes.clear()
        return out

    def unknown_client_oids(self) -> list[str]:
        """All clientOids of the recorded unknown outcomes, oldest first."""
        return [oid for record in self.unknown_outcomes for oid in record.client_oids]

    # ----------------------------------------------------------- lifecycle

    async def __aenter__(self) -> WebsocketAPIClient:  # noqa: PYI034 (Self needs 3.11)
        """``async with client:`` connects the default ``ws_key`` (:meth:`connect`)."""
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Leaving ``async with`` closes the client (:meth:`close`)."""
        await self.close()

    async def connect(self, ws_key: str = _DEFAULT_KEY) -> None:
        """Open (and authenticate) the connection for ``ws_key`` if it is not open.

        Concurrent callers share one attempt. Requests connect lazily, so calling this
        is optional, except before the synchronous paths (:meth:`prepare_order`,
        :meth:`request_with_callback`).

        Returns:
            None, once the connection is open.

        Raises:
            ConnectError: TCP, TLS or the upgrade failed (:class:`ConnectTimeoutError`
                when ``connect_timeout`` passed).
            AuthenticationError: KuCoin refused the key, signature or passphrase
                (:class:`ClockSkewError` for a clock outside its window).
            ConnectionLostError: the client is or gets closed (``sent=False``).

        Example:
            >>> await client.connect()
            >>> await client.connect(WS_KEY_MAP.wsApiSpotV1)
        """
        await self._connector.get(ws_key)

    async def close(self) -> None:
        """Close every connection, the order-event streams and the REST session.

        The client stays closed. Pending requests fail with :class:`ClientClosedError`
        (``sent=True, outcome_unknown=True``, recorded as unknown outcomes); callers
        waiting for a connection fail with ``sent=False``.

        Returns:
            None, once every connection and task is closed.

        Raises:
            Nothing: closing a closed client does nothing.

        Example:
            >>> await client.close()
            >>> client.unknown_client_oids()
        """
        await self._connector.close()
        await self._order_loop.close()

    def connection(self, ws_key: str = _DEFAULT_KEY) -> Any:
        """The most recent connection object for ``ws_key`` (None before the first
        connect); it may be closed (``.is_ready`` False, ``.lost_reason`` says why)."""
        slot = self._connector.slots.get(ws_key)
        return None if slot is None else slot.last

    def stats(self, ws_key: str | None = None) -> dict[str, int]:
        """Counters (replies, dropped late/unknown/duplicate replies, malformed frames,
        unsolicited errors, pongs, pending, frames written, socket writes) of the most
        recent connection of ``ws_key``, or summed over every key's (the default);
        ``connections`` says how many connections the counters cover.

        Returns:
            A dict of counter name to count (empty before the first connect).

        Example:
            ``client.stats()["replies"]``, ``client.stats(WS_KEY_MAP.wsApiSpotV1)``
        """
        keys = list(self._connector.slots) if ws_key is None else [ws_key]
        total: dict[str, int] = {}
        for key in keys:
            conn = self.connection(key)
            if conn is None:
                continue
            total["connections"] = total.get("connections", 0) + 1
            for name, count in conn.stats().items():
                total[name] = total.get(name, 0) + count
        return total

    # ------------------------------------------------------ low-level path

    def prepare_order(self, template: FuturesOrderParams,
                      ws_key: str = _DEFAULT_KEY) -> PreparedOrder:
        """Validate a complete ``futures.order`` once and pre-encode its static fields.

        ``template`` is a valid order (its ``clientOid``, ``price`` and size values
        are placeholders); each :meth:`PreparedOrder.send` fills them in.

        Returns:
            A :class:`PreparedOrder` bound to ``ws_key``.

        Raises:
            InvalidParamsError: the template is not a valid order, or has no size field.

        Example:
            >>> await client.connect()
            >>> p = client.prepare_order({"clientOid": "tpl", "side": "buy",
            ...     "symbol": "XBTUSDTM", "type": "market", "qty": "1", "leverage": 5})
            >>> p.send(price=None, size="2", client_oid="mm-42", callback=on_result)
        """
        return self._template(template, _OP_ORDER, ws_key)

    def _template(self, template: Any, op: str, ws_key: str) -> PreparedOrder:
        return PreparedOrder(self, _impl.SELECTED.OrderTemplate(dict(template), op), ws_key)

    def request_with_callback(self, op: str, params: Any, callback: OrderCallback,
                              ws_key: str = _DEFAULT_KEY) -> int:
        """Send any op now and get ``callback(result)`` instead of a future.

        Synchronous; requires an open connection (:meth:`connect`). ``callback`` is
        called once from the frame callback with the :class:`WSAPIResponse` or the
        error (:class:`KucoinAPIError`, :class:`RequestTimeoutError`,
        :class:`ConnectionLostError`); an exception it raises goes to the loop's
        exception handler.

        Returns:
            The request id (an int) of the frame just written.

        Raises:
            InvalidParamsError: ``params`` break a rule of ``op`` (nothing was sent).
            ConnectionLostError: not connected (``sent=False``).
            BackpressureError: the socket's write buffer is full (``sent=False``).

        Example:
            >>> def on_result(result):
            ...     print(result)
            >>> client.request_with_callback(
            ...     "futures.cancel", {"clientOid": "mm-42", "symbol": "XBTUSDTM"}, on_result)
        """
        return int(self._dispatch.request_with_callback(ws_key, op, params, callback))


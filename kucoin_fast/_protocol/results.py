"""Small public value types: credentials, WS keys, rate-limit info, batch results.

:class:`~kucoin_fast.WSAPIResponse` itself lives in the dispatcher (compiled, or its
pure-Python twin) because the frame callback builds one per reply. The typed results
read a reply KuCoin accepted and never raise: a member that does not parse reads as
None and is named in ``unparsed`` (its raw value stays in ``response.data``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple, Protocol, runtime_checkable

from .codes import BATCH_CANCEL_ITEM_SUCCESS_CODE, SUCCESS_CODE
from .errors import ConfigurationError

__all__ = ["KIND_CANCELLED", "KIND_CLOSED", "KIND_LOST", "KIND_TIMEOUT", "WS_KEY_MAP", "BatchItem",
           "BatchResult", "ConnectionState", "Credentials", "MarginOrderResult", "OrderEvent",
           "OrderStatus", "RateLimit", "Reply", "ResolvedOutcome", "Response", "SpotModifyResult",
           "SpotOrderState", "UnknownOutcome", "WsKey"]

WsKey = str


class _WsKeyMap:
    """The Node SDK's ``WS_KEY_MAP`` names for the WS API connections.

    Each key is one connection. Futures methods default to ``wsApiFuturesV1``, spot and
    margin methods to ``wsApiSpotV1`` (both keys open the same URL, as in the Node SDK).
    """

    __slots__ = ()
    wsApiSpotV1: Final = "wsApiSpotV1"
    wsApiFuturesV1: Final = "wsApiFuturesV1"

    def __iter__(self) -> Any:
        return iter((self.wsApiSpotV1, self.wsApiFuturesV1))

    def __contains__(self, key: object) -> bool:
        return key in (self.wsApiSpotV1, self.wsApiFuturesV1)

    def __repr__(self) -> str:
        return "WS_KEY_MAP(wsApiSpotV1='wsApiSpotV1', wsApiFuturesV1='wsApiFuturesV1')"


WS_KEY_MAP: Final = _WsKeyMap()


@dataclass(frozen=True)
class Credentials:
    """API key, secret and passphrase. ``repr`` and ``str`` never show them."""

    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)
    api_passphrase: str = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("api_key", "api_secret", "api_passphrase"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"{name} must be a non-empty string")

    def __repr__(self) -> str:
        return "Credentials(api_key=***, api_secret=***, api_passphrase=***)"

    __str__ = __repr__

    @classmethod
    def from_env(cls, prefix: str = "KUCOIN_") -> Credentials:
        """Read ``KUCOIN_API_KEY``, ``KUCOIN_API_SECRET``, ``KUCOIN_API_PASSPHRASE``.

        Only read when called; a missing or empty variable raises
        :class:`~kucoin_fast.ConfigurationError` naming the variable (never its value).
        """
        values = []
        for suffix in ("API_KEY", "API_SECRET", "API_PASSPHRASE"):
            name = prefix + suffix
            value = os.environ.get(name, "")
            if not value:
                raise ConfigurationError(f"environment variable {name} is missing or empty")
            values.append(value)
        return cls(*values)


class RateLimit(NamedTuple):
    """KuCoin's ``userRateLimit``/``rateLimit`` object: quota, what is left, and
    milliseconds until the window resets."""

    limit: int | None
    remaining: int | None
    reset: int | None


@runtime_checkable
class Response(Protocol):
    """What a WS API reply offers (both builds' :class:`~kucoin_fast.WSAPIResponse`):
    the typed results and the op table read replies through it."""

    @property
    def id(self) -> str: ...
    @property
    def op(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def msg(self) -> str | None: ...
    @property
    def data(self) -> Any: ...
    @property
    def in_time(self) -> int | None: ...
    @property
    def out_time(self) -> int | None: ...
    @property
    def rate_limit(self) -> RateLimit | None: ...
    @property
    def ws_key(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...


class _Reader:
    """Reads the members of a reply's ``data``; a member that is present but does not
    parse reads as None and its name is kept in ``unparsed``. Never raises."""

    __slots__ = ("get", "unparsed")

    def __init__(self, data: Any) -> None:
        self.get = data.get if isinstance(data, dict) else {}.get
        self.unparsed: list[str] = []

    def text(self, key: str) -> str | None:
        """A string member (a JSON number KuCoin sends instead is converted)."""
        value = self.get(key)
        if value is None or type(value) is str:
            return value
        if (type(value) is int and -_INT_LIMIT < value < _INT_LIMIT) or type(value) is float:
            return str(value)
        self.unparsed.append(key)
        return None

    def texts(self, *keys: str) -> list[str | None]:
        return [self.text(key) for key in keys]

    def ms(self, key: str) -> int | None:
        """A time in ms: a JSON int or a string of ASCII digits, in [0, 2**63)."""
        value = self.get(key)
        if value is None:
            return None
        if type(value) is str and 0 < len(value) <= _MS_DIGITS and value.isascii() \
                and value.isdigit():
            return int(value)
        if type(value) is int and 0 <= value < _MS_LIMIT:
            return value
        self.unparsed.append(key)
        return None


#: Far beyond any id or amount; ``str()`` of a larger int may raise.
_INT_LIMIT: Final = 10**40
_MS_DIGITS: Final = 18
_MS_LIMIT: Final = 1 << 63


class BatchItem(NamedTuple):
    """One item of a ``futures.multi_order``/``futures.multi_cancel`` reply.
    ``unparsed`` names the item's members that did not parse (they read as None)."""

    position: int
    code: str | None
    msg: str | None
    order_id: str | None
    client_oid: str | None
    symbol: str | None
    raw: Any
    unparsed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when KuCoin accepted this item (``200000``, or ``200`` for batch cancel)."""
        return self.code == SUCCESS_CODE or self.code == BATCH_CANCEL_ITEM_SUCCESS_CODE


class Reply:
    """The reply envelope of a typed result: ``code``, ``msg``, ``id``, ``op``,
    ``in_time``, ``out_time``, ``rate_limit`` and ``ws_key`` of its ``response`` (the
    whole :class:`~kucoin_fast.WSAPIResponse`), as on a plain reply."""

    __slots__ = ()
    response: Response

    @property
    def code(self) -> str:
        """KuCoin's code (``"200000"``: the request succeeded)."""
        return self.response.code

    @property
    def msg(self) -> str | None:
        """KuCoin's text (usually None on success)."""
        return self.response.msg

    @property
    def id(self) -> str:
        """The request id."""
        return self.response.id

    @property
    def op(self) -> str:
        """The op the reply answers."""
        return self.response.op

    @property
    def in_time(self) -> int | None:
        """The gateway's receive time (ms, or ns with ``enable_ns``)."""
        return self.response.in_time

    @property
    def out_time(self) -> int | None:
        """The gateway's send time (ms, or ns with ``enable_ns``)."""
        return self.response.out_time

    @property
    def rate_limit(self) -> RateLimit | None:
        """The reply's ``userRateLimit``, when it had one."""
        return self.response.rate_limit

    @property
    def ws_key(self) -> str:
        """The connection the reply came on."""
        return self.response.ws_key


class BatchResult(Reply):
    """Per-item outcome of a batch call. A partial failure does not raise.

    ``items`` is in request order; ``failed``/``succeeded`` filter it; ``response``
    is the whole :class:`~kucoin_fast.WSAPIResponse`. ``unparsed`` is ``("data",)``
    when the reply's ``data`` is not an array (then there are no items and ``ok`` is
    False).
    """

    __slots__ = ("items", "response", "unparsed")

    def __init__(self, items: list[BatchItem], response: Response,
                 unparsed: tuple[str, ...] = ()) -> None:
        self.items = items
        self.response = response
        self.unparsed = unparsed

    @classmethod
    def from_response(cls, response: Response) -> BatchResult:
        """Split a batch reply's ``data`` array into :class:`BatchItem` s."""
        data = response.data
        if not isinstance(data, list):
            return cls([], response, ("data",))
        items: list[BatchItem] = []
        for i, raw in enumerate(data):
            read = _Reader(raw)
            code, msg, order_id, client_oid, symbol = read.texts(
                "code", "msg", "orderId", "clientOid", "symbol")
            items.append(BatchItem(i, code, msg, order_id, client_oid, symbol, raw,
                                   tuple(read.unparsed)))
        return cls(items, response)

    @property
    def failed(self) -> list[BatchItem]:
        """Items KuCoin rejected."""
        return [item for item in self.items if not item.ok]

    @property
    def succeeded(self) -> list[BatchItem]:
        """Items KuCoin accepted."""
        return [item for item in self.items if item.ok]

    @property
    def ok(self) -> bool:
        """True when every item succeeded (and ``data`` was an array of items)."""
        return not self.unparsed and all(item.ok for item in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Any:
        return iter(self.items)

    def __getitem__(self, index: int) -> BatchItem:
        return self.items[index]

    def __repr__(self) -> str:
        return f"BatchResult(items={len(self.items)}, failed={len(self.failed)})"


# ------------------------------------------------------------------ spot and margin
@dataclass(frozen=True, slots=True)
class SpotOrderState(Reply):
    """The order's state after matching: the reply of ``spot.sync_order`` and of
    ``spot.sync_cancel``. Amounts are KuCoin's decimal strings; the ``*_funds`` fields
    are set only for orders placed by ``funds`` (market orders); ``order_time``/
    ``match_time`` (ms; KuCoin sends a number or a digit string) only on
    ``spot.sync_order``. ``unparsed`` names the members that did not parse."""

    order_id: str | None
    client_oid: str | None
    status: str | None
    origin_size: str | None
    deal_size: str | None
    remain_size: str | None
    canceled_size: str | None
    origin_funds: str | None
    deal_funds: str | None
    remain_funds: str | None
    canceled_funds: str | None
    order_time: int | None
    match_time: int | None
    response: Response
    unparsed: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        """True while the order rests in the book (``status`` ``open``)."""
        return self.status == "open"

    @property
    def is_done(self) -> bool:
        """True once it is filled or cancelled (``status`` ``done``)."""
        return self.status == "done"

    @classmethod
    def from_response(cls, response: Response) -> SpotOrderState:
        """Read the state from a sync op's :class:`~kucoin_fast.WSAPIResponse`."""
        read = _Reader(response.data)
        t = read.text
        return cls(t("orderId"), t("clientOid"), t("status"), t("originSize"), t("dealSize"),
                   t("remainSize"), t("canceledSize"), t("originFunds"), t("dealFunds"),
                   t("remainFunds"), t("canceledFunds"), read.ms("orderTime"),
                   read.ms("matchTime"), response, tuple(read.unparsed))


@dataclass(frozen=True, slots=True)
class SpotModifyResult(Reply):
    """``spot.modify``: the replacement order's id (the old order is cancelled) and the
    order's clientOid (None when the order has none). ``unparsed``: as on
    :class:`SpotOrderState`."""

    new_order_id: str | None
    client_oid: str | None
    response: Response
    unparsed: tuple[str, ...] = ()

    @classmethod
    def from_response(cls, response: Response) -> SpotModifyResult:
        """Read it from the :class:`~kucoin_fast.WSAPIResponse`."""
        read = _Reader(response.data)
        new_order_id, client_oid = read.text("newOrderId"), read.text("clientOid")
        return cls(new_order_id, client_oid, response, tuple(read.unparsed))


@dataclass(frozen=True, slots=True)
class MarginOrderResult(Reply):
    """``margin.order``: ``borrow_size``/``loan_apply_id`` are set only when the order
    borrowed (``autoBorrow``); ``borrow_size`` is a decimal string (a number in older
    replies is converted). ``unparsed``: as on :class:`SpotOrderState`."""

    order_id: str | None
    client_oid: str | None
    borrow_size: str | None
    loan_apply_id: str | None
    response: Response
    unparsed: tuple[str, ...] = ()

    @classmethod
    def from_response(cls, response: Response) -> MarginOrderResult:
        """Read it from the :class:`~kucoin_fast.WSAPIResponse`."""
        read = _Reader(response.data)
        t = read.text
        order_id, client_oid, borrow, loan = (t("orderId"), t("clientOid"), t("borrowSize"),
                                              t("loanApplyId"))
        return cls(order_id, client_oid, borrow, loan, response, tuple(read.unparsed))


# ------------------------------------------------------------------ reconciliation, events
class OrderEvent(NamedTuple):
    """One order change from a private order channel (``/contractMarket/tradeOrders``,
    ``/spotMarket/tradeOrdersV2``; spot doc §4.4-§4.5). Amounts are KuCoin's decimal
    strings (futures sizes in lots); None where the message has no such member.

    ``type``: ``received`` (spot), ``open``, ``match`` (a fill: ``match_price``,
    ``match_size``, ``trade_id``, ``liquidity``), ``update``, ``filled``, ``canceled``;
    ``status``: ``new``, ``open``, ``match``, ``done``. ``order_time`` is ms on spot
    and ns on futures, ``ts`` ns.
    """

    family: str
    topic: str
    type: str | None
    status: str | None
    symbol: str | None
    order_id: str | None
    client_oid: str | None
    side: str | None
    order_type: str | None
    price: str | None
    size: str | None
    filled_size: str | None
    remain_size: str | None
    canceled_size: str | None
    match_price: str | None
    match_size: str | None
    trade_id: str | None
    liquidity: str | None
    order_time: int | None
    ts: int | None

    @property
    def is_fill(self) -> bool:
        """True for a ``match`` (a fill of ``match_size`` at ``match_price``)."""
        return self.type == "match"

    @property
    def is_done(self) -> bool:
        """True once the order is filled or cancelled."""
        return self.status == "done"


class OrderStatus(NamedTuple):
    """What :meth:`~kucoin_fast.WebsocketAPIClient.reconcile` found for one clientOid.

    ``status``: ``open`` (active at KuCoin), ``done`` (filled or cancelled; see
    ``filled_size`` and ``raw``), ``not_found`` (KuCoin has no such order after the
    lookup retries and no push message named it: it was never placed), or, from a
    late WS reply that already answered the question, ``accepted`` (KuCoin took it;
    its current state is in the order channel) or ``rejected`` (``raw`` is the
    :class:`~kucoin_fast.ResolvedOutcome`). ``source``: ``rest``, ``push`` or
    ``ws_reply``. ``raw`` is KuCoin's order object (REST), the latest
    :class:`OrderEvent` (push) or the :class:`~kucoin_fast.ResolvedOutcome`.
    """

    client_oid: str
    status: str
    order_id: str | None
    filled_size: str | None
    symbol: str | None
    source: str
    raw: Any

    @property
    def exists(self) -> bool:
        """True when KuCoin has (or had) the order."""
        return self.status in ("open", "done", "accepted")


class ConnectionState:
    """Values of :attr:`WebsocketAPIClient.state` (plain strings)."""

    #: Never connected yet (the first call connects lazily).
    IDLE: Final = "idle"
    #: First connection attempt in progress.
    CONNECTING: Final = "connecting"
    #: Authenticated: requests are written at once.
    CONNECTED: Final = "connected"
    #: The connection dropped; the client is opening a new one (with backoff).
    RECONNECTING: Final = "reconnecting"
    #: Not connected and not trying: after a drop with ``auto_reconnect=False``, or
    #: after an authentication failure while reconnecting (see ``last_error``). The
    #: next call connects again.
    DISCONNECTED: Final = "disconnected"
    #: ``close()`` was called; the client stays closed.
    CLOSED: Final = "closed"


#: Why an outcome became unknown (``UnknownOutcome.kind``, ``ResolvedOutcome.kind``).
KIND_LOST: Final = "connection_lost"
KIND_CLOSED: Final = "client_closed"
KIND_TIMEOUT: Final = "timeout"
KIND_CANCELLED: Final = "cancelled"


class UnknownOutcome(NamedTuple):
    """Requests that were written and whose reply never reached their caller.

    ``kind``: ``connection_lost`` (the connection dropped with them pending; one
    record per drop), ``client_closed`` (``close()`` with them pending), ``timeout``
    (no reply by the deadline; one record per expiry) or ``cancelled`` (the awaiting
    task was cancelled, e.g. by ``asyncio.wait_for``; one record per request).
    ``client_oids``: the clientOids those requests carried *when they were sent*;
    ``ops``: the op of each (parallel to ``client_oids``: it tells
    :meth:`~kucoin_fast.WebsocketAPIClient.reconcile` which REST lookup to use);
    ``requests``: how many requests. ``at`` is the client's clock (``clock=``).

    Reconcile with KuCoin's REST lookups or the private order channel; never by
    re-sending blindly (a resend of a clientOid whose original was accepted is
    rejected with 300018 while that order is active). A late reply to a timed-out or
    cancelled request arrives as a :class:`ResolvedOutcome`.
    """

    ws_key: str
    at: float
    reason: str
    client_oids: tuple[str, ...]
    requests: int
    kind: str = KIND_LOST
    ops: tuple[str, ...] = ()


class ResolvedOutcome(NamedTuple):
    """The late reply to a request whose caller had given up (``kind`` ``timeout`` or
    ``cancelled``), or that the client's own close failed while its reply was on the
    way (``client_closed``): what KuCoin did with it after all.

    ``code``/``msg`` are KuCoin's; ``order_ids`` the orderIds the reply names (one
    per batch item, None where an item has none); ``response`` the whole
    :class:`~kucoin_fast.WSAPIResponse`.
    """

    ws_key: str
    at: float
    kind: str
    request_id: int
    op: str
    client_oids: tuple[str, ...]
    code: str
    msg: Any
    order_ids: tuple[Any, ...]
    response: Any

    @property
    def ok(self) -> bool:
        """True when KuCoin accepted the request (``200000``)."""
        return self.code == "200000"

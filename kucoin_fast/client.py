"""The asyncio facade: :class:`WebsocketAPIClient` (Node SDK ``WebsocketAPIClient`` names).

The facade owns policy (when to connect, which connection a call uses, what to
do after a loss); the per-connection mechanics live in the dispatcher's
:class:`~kucoin_fast._dispatch.Connection`, one object per WebSocket. A lost
connection is never revived: the client opens a new one by itself (fresh timestamp
and signature, exponential backoff with jitter and a cap; see
:class:`~kucoin_fast.ReconnectPolicy`) and the old object is dropped. Order ops are
never re-sent; the clientOids whose outcome became unknown are recorded per drop
(:attr:`WebsocketAPIClient.unknown_outcomes`).

Failure semantics (see ``failure-scenarios.md``):

* invalid params -> :class:`InvalidParamsError` before anything is sent;
* a request written to the socket whose reply never came fails with
  ``outcome_unknown=True`` (:class:`RequestTimeoutError` at its deadline, or
  :class:`ConnectionLostError` the moment the connection dies), with
  ``client_oids`` for reconciliation;
* KuCoin's non-success codes raise the :class:`KucoinAPIError` subclass of
  :data:`kucoin_fast.errors.ERROR_CLASSES`; batch calls return per-item results.
"""
from __future__ import annotations

import asyncio
import collections
import ipaddress
import logging
import ssl
import sys
import time
import traceback
from collections.abc import Callable, Coroutine, Sequence
from ssl import SSLContext
from typing import Any, Final
from urllib.parse import urlsplit

from picows import WSError, ws_connect

from . import _rules
from ._busypoll import DEFAULT_BUDGET_S, BusyPoller
from ._impl import Connection, OrderTemplate, WSAPIResponse, build_signed_query
from ._resilience import ConnectionState, ReconnectPolicy, ThrottleState, UnknownOutcome
from .errors import (
    AuthenticationError,
    BackpressureError,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    KucoinAPIError,
    KucoinError,
    RateLimitError,
    client_oids_of,
)
from .params import FuturesCancelParams, FuturesMultiCancelParams, FuturesOrderParams
from .types import WS_KEY_MAP, BatchResult, Credentials

__all__ = ["OrderCallback", "PreparedOrder", "StateCallback", "WebsocketAPIClient"]

#: ``callback(result)``: result is a :class:`WSAPIResponse` or a :class:`KucoinError`.
OrderCallback = Callable[[Any], None]
#: ``callback(ws_key, state, error)``: a :class:`ConnectionState` value and the error
#: that caused it (None when there is none).
StateCallback = Callable[[str, str, "BaseException | None"], None]
_UNKNOWN_KEPT: Final = 1024

_DEFAULT_KEY: Final = WS_KEY_MAP.wsApiFuturesV1
_OP_ORDER: Final = _rules.OP_ORDER
_OP_CANCEL: Final = _rules.OP_CANCEL
_OP_MULTI_ORDER: Final = _rules.OP_MULTI_ORDER
_OP_MULTI_CANCEL: Final = _rules.OP_MULTI_CANCEL
_REDACTED: Final = "***"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _abandon(conn: Any, reason: str) -> None:
    """Drop a connection that failed to open, without leaving an unretrieved error."""
    conn.abort(reason)
    done = conn.handshake_done
    if done.done() and not done.cancelled():
        done.exception()  # mark retrieved: the caller gets its own error


class _RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Logger handed to picows: formats each record itself and blanks every secret
    (picows logs the upgrade request, i.e. the signed URL, at its debug level, and
    tracebacks on errors). Secrets are registered per connection attempt."""

    #: Per-attempt secrets (signatures, signed query) kept for this many attempts.
    _ATTEMPTS_KEPT = 8

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logger, {})
        self._static: list[str] = []
        self._attempts: list[list[str]] = []
        self._secrets: list[str] = []

    @staticmethod
    def _forms(values: tuple[str, ...]) -> list[str]:
        from urllib.parse import quote

        return [form for value in values
                for form in (value, quote(value, safe=""), quote(value)) if form]

    def _rebuild(self) -> None:
        merged = set(self._static)
        for attempt in self._attempts:
            merged.update(attempt)
        self._secrets = sorted(merged, key=len, reverse=True)

    def add_secrets(self, *values: str) -> None:
        """Blank these strings (and their percent-encoded forms) for good."""
        self._static.extend(self._forms(values))
        self._rebuild()

    def add_attempt_secrets(self, *values: str) -> None:
        """Blank the secrets of one connection attempt (the last few attempts are kept)."""
        self._attempts.append(self._forms(values))
        del self._attempts[:-self._ATTEMPTS_KEPT]
        self._rebuild()

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced by ``***``."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, _REDACTED)
        return text

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        exc_info = kwargs.pop("exc_info", None)
        if exc_info:
            info = sys.exc_info() if exc_info is True else exc_info
            if isinstance(info, BaseException):
                info = (type(info), info, info.__traceback__)
            if isinstance(info, tuple) and info[0] is not None:
                text += "\n" + "".join(traceback.format_exception(*info))
        kwargs.pop("stack_info", None)
        self.logger.log(level, "%s", self.redact(text), **kwargs)


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

    __slots__ = ("_client", "_template", "ws_key")

    def __init__(self, client: WebsocketAPIClient, template: Any, ws_key: str) -> None:
        self._client = client
        self._template = template
        self.ws_key = ws_key

    @property
    def size_field(self) -> str:
        """The template's size field name: ``size``, ``qty`` or ``valueQty``."""
        return str(self._template.size_field)

    def send(self, price: Any, size: Any, client_oid: str, callback: OrderCallback) -> int:
        """Send one order now; returns its request id.

        ``price`` may be None for market templates. Raises
        :class:`InvalidParamsError` (same verdicts as ``_rules``) or
        :class:`ConnectionLostError` (``sent=False``) when nothing was sent.
        """
        conn = self._client._connections.get(self.ws_key)
        if conn is None:
            raise ConnectionLostError(
                "not connected: await client.connect() before using a prepared order",
                op=_OP_ORDER, ws_key=self.ws_key, sent=False, client_oids=(client_oid,))
        if conn.write_paused:
            raise self._client._backpressure_error(_OP_ORDER, (client_oid,))
        busy = self._client._busy
        if busy is not None:
            busy.kick(conn)
        return int(conn.send_prepared(self._template, price, size, client_oid, callback))


class WebsocketAPIClient:
    """Client for KuCoin's futures WebSocket trading API (the "WS API").

    ``ws_url`` is the *base* URL (default ``wss://wsapi.kucoin.com/v1/private``);
    the client appends the signed query itself. Plain ``ws://`` is accepted for
    loopback hosts (the emulator) and elsewhere only with ``allow_insecure_ws``.
    ``testnet=True`` is refused: KuCoin has no testnet for this API; use
    :mod:`kucoin_fast.emulator`.

    Use ``async with client:`` or ``await client.connect()``/``await
    client.close()``; the first request connects lazily. Every method takes an
    optional ``ws_key`` (default ``WS_KEY_MAP.wsApiFuturesV1``); each key is one
    connection.

    Reliability options (see docs/reliability.md): ``auto_reconnect`` (default True)
    with ``reconnect_policy``; ``on_state_change(ws_key, state, error)``;
    ``on_unknown_outcome(UnknownOutcome)``; ``throttle`` (hold requests while the last
    reply's ``userRateLimit.remaining`` is at or below ``throttle_reserve`` until its
    ``reset``); ``insecure_skip_tls_verify`` (turns certificate and hostname checks
    off: for test rigs only, logs a WARNING).
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        api_passphrase: str | None = None,
        *,
        credentials: Credentials | None = None,
        ws_url: str | None = None,
        request_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        enable_ns: bool = False,
        partner: str | None = None,
        partner_key: str | None = None,
        logger_name: str = "kucoin_fast",
        testnet: bool = False,
        allow_insecure_ws: bool = False,
        ssl_context: SSLContext | None = None,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        max_frame_size: int = 1 << 20,
        coalesce_writes: bool = False,
        busy_poll: float | bool = False,
        clock: Callable[[], float] = time.time,
        auto_reconnect: bool = True,
        reconnect_policy: ReconnectPolicy | None = None,
        on_state_change: StateCallback | None = None,
        on_unknown_outcome: Callable[[UnknownOutcome], None] | None = None,
        throttle: bool = False,
        throttle_reserve: int = 0,
        insecure_skip_tls_verify: bool = False,
    ) -> None:
        """See the class docstring. ``ping_interval``/``ping_timeout`` (seconds)
        override the welcome's values; ``clock`` (seconds since the epoch) is the
        source of the URL timestamp (a test hook for clock-skew scenarios).

        ``coalesce_writes`` (opt-in, compiled build only): frames written during one
        event-loop iteration leave with a single socket write at its end instead of one
        write each. Fewer syscalls when many requests are pipelined; a frame may wait
        for the rest of the current loop iteration before it is written.

        ``busy_poll`` (opt-in): after each request keep the event loop polling (zero
        timeout) until the next reply arrives, for at most ``busy_poll`` seconds
        (``True``: 0.5 ms), instead of sleeping until the kernel wakes the thread. Cuts
        the cross-core wake-up out of the round trip at the cost of a busy core while
        replies are outstanding; see :mod:`kucoin_fast._busypoll`.
        """
        if testnet:
            raise ConfigurationError(
                "KuCoin offers no testnet for the WebSocket trading API. Run the local "
                "emulator instead (`kucoin-fast emulator` or kucoin_fast.emulator.Emulator) "
                "and pass its ws_url.")
        if credentials is None:
            credentials = Credentials(api_key or "", api_secret or "", api_passphrase or "")
        elif api_key or api_secret or api_passphrase:
            raise ConfigurationError("pass either credentials or api_key/api_secret/api_passphrase")
        if (partner is None) != (partner_key is None):
            raise ConfigurationError("partner and partner_key go together")
        if not request_timeout > 0 or not connect_timeout > 0:
            raise ConfigurationError("request_timeout and connect_timeout must be positive")
        self._credentials: Final = credentials
        self.ws_url: Final = self._check_url(ws_url or _rules.DEFAULT_URL, allow_insecure_ws)
        self.request_timeout: Final = float(request_timeout)
        self.connect_timeout: Final = float(connect_timeout)
        self.enable_ns: Final = enable_ns
        self._partner = partner
        self._partner_key = partner_key
        if throttle_reserve < 0:
            raise ConfigurationError("throttle_reserve must be >= 0")
        if insecure_skip_tls_verify:
            if ssl_context is not None:
                raise ConfigurationError("pass either ssl_context or insecure_skip_tls_verify")
            ssl_context = ssl.create_default_context()
            ssl_context.check_hostname = False
            ssl_context.verify_mode = ssl.CERT_NONE
            logging.getLogger(logger_name).warning(
                "TLS certificate verification is OFF (insecure_skip_tls_verify=True): "
                "anyone on the path can read and change this connection")
        self._ssl_context = ssl_context
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._max_frame_size = max_frame_size
        self._coalesce_writes = coalesce_writes
        self._busy: BusyPoller | None = None
        if busy_poll is not False:
            self._busy = BusyPoller(DEFAULT_BUDGET_S if busy_poll is True else float(busy_poll))
        self._clock = clock
        self._logger = logging.getLogger(logger_name)
        self._transport_logger = _RedactingLogger(logging.getLogger(logger_name + ".transport"))
        self._transport_logger.add_secrets(
            credentials.api_key, credentials.api_secret, credentials.api_passphrase)
        if partner_key:
            self._transport_logger.add_secrets(partner_key)
        #: Live (authenticated, not lost) connections only.
        self._connections: dict[str, Any] = {}
        #: The most recent connection per key, live or not (for stats after a loss).
        self._last_connection: dict[str, Any] = {}
        self._connecting: dict[str, asyncio.Task[Any]] = {}
        #: Tasks collecting the transports' final state after a loss (see _reap).
        self._reapers: set[asyncio.Task[None]] = set()
        self._closed = False
        self._closed_fut: asyncio.Future[None] | None = None
        self.auto_reconnect = auto_reconnect
        self.reconnect_policy: Final = reconnect_policy or ReconnectPolicy()
        self._on_state_change = on_state_change
        self._on_unknown_outcome = on_unknown_outcome
        self._states: dict[str, str] = {}
        self._connected_events: dict[str, asyncio.Event] = {}
        self._reconnect_tasks: dict[str, asyncio.Task[Any]] = {}
        self._draining: set[Any] = set()  # connections retired after a 501000 notice
        self._bg: set[Any] = set()
        self._writable: dict[Any, list[asyncio.Future[None]]] = {}
        #: Requests whose outcome became unknown, one record per drop (newest last,
        #: bounded). See :meth:`take_unknown_outcomes`.
        self.unknown_outcomes: collections.deque[UnknownOutcome] = collections.deque(
            maxlen=_UNKNOWN_KEPT)
        #: The last connect / reconnect error (None after a successful connect).
        self.last_error: BaseException | None = None
        #: Reconnect attempts made so far (all keys).
        self.reconnect_attempts = 0
        self._throttle = ThrottleState(reserve=throttle_reserve) if throttle else None

    @staticmethod
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

    def __repr__(self) -> str:
        return (f"WebsocketAPIClient(ws_url={self.ws_url!r}, state={self.state!r}, "
                f"connections={sorted(k for k, c in self._connections.items() if c.is_ready)})")

    # --------------------------------------------------------------- state
    @property
    def state(self) -> str:
        """Connection state of the default ``ws_key`` (a :class:`ConnectionState` value)."""
        return self.connection_state(_DEFAULT_KEY)

    def connection_state(self, ws_key: str = _DEFAULT_KEY) -> str:
        """Connection state of ``ws_key``: idle, connecting, connected, reconnecting,
        disconnected or closed."""
        if self._closed:
            return ConnectionState.CLOSED
        return self._states.get(ws_key, ConnectionState.IDLE)

    @property
    def is_connected(self) -> bool:
        """True while the default ``ws_key`` has an authenticated connection."""
        return _DEFAULT_KEY in self._connections

    def _set_state(self, ws_key: str, state: str, error: BaseException | None = None) -> None:
        if self._states.get(ws_key) == state:
            return
        self._states[ws_key] = state
        event = self._connected_events.get(ws_key)
        if event is not None:
            if state == ConnectionState.CONNECTED:
                event.set()
            else:
                event.clear()
        if self._on_state_change is not None:
            try:
                self._on_state_change(ws_key, state, error)
            except Exception as exc:  # noqa: BLE001 - user code must not break the client
                asyncio.get_running_loop().call_exception_handler({
                    "message": "kucoin_fast: on_state_change callback raised",
                    "exception": exc})

    def _event(self, ws_key: str) -> asyncio.Event:
        event = self._connected_events.get(ws_key)
        if event is None:
            event = self._connected_events[ws_key] = asyncio.Event()
            if ws_key in self._connections:
                event.set()
        return event

    async def wait_connected(self, ws_key: str = _DEFAULT_KEY,
                             timeout: float | None = None) -> None:
        """Wait until ``ws_key`` has an authenticated connection.

        Starts a connection when none is open or being opened (idle/disconnected);
        while reconnecting it waits for the reconnect loop. Raises
        :class:`ClientClosedError` (``sent=False``) when the client is or gets closed,
        the connect error when a connect started here fails, and
        ``asyncio.TimeoutError`` after ``timeout`` seconds.
        """
        if timeout is None:
            await self._wait_connected(ws_key)
        else:
            await asyncio.wait_for(self._wait_connected(ws_key), timeout)

    async def _wait_connected(self, ws_key: str) -> None:
        while ws_key not in self._connections:
            if self._closed:
                raise ClientClosedError("the client is closed", ws_key=ws_key, sent=False)
            if ws_key not in self._reconnect_tasks:
                await self._get_connection(ws_key)
                continue
            waiter: asyncio.Future[Any] = asyncio.ensure_future(self._event(ws_key).wait())
            closed: asyncio.Future[Any] = self._closed_future()
            try:
                await asyncio.wait([waiter, closed], return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()

    def _closed_future(self) -> asyncio.Future[None]:
        fut = self._closed_fut
        if fut is None or fut.get_loop() is not asyncio.get_running_loop():
            fut = self._closed_fut = asyncio.get_running_loop().create_future()
            if self._closed:
                fut.set_result(None)
        return fut

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
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def connect(self, ws_key: str = _DEFAULT_KEY) -> None:
        """Open (and authenticate) the connection for ``ws_key`` if it is not open."""
        await self._get_connection(ws_key)

    async def close(self) -> None:
        """Close every connection. Pending requests fail with ``ClientClosedError``."""
        self._closed = True
        if self._closed_fut is not None and not self._closed_fut.done():
            self._closed_fut.set_result(None)
        reconnects = list(self._reconnect_tasks.values())
        for task in reconnects:
            task.cancel()
        for task in list(self._connecting.values()):
            task.cancel()
        if reconnects:
            await asyncio.gather(*reconnects, return_exceptions=True)
        for waiters in self._writable.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        self._writable.clear()
        connections = list(self._connections.values()) + list(self._draining)
        self._connections.clear()
        self._draining.clear()
        for conn in connections:
            conn.close()
        for conn in connections:
            transport = conn.transport
            if transport is not None:
                try:
                    await asyncio.wait_for(transport.wait_disconnected(), 5.0)
                except (asyncio.TimeoutError, WSError, OSError) as exc:
                    self._logger.debug("close of %s did not finish cleanly: %r", conn.ws_key,
                                       type(exc).__name__)
        if self._bg or self._reapers:
            await asyncio.gather(*self._bg, *self._reapers, return_exceptions=True)

    def connection(self, ws_key: str = _DEFAULT_KEY) -> Any:
        """The most recent connection object for ``ws_key`` (None before the first
        connect); it may be closed (``.is_ready`` False, ``.lost_reason`` says why)."""
        return self._last_connection.get(ws_key)

    def stats(self, ws_key: str = _DEFAULT_KEY) -> dict[str, int]:
        """Counters of the most recent connection for ``ws_key`` (replies, dropped late/
        unknown/duplicate replies, malformed frames, unsolicited errors, pongs, pending)."""
        conn = self._last_connection.get(ws_key)
        return {} if conn is None else dict(conn.stats())

    async def _get_connection(self, ws_key: str) -> Any:
        conn = self._connections.get(ws_key)
        if conn is not None:
            return conn
        if self._closed:
            raise ConnectionLostError("the client is closed", ws_key=ws_key, sent=False)
        if ws_key not in WS_KEY_MAP:
            raise ConfigurationError(f"unknown ws_key {ws_key!r}; use WS_KEY_MAP.wsApiFuturesV1")
        task = self._connecting.get(ws_key)
        reconnect = self._reconnect_tasks.get(ws_key)
        if reconnect is not None and reconnect is not asyncio.current_task():
            # Between reconnect attempts (backoff): wait for the reconnect loop instead
            # of connecting on our own (no connect storm from callers).
            try:
                await self.wait_connected(ws_key, self.connect_timeout)
            except asyncio.TimeoutError:
                raise ConnectionLostError(
                    f"not connected: reconnecting to {self.ws_url} (last error: "
                    f"{type(self.last_error).__name__ if self.last_error else 'none'})",
                    ws_key=ws_key, sent=False) from None
            return self._connections[ws_key]
        if task is None:
            if ws_key not in self._reconnect_tasks:
                self._set_state(ws_key, ConnectionState.CONNECTING)
            task = asyncio.get_running_loop().create_task(self._open(ws_key))
            self._connecting[ws_key] = task
        # shield: one caller giving up must not abort a connect others wait for.
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled() and self._closed:  # close() stopped the connect, not our caller
                raise ConnectionLostError("the client was closed while connecting",
                                          ws_key=ws_key, sent=False) from None
            raise

    async def _open(self, ws_key: str) -> Any:
        try:
            return await asyncio.wait_for(self._open_unguarded(ws_key), self.connect_timeout)
        except asyncio.TimeoutError:
            error = ConnectTimeoutError(
                f"connecting to {self.ws_url} took longer than {self.connect_timeout:g}s")
            self._connect_failed(ws_key, error)
            raise error from None
        except KucoinError as exc:
            self._connect_failed(ws_key, exc)
            raise
        finally:
            self._connecting.pop(ws_key, None)

    def _connect_failed(self, ws_key: str, error: BaseException) -> None:
        self.last_error = error
        if not self._closed and ws_key not in self._reconnect_tasks:
            self._set_state(ws_key, ConnectionState.DISCONNECTED, error)

    async def _open_unguarded(self, ws_key: str) -> Any:
        loop = asyncio.get_running_loop()
        creds = self._credentials
        timestamp_ms = int(self._clock() * 1000)
        query = build_signed_query(creds.api_key, creds.api_secret, creds.api_passphrase,
                                   timestamp_ms, self._partner, self._partner_key, self.enable_ns)
        signed = [value for name, _, value in (p.partition("=") for p in query.split("&"))
                  if name in ("sign", "passphrase", "partner_sign")]
        self._transport_logger.add_attempt_secrets(query, *signed)
        conn = Connection(
            loop, ws_key=ws_key, secret=creds.api_secret.encode(),
            request_timeout=self.request_timeout, url_timestamp_ms=timestamp_ms,
            on_lost=self._on_connection_lost, logger=self._logger,
            ping_interval=self._ping_interval, ping_timeout=self._ping_timeout,
            coalesce_writes=self._coalesce_writes)
        conn.on_write_resumed = self._on_write_resumed
        conn.on_notice = self._on_notice
        try:
            await ws_connect(
                lambda: conn, self.ws_url + "?" + query,
                ssl_context=self._ssl_context,
                websocket_handshake_timeout=self.connect_timeout,
                logger_name=self._transport_logger,
                max_redirects=0,  # never send the signed URL anywhere else
                max_frame_size=self._max_frame_size,
                enable_auto_ping=False,
            )
            await conn.handshake_done
        except asyncio.CancelledError:
            _abandon(conn, "connect cancelled")
            raise
        except KucoinError:
            _abandon(conn, "handshake failed")
            raise
        except (OSError, WSError, ValueError) as exc:
            _abandon(conn, "connect failed")
            text = self._transport_logger.redact(f"{type(exc).__name__}: {exc}")
            error = ConnectError(f"cannot connect to {self.ws_url}: {text}")
            if text != f"{type(exc).__name__}: {exc}":
                raise error from None  # the original text carried a secret
            raise error from exc
        if self._closed:
            conn.close()
            raise ConnectionLostError("the client was closed while connecting", ws_key=ws_key,
                                      sent=False)
        if not conn.is_ready:  # lost between the welcome and here
            raise ConnectionLostError(f"connection lost right after the handshake: "
                                      f"{conn.lost_reason}", ws_key=ws_key, sent=False)
        self._connections[ws_key] = conn
        self._last_connection[ws_key] = conn
        self.last_error = None
        self._set_state(ws_key, ConnectionState.CONNECTED)
        return conn

    def _on_connection_lost(self, conn: Any, reason: str | None) -> None:
        # Only live connections stay in _connections: a new one is opened (reconnect).
        ws_key: str = conn.ws_key
        was_live = self._connections.get(ws_key) is conn
        if was_live:
            del self._connections[ws_key]
        self._draining.discard(conn)
        transport = conn.transport
        if transport is not None:
            # picows stores a locally detected failure (e.g. an oversized frame) in the
            # transport's disconnect future; retrieve it so asyncio never reports it as
            # "exception was never retrieved" (the requests already failed with
            # ConnectionLostError).
            reaper = asyncio.get_running_loop().create_task(self._reap(transport, ws_key))
            self._reapers.add(reaper)
            reaper.add_done_callback(self._reapers.discard)
        for waiter in self._writable.pop(conn, ()):
            if not waiter.done():
                waiter.set_result(None)
        if conn.lost_requests:
            record = UnknownOutcome(ws_key, time.time(), str(reason),
                                    tuple(conn.lost_client_oids), int(conn.lost_requests))
            self.unknown_outcomes.append(record)
            if self._on_unknown_outcome is not None:
                try:
                    self._on_unknown_outcome(record)
                except Exception as exc:  # noqa: BLE001 - user code
                    asyncio.get_running_loop().call_exception_handler({
                        "message": "kucoin_fast: on_unknown_outcome callback raised",
                        "exception": exc})
        if self._closed or not was_live:
            return
        if self.auto_reconnect:
            self._logger.warning("connection %s ended: %s; reconnecting", ws_key, reason)
            self._start_reconnect(ws_key)
        else:
            self._logger.warning("connection %s ended: %s", ws_key, reason)
            self._set_state(ws_key, ConnectionState.DISCONNECTED)

    def _start_reconnect(self, ws_key: str) -> None:
        if ws_key in self._reconnect_tasks or self._closed:
            return
        self._set_state(ws_key, ConnectionState.RECONNECTING)
        task = asyncio.get_running_loop().create_task(self._reconnect_loop(ws_key))
        self._reconnect_tasks[ws_key] = task

    async def _reconnect_loop(self, ws_key: str) -> None:
        """Open a new connection (fresh signature) with backoff; at most one WARNING
        per failed attempt; stop on an authentication error."""
        policy = self.reconnect_policy
        failures = 0
        delay = policy.delay(0)
        try:
            while not self._closed and ws_key not in self._connections:
                if delay > 0:
                    await asyncio.sleep(delay)
                self.reconnect_attempts += 1
                try:
                    await self._get_connection(ws_key)
                except AuthenticationError as exc:
                    self.last_error = exc
                    self._logger.error("reconnect of %s stopped: authentication failed (%s %s)",
                                       ws_key, exc.code, type(exc).__name__)
                    self._set_state(ws_key, ConnectionState.DISCONNECTED, exc)
                    return
                except (KucoinError, OSError) as exc:
                    failures += 1
                    self.last_error = exc
                    if policy.max_attempts is not None and failures >= policy.max_attempts:
                        self._logger.error("reconnect of %s gave up after %d attempts: %s",
                                           ws_key, failures, type(exc).__name__)
                        self._set_state(ws_key, ConnectionState.DISCONNECTED, exc)
                        return
                    delay = policy.delay(failures)
                    self._logger.warning("reconnect attempt %d of %s failed (%s); next in %.2fs",
                                         failures, ws_key, type(exc).__name__, delay)
        finally:
            if self._reconnect_tasks.get(ws_key) is asyncio.current_task():
                del self._reconnect_tasks[ws_key]

    def _on_notice(self, conn: Any, code: str, msg: Any) -> None:
        """A type-C frame without id. 501000 (service shutting down): retire the
        connection for new requests, open a new one, close the old one once its
        pending requests are answered (or timed out)."""
        if code != "501000" or self._closed:
            return
        ws_key: str = conn.ws_key
        if self._connections.get(ws_key) is not conn:
            return
        del self._connections[ws_key]
        self._draining.add(conn)
        if self.auto_reconnect:
            self._logger.warning("connection %s: server shutting down (501000); reconnecting",
                                 ws_key)
            self._start_reconnect(ws_key)
        else:
            self._logger.warning("connection %s: server shutting down (501000)", ws_key)
            self._set_state(ws_key, ConnectionState.DISCONNECTED)
        task = asyncio.get_running_loop().create_task(self._drain_and_close(conn))
        self._bg.add(task)
        task.add_done_callback(self._bg.discard)

    async def _drain_and_close(self, conn: Any) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.request_timeout + 1.0
        while conn.pending_count and conn.is_ready and not self._closed \
                and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if conn.is_ready:
            conn.close()

    # -------------------------------------------------------- backpressure
    def _backpressure_error(self, op: str, client_oids: Sequence[str] = ()) -> BackpressureError:
        return BackpressureError(
            f"{op} not sent: the socket's write buffer is full (the peer is not reading)",
            op=op, sent=False, outcome_unknown=False, client_oids=client_oids)

    def _on_write_resumed(self, conn: Any) -> None:
        for waiter in self._writable.pop(conn, ()):
            if not waiter.done():
                waiter.set_result(None)

    async def _wait_writable(self, conn: Any, op: str, args: Any) -> None:
        """Hold a caller while the write buffer is above its high-water mark, at most
        ``request_timeout`` (then :class:`BackpressureError`, nothing sent)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.request_timeout
        while conn.write_paused and conn.is_ready and not self._closed:
            left = deadline - loop.time()
            if left <= 0:
                raise self._backpressure_error(op, client_oids_of(op, args))
            waiter = loop.create_future()
            self._writable.setdefault(conn, []).append(waiter)
            try:
                await asyncio.wait_for(waiter, left)
            except asyncio.TimeoutError:
                raise self._backpressure_error(op, client_oids_of(op, args)) from None

    async def _reap(self, transport: Any, ws_key: str) -> None:
        try:
            await transport.wait_disconnected()
        except (WSError, OSError) as exc:
            self._logger.debug("connection %s: transport ended with %s: %s", ws_key,
                               type(exc).__name__, self._transport_logger.redact(str(exc)))

    # ----------------------------------------------------- request methods
    # The four methods are plain functions returning a coroutine: on an open
    # connection that is the compiled ``Connection.call`` coroutine itself (no
    # Python coroutine frame in between); otherwise a coroutine that connects first.
    def submit_futures_order(
        self, params: FuturesOrderParams, ws_key: str = _DEFAULT_KEY
    ) -> Coroutine[Any, Any, WSAPIResponse]:
        """``futures.order``: place one order (params are KuCoin's camelCase fields).

        Returns a coroutine resolving to the :class:`WSAPIResponse`.
        """
        return self._request(_OP_ORDER, params, ws_key)

    def cancel_futures_order(
        self, params: FuturesCancelParams, ws_key: str = _DEFAULT_KEY
    ) -> Coroutine[Any, Any, WSAPIResponse]:
        """``futures.cancel``: ``{"orderId"}`` or ``{"clientOid", "symbol"}``."""
        return self._request(_OP_CANCEL, params, ws_key)

    async def submit_multiple_futures_orders(
        self, orders: Sequence[FuturesOrderParams], ws_key: str = _DEFAULT_KEY
    ) -> BatchResult:
        """``futures.multi_order``: up to 20 orders. Returns per-item results
        (``.items``, ``.failed``, ``.succeeded``); a partial failure does not raise."""
        return BatchResult.from_response(
            await self._call_after_connect(_OP_MULTI_ORDER, orders, ws_key))

    async def cancel_multiple_futures_orders(
        self, params: FuturesMultiCancelParams, ws_key: str = _DEFAULT_KEY
    ) -> BatchResult:
        """``futures.multi_cancel``: ``{"orderIdsList": [...]}`` or
        ``{"clientOidsList": [{"symbol", "clientOid"}, ...]}`` (up to 10)."""
        return BatchResult.from_response(
            await self._call_after_connect(_OP_MULTI_CANCEL, params, ws_key))

    def _request(self, op: str, args: Any, ws_key: str) -> Coroutine[Any, Any, WSAPIResponse]:
        # On a live, writable, unthrottled connection the coroutine is the compiled
        # Connection.call itself: no Python coroutine frame on the hot path.
        conn = self._connections.get(ws_key)
        if conn is not None and not conn.write_paused and self._throttle is None:
            if self._busy is not None:
                self._busy.kick(conn)
            return conn.call(op, args)  # type: ignore[no-any-return]
        return self._call_after_connect(op, args, ws_key)

    async def _call_after_connect(self, op: str, args: Any, ws_key: str) -> WSAPIResponse:
        throttle = self._throttle
        if throttle is not None:
            wait = throttle.wait_time()
            if wait > 0:
                throttle.held += 1
                await asyncio.sleep(wait)
        conn = self._connections.get(ws_key)
        if conn is None:
            conn = await self._get_connection(ws_key)
        if conn.write_paused:
            await self._wait_writable(conn, op, args)
        if self._busy is not None:
            self._busy.kick(conn)
        if throttle is None:
            return await conn.call(op, args)  # type: ignore[no-any-return]
        throttle.consume()
        try:
            response = await conn.call(op, args)
        except RateLimitError as exc:
            rl = exc.rate_limit
            if rl is not None and rl.remaining is not None and rl.reset is not None:
                throttle.update(rl)
            elif exc.reset_ms is not None:
                throttle.remaining = 0
                throttle.resume_at = throttle.clock() + exc.reset_ms / 1000.0
            raise
        except KucoinAPIError as exc:
            throttle.update(exc.rate_limit)
            raise
        throttle.update(response.rate_limit)
        return response  # type: ignore[no-any-return]

    @property
    def throttle(self) -> ThrottleState | None:
        """The client-side rate-limit throttle (None unless ``throttle=True``)."""
        return self._throttle

    # Node SDK names.
    submitFuturesOrder = submit_futures_order
    cancelFuturesOrder = cancel_futures_order
    submitMultipleFuturesOrders = submit_multiple_futures_orders
    cancelMultipleFuturesOrders = cancel_multiple_futures_orders

    # ------------------------------------------------------ low-level path
    def prepare_order(self, template: FuturesOrderParams,
                      ws_key: str = _DEFAULT_KEY) -> PreparedOrder:
        """Validate a complete order once and pre-encode its static fields.

        ``template`` is a valid order (its ``clientOid``, ``price`` and size values
        are placeholders). See :class:`PreparedOrder`.
        """
        return PreparedOrder(self, OrderTemplate(dict(template)), ws_key)

    def request_with_callback(self, op: str, params: Any, callback: OrderCallback,
                              ws_key: str = _DEFAULT_KEY) -> int:
        """Send any futures op now and get ``callback(result)`` instead of a future.

        Synchronous; requires an open connection. Returns the request id.
        """
        conn = self._connections.get(ws_key)
        if conn is None:
            raise ConnectionLostError(
                "not connected: await client.connect() first", op=op, ws_key=ws_key, sent=False)
        if conn.write_paused:
            raise self._backpressure_error(op, client_oids_of(op, params))
        if self._busy is not None:
            self._busy.kick(conn)
        return int(conn.request_with_callback(op, params, callback))

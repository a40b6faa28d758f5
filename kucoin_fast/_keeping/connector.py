"""Connection management for the client: opening, reconnecting, retiring, closing.

The :class:`Connector` owns one :class:`~kucoin_fast._keeping.slots.Slot` per ``ws_key`` and
every background task it starts (none ends unobserved). What it does on a connect, a
loss, a 501000 notice and a close: docs/internals.md.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from ssl import SSLContext
from typing import Any

from picows import WSError, ws_connect

from .._core.build import Connection
from .._core.redact import RedactingLogger
from .._protocol.errors import (
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    KucoinError,
    RequestTimeoutError,
)
from .._protocol.ops import client_oids_of
from .._protocol.results import WS_KEY_MAP, ConnectionState, Credentials
from .policy import ReconnectPolicy
from .slots import Slot
from .supervisor import Supervisor, WatchedTasks, observe

__all__ = ["ConnectOptions", "Connector"]

#: Seconds a retired (501000) connection keeps serving its pending requests, beyond
#: their own deadline.
_DRAIN_GRACE_S = 1.0
_SHUTDOWN = "501000"


@dataclass(frozen=True)
class ConnectOptions:
    """What every connection of one client is opened with."""

    ws_url: str
    request_timeout: float
    connect_timeout: float
    enable_ns: bool
    partner: str | None
    partner_key: str | None
    ssl_context: SSLContext | None
    ping_interval: float | None
    ping_timeout: float | None
    max_frame_size: int
    coalesce_writes: Any
    clock: Callable[[], float]


def _unsent(error: KucoinError, op: str, args: Any, ws_key: str) -> KucoinError:
    """A copy of ``error`` (a connect failure) for one request that was never written."""
    exc = type(error).__new__(type(error), *error.args)
    vars(exc).update(vars(error), sent=False, outcome_unknown=False, request_id=None, op=op,
                     ws_key=ws_key, client_oids=client_oids_of(op, args))
    return exc


def _abandon(conn: Any, reason: str) -> None:
    """Drop a connection that failed to open, without leaving an unretrieved error."""
    conn.abort(reason)
    done = conn.handshake_done
    if done.done() and not done.cancelled():
        done.exception()  # mark retrieved: the caller gets its own error


class Connector:
    """Opens and keeps the connections of one client (see the module docstring).

    ``live`` maps each key to its authenticated connection: the client's request path
    reads it directly (one dict lookup). Callbacks: ``on_state(ws_key, state,
    error)`` after every state change, ``on_outcome(record)`` for the connections'
    unknown/resolved outcome records, ``on_reconnected(ws_key)`` after the reconnect
    loop opened a new connection (the client's ``auto_reconcile`` hook).
    """

    def __init__(self, options: ConnectOptions, credentials: Credentials, impl: Any, *,
                 logger: logging.Logger, transport_logger: RedactingLogger,
                 policy: ReconnectPolicy, auto_reconnect: bool,
                 on_state: Callable[[str, str, BaseException | None], None],
                 on_outcome: Callable[[Any], None],
                 on_reconnected: Callable[[str], None] | None = None) -> None:
        self.options = options
        self.impl = impl
        self.policy = policy
        self.auto_reconnect = auto_reconnect
        self._credentials = credentials
        self._logger = logger
        self._redactor = transport_logger
        self._on_state = on_state
        self._on_outcome = on_outcome
        self._on_reconnected = on_reconnected
        self.slots: dict[str, Slot] = {}
        self.live: dict[str, Connection] = {}
        self.closed = False
        self._closed_fut: asyncio.Future[None] | None = None
        self._tasks = WatchedTasks(logger, transport_logger, self._task_failed)
        #: The last connect / reconnect error (None after a successful connect).
        self.last_error: BaseException | None = None

    @property
    def reconnect_attempts(self) -> int:
        """Reconnect attempts made so far (all keys)."""
        return sum(slot.supervisor.attempts for slot in self.slots.values())

    # ------------------------------------------------------------------ slots
    def slot(self, ws_key: str) -> Slot:
        """The slot of ``ws_key`` (created on first use; unknown keys are refused)."""
        slot = self.slots.get(ws_key)
        if slot is None:
            if ws_key not in WS_KEY_MAP:
                raise ConfigurationError(
                    f"unknown ws_key {ws_key!r}; use one of {', '.join(WS_KEY_MAP)}")
            slot = self.slots[ws_key] = Slot(ws_key, self._supervisor(ws_key))
        return slot

    def _supervisor(self, ws_key: str) -> Supervisor:
        def reconnected() -> None:
            if self._on_reconnected is not None:
                self._on_reconnected(ws_key)

        return Supervisor(
            ws_key, self.policy, tasks=self._tasks, logger=self._logger, on_state=self._on_state,
            connect_once=lambda: self.get(ws_key), label=f"connection {ws_key}",
            is_up=lambda: self.slots[ws_key].live is not None, is_closed=lambda: self.closed,
            on_error=self._record_error, on_reconnected=reconnected)

    def _record_error(self, error: BaseException | None) -> None:
        self.last_error = error

    def state(self, ws_key: str) -> str:
        """The :class:`ConnectionState` of ``ws_key``."""
        if self.closed:
            return ConnectionState.CLOSED
        slot = self.slots.get(ws_key)
        return ConnectionState.IDLE if slot is None else slot.state

    def _set_live(self, slot: Slot, conn: Any) -> None:
        slot.live = conn
        if conn is None:
            self.live.pop(slot.ws_key, None)
        else:
            slot.last = conn
            self.live[slot.ws_key] = conn

    # ------------------------------------------------------------ background
    def spawn(self, coro: Coroutine[Any, Any, Any], ws_key: str | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` in a watched task (see the module docstring)."""
        return self._tasks.spawn(coro, ws_key)

    def _task_failed(self, exc: BaseException, ws_key: str | None) -> None:
        self.last_error = exc
        if ws_key is not None and not self.closed:
            slot = self.slot(ws_key)
            if slot.live is None:
                slot.supervisor.set_state(ConnectionState.DISCONNECTED, exc)

    # ------------------------------------------------------------- connecting
    async def get_for(self, ws_key: str, op: str, args: Any) -> Any:
        """:meth:`get` for one request: a connect failure is raised as the request's
        own error (same class and text, ``sent=False``, its op and clientOids)."""
        try:
            return await self.get(ws_key)
        except KucoinError as exc:
            raise _unsent(exc, op, args, ws_key) from exc

    async def hold(self, seconds: float, op: str, args: Any, ws_key: str) -> None:
        """Hold one request ``seconds`` before it is sent (the throttle): refused at once
        when that is past its deadline, cut short by :meth:`close`."""
        if seconds > self.options.request_timeout:
            raise RequestTimeoutError(
                f"{op} not sent: the throttle would hold it {seconds:.3g}s (the rate-limit "
                f"window), past request_timeout={self.options.request_timeout:g}s",
                op=op, ws_key=ws_key, sent=False, client_oids=client_oids_of(op, args))
        if not self.closed:
            closed = self._closed_future()
            await asyncio.wait([closed], timeout=seconds)
        if self.closed:
            raise ClientClosedError(f"{op} not sent: the client was closed while the "
                                    f"throttle held it", op=op, ws_key=ws_key, sent=False,
                                    client_oids=client_oids_of(op, args))

    async def get(self, ws_key: str) -> Any:
        """The live connection of ``ws_key``, connecting first when there is none."""
        slot = self.slot(ws_key)
        if slot.live is not None:
            return slot.live
        if self.closed:
            raise ConnectionLostError("the client is closed", ws_key=ws_key, sent=False)
        reconnect = slot.supervisor.task
        if reconnect is not None and reconnect is not asyncio.current_task():
            # Between reconnect attempts (backoff): wait for the reconnect loop instead
            # of connecting on our own (no connect storm from callers).
            try:
                await self.wait_connected(ws_key, self.options.connect_timeout)
            except asyncio.TimeoutError:
                raise ConnectionLostError(
                    f"not connected: reconnecting to {self.options.ws_url} (last error: "
                    f"{type(self.last_error).__name__ if self.last_error else 'none'})",
                    ws_key=ws_key, sent=False) from None
            return slot.live
        return await slot.supervisor.connect_shared(lambda: self._open_in_time(slot))

    async def wait_connected(self, ws_key: str, timeout: float | None = None) -> None:
        """Wait until ``ws_key`` has an authenticated connection (see the client's
        :meth:`~kucoin_fast.WebsocketAPIClient.wait_connected`)."""
        if timeout is None:
            await self._wait_connected(ws_key)
        else:
            await asyncio.wait_for(self._wait_connected(ws_key), timeout)

    async def _wait_connected(self, ws_key: str) -> None:
        slot = self.slot(ws_key)
        while slot.live is None:
            if self.closed:
                raise ClientClosedError("the client is closed", ws_key=ws_key, sent=False)
            if slot.supervisor.task is None:
                await self.get(ws_key)
                continue
            waiter: asyncio.Future[Any] = asyncio.ensure_future(slot.supervisor.event.wait())
            try:
                await asyncio.wait([waiter, self._closed_future()],
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()

    def _closed_future(self) -> asyncio.Future[None]:
        fut = self._closed_fut
        if fut is None or fut.get_loop() is not asyncio.get_running_loop():
            fut = self._closed_fut = asyncio.get_running_loop().create_future()
            if self.closed:
                fut.set_result(None)
        return fut

    async def _open_in_time(self, slot: Slot) -> Any:
        attempt = asyncio.ensure_future(self._open_unguarded(slot))
        # Retrieved here too: a close() that cancels the wait just as the attempt
        # fails must not leave its error unobserved.
        attempt.add_done_callback(observe)
        try:
            return await asyncio.wait_for(attempt, self.options.connect_timeout)
        except asyncio.TimeoutError:
            raise ConnectTimeoutError(f"connecting to {self.options.ws_url} took longer "
                                      f"than {self.options.connect_timeout:g}s") from None

    def _new_connection(self, slot: Slot) -> tuple[Any, str]:
        """A connection object and its freshly signed URL (new timestamp, signatures)."""
        opts = self.options
        creds = self._credentials
        timestamp_ms = int(opts.clock() * 1000)
        query = self.impl.sign.build_signed_query(
            creds.api_key, creds.api_secret, creds.api_passphrase, timestamp_ms,
            opts.partner, opts.partner_key, opts.enable_ns)
        signed = [value for name, _, value in (p.partition("=") for p in query.split("&"))
                  if name in ("sign", "passphrase", "partner_sign")]
        self._redactor.add_attempt_secrets(query, *signed)
        conn = self.impl.Connection(
            asyncio.get_running_loop(), ws_key=slot.ws_key, secret=creds.api_secret.encode(),
            request_timeout=opts.request_timeout, url_timestamp_ms=timestamp_ms,
            on_lost=self._on_lost, on_notice=self._on_notice, on_outcome=self._on_outcome,
            logger=self._logger, ping_interval=opts.ping_interval,
            ping_timeout=opts.ping_timeout, coalesce_writes=opts.coalesce_writes,
            clock=opts.clock, max_frame_size=opts.max_frame_size, redactor=self._redactor)
        return conn, opts.ws_url + "?" + query

    async def _open_unguarded(self, slot: Slot) -> Any:
        conn, url = self._new_connection(slot)
        opts = self.options
        try:
            await ws_connect(
                lambda: conn, url, ssl_context=opts.ssl_context,
                websocket_handshake_timeout=opts.connect_timeout,
                logger_name=self._redactor,
                max_redirects=0,  # never send the signed URL anywhere else
                max_frame_size=opts.max_frame_size, enable_auto_ping=False,
                enable_auto_pong=False)  # the connection answers pings (on_ws_frame)
            await conn.handshake_done
        except asyncio.CancelledError:
            _abandon(conn, "connect cancelled")
            raise
        except KucoinError:
            _abandon(conn, "handshake failed")
            raise
        except (OSError, WSError, ValueError) as exc:
            _abandon(conn, "connect failed")
            text = self._redactor.redact(f"{type(exc).__name__}: {exc}")
            error = ConnectError(f"cannot connect to {opts.ws_url}: {text}")
            if text != f"{type(exc).__name__}: {exc}":
                raise error from None  # the original text carried a secret
            raise error from exc
        if self.closed:
            conn.close()
            raise ConnectionLostError("the client was closed while connecting",
                                      ws_key=slot.ws_key, sent=False)
        if not conn.is_ready:  # lost between the welcome and here
            raise ConnectionLostError(f"connection lost right after the handshake: "
                                      f"{conn.lost_reason}", ws_key=slot.ws_key, sent=False)
        notice = conn.server_notice
        if notice is not None and notice[0] == _SHUTDOWN:  # in the welcome's read
            conn.close()
            raise ConnectError(f"{opts.ws_url} announced its shutdown (501000) with the "
                               f"welcome")
        self._set_live(slot, conn)
        slot.supervisor.opened()
        return conn

    # ------------------------------------------------------------ losing one
    def _on_lost(self, conn: Any, reason: Any) -> None:
        slot = self.slot(conn.ws_key)
        was_live = slot.live is conn
        if was_live:
            self._set_live(slot, None)
        slot.draining.discard(conn)
        if conn.transport is not None:
            self.spawn(self._reap(conn.transport, slot.ws_key))
        if self.closed or not was_live:
            return
        slot.supervisor.lost(conn.replies > 0, reason, self.auto_reconnect)

    async def _reap(self, transport: Any, ws_key: str) -> None:
        # picows stores a locally detected failure (e.g. an oversized frame) in the
        # transport's disconnect future; retrieve it so asyncio never reports it as
        # "exception was never retrieved" (the requests already failed).
        try:
            await transport.wait_disconnected()
        except (WSError, OSError) as exc:
            self._logger.debug("connection %s: transport ended with %s: %s", ws_key,
                               type(exc).__name__, self._redactor.redact(str(exc)))

    def _on_notice(self, conn: Any, code: str, msg: Any) -> None:
        """A type-C frame without id. 501000 (service shutting down): retire the
        connection for new requests, open a new one, close the old one once its
        pending requests are answered (or timed out)."""
        if code != _SHUTDOWN or self.closed:
            return
        slot = self.slot(conn.ws_key)
        if slot.live is not conn:
            return
        self._set_live(slot, None)
        slot.draining.add(conn)
        slot.supervisor.lost(conn.replies > 0, "server shutting down (501000)",
                             self.auto_reconnect)
        self.spawn(self._drain_and_close(conn))

    async def _drain_and_close(self, conn: Any) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.request_timeout + _DRAIN_GRACE_S
        while conn.pending_count and conn.is_ready and not self.closed \
                and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if conn.is_ready:
            conn.close()

    # ---------------------------------------------------------------- closing
    async def close(self) -> None:
        """Close every connection; pending requests fail with ``ClientClosedError``."""
        self.closed = True
        if self._closed_fut is not None and not self._closed_fut.done():
            self._closed_fut.set_result(None)
        reconnects = [task for s in self.slots.values()
                      if (task := s.supervisor.cancel()) is not None]
        if reconnects:
            await asyncio.gather(*reconnects, return_exceptions=True)
        connections = [c for s in self.slots.values() for c in (s.live, *s.draining)
                       if c is not None]
        for slot in self.slots.values():
            self._set_live(slot, None)
            slot.draining.clear()
        for conn in connections:
            conn.close()
        for conn in connections:
            if conn.transport is not None:
                try:
                    await asyncio.wait_for(conn.transport.wait_disconnected(), 5.0)
                except (asyncio.TimeoutError, WSError, OSError) as exc:
                    self._logger.debug("close of %s did not finish cleanly: %r", conn.ws_key,
                                       type(exc).__name__)
        await self._tasks.join()

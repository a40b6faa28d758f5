# cython: annotation_typing=False, auto_pickle=False
# distutils: language=c++
"""One authenticated WS API connection: handshake, keepalive, request correlation.

The one source of the connection's lifecycle: run as plain Python, and compiled by the
build with Cython into ``kucoin_fast._core.connection_c`` (C types in ``connection_c.pxd``).
What needs C it imports from its own build: the reply scanner (:mod:`.parse`) and the
encoder and frame writer (:mod:`.encode`), or their oracles. :class:`Connection`
holds all state of one WebSocket. Request path and guarantees: docs/internals.md.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import operator
import time
from asyncio import CancelledError
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from picows.picows import WSCloseCode, WSListener, WSMsgType

from .._protocol import codes as _codes
from .._protocol import ops as _ops
from .._protocol.results import (
    KIND_CANCELLED,
    KIND_CLOSED,
    KIND_LOST,
    KIND_TIMEOUT,
    ResolvedOutcome,
    UnknownOutcome,
)
from . import parse_py as _parse_py
from . import refs as _refs
from .keepalive import Keepalive
from .sign import sign_challenge

if TYPE_CHECKING:
    from .._protocol.results import RateLimit
from .._protocol.errors import (
    BackpressureError,
    ClientClosedError,
    ConnectError,
    ConnectionLostError,
    KucoinError,
    RequestTimeoutError,
    api_error,
    handshake_error,
)


class _Interpreted:
    """What this module reads of Cython's shadow module where Cython is not installed."""

    compiled = False


try:
    import cython  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError:  # Cython is a build tool: without it this module runs as Python
    cython = _Interpreted()
# The scanner, encoder and writer of this build: Cython folds ``cython.compiled`` and
# drops this import, so the compiled module uses the types its .pxd cimports.
if not cython.compiled:
    from .encode_py import FrameBuffer
    from .parse_py import ReplyScan
    from .writer_py import Writer

# Scan kinds: one definition, in the oracle.
_K_MALFORMED = _parse_py.K_MALFORMED
_K_REPLY = _parse_py.K_REPLY
_K_PONG = _parse_py.K_PONG
_K_NOTICE = _parse_py.K_NOTICE
_K_CHALLENGE = _parse_py.K_CHALLENGE
_K_WELCOME = _parse_py.K_WELCOME
_K_ERROR = _parse_py.K_ERROR
_K_BAD_UTF8 = _parse_py.K_BAD_UTF8
_NO_TIME = _parse_py.NO_TIME

# Connection states.
_AWAIT_CONNECT = 0
_AWAIT_CHALLENGE = 1
_AWAIT_WELCOME = 2
_READY = 3
_CLOSED = 4
_STATE_NAMES = ("connecting", "awaiting challenge", "awaiting welcome", "ready", "closed")

# Pending-entry states.
_E_PENDING = 0
_E_DONE = 1
_E_CANCELLED = 2
_E_TIMED_OUT = 3
_E_CLOSED = 4  # failed by the client's own close after it was written

#: Timed-out and cancelled requests remembered to resolve their late replies.
_FORGOTTEN_MAX = 65536
#: The largest message accepted when the client names none (picows' frames are bounded
#: by the same value).
DEFAULT_MAX_FRAME_SIZE = 1 << 20
_SUCCESS = _codes.SUCCESS_CODE
_TEXT = WSMsgType.TEXT
_CLOSE = WSMsgType.CLOSE
_PING = WSMsgType.PING
_PONG = WSMsgType.PONG
_CONTINUATION = WSMsgType.CONTINUATION
_oids_of_ref = _refs.oids_of_ref
_client_oids_of = _ops.client_oids_of
_order_ids_of = _ops.order_ids_of
_current_task = asyncio.current_task


def _loop_fast_paths(loop: Any) -> tuple[Callable[[], float], Callable[[], Any]]:
    """``loop.time`` and ``loop.create_future``, or for the stock asyncio loop (whose
    versions are Python methods) what they call: ``time.monotonic`` and the C Future
    bound to the loop. uvloop's are C already."""
    cls = type(loop)
    if cls.time is asyncio.BaseEventLoop.time and \
            cls.create_future is asyncio.BaseEventLoop.create_future:
        return time.monotonic, functools.partial(asyncio.Future, loop=loop)
    return loop.time, loop.create_future


def _future_ops(exact: bool) -> tuple[Callable[[Any], bool], Callable[[Any, Any], None],
                                      Callable[[Any, Any], None]]:
    """``done``, ``set_result`` and ``set_exception`` of the loop's futures: the C
    Future's unbound methods when ``exact``, calls of the future's own otherwise."""
    if exact:
        return asyncio.Future.done, asyncio.Future.set_result, asyncio.Future.set_exception
    return (operator.methodcaller("done"), lambda f, r: f.set_result(r),
            lambda f, e: f.set_exception(e))


class WSAPIResponse:
    """One WS API reply (success, or the reply carried by a :class:`KucoinAPIError`).

    ``id``/``op`` echo the request; ``code`` is KuCoin's string code; ``msg`` its
    text (usually None on success); ``data`` the decoded payload; ``in_time``/
    ``out_time`` the gateway's receive/send times (ms, or ns with ``enable_ns``);
    ``rate_limit`` a :class:`~kucoin_fast.types.RateLimit` when the reply had one
    (``userRateLimit`` or ``rateLimit``); ``ws_key`` the connection it came on.
    """

    def __init__(self, id: str, op: str, code: str, msg: str | None = None, data: Any = None,
                 in_time: int | None = None, out_time: int | None = None,
                 rate_limit: RateLimit | None = None, ws_key: str = "") -> None:
        self._id: str | None = id
        self._rid = 0
        self.op: str = op
        self.code: str = code
        self.msg: str | None = msg
        #: The decoded JSON payload (an object for every op: ``{"orderId", ...}``).
        self.data: Any = data
        self._in_time: int = _NO_TIME if in_time is None else in_time
        self._out_time: int = _NO_TIME if out_time is None else out_time
        self.rate_limit: RateLimit | None = rate_limit
        self.ws_key: str = ws_key

    @property
    def id(self) -> str:
        """The request id, as text (a reply's is made when first read: it is the
        decimal of the id the reply matched, the only form the id rule accepts)."""
        if self._id is None:
            self._id = str(self._rid)
        return self._id

    # The times are kept as plain integers and become Python ints when read: most
    # callers never look at them.
    @property
    def in_time(self) -> int | None:
        """The gateway's receive time (ms, or ns with ``enable_ns``), if it said."""
        return None if self._in_time == _NO_TIME else self._in_time

    @property
    def out_time(self) -> int | None:
        """The gateway's send time (ms, or ns with ``enable_ns``), if it said."""
        return None if self._out_time == _NO_TIME else self._out_time

    @property
    def ok(self) -> bool:
        """True when ``code`` is ``"200000"``."""
        return self.code == _SUCCESS

    def to_dict(self) -> dict[str, Any]:
        """The reply as a plain dict (KuCoin's field names)."""
        out: dict[str, Any] = {"id": self.id, "op": self.op, "code": self.code}
        if self.msg is not None:
            out["msg"] = self.msg
        if self.data is not None:
            out["data"] = self.data
        if self.in_time is not None:
            out["inTime"] = self.in_time
        if self.out_time is not None:
            out["outTime"] = self.out_time
        if self.rate_limit is not None:
            out["userRateLimit"] = self.rate_limit._asdict()
        return out

    def __repr__(self) -> str:
        return (f"WSAPIResponse(id={self.id!r}, op={self.op!r}, code={self.code!r}, "
                f"msg={self.msg!r}, data={self.data!r}, ws_key={self.ws_key!r})")


class _Pending:
    """One request waiting for its reply (allocated per request; freelisted when compiled).

    ``ref`` is what the encoder recorded of the request's clientOids when the frame
    was written; ``seq`` the writer's frame number (written iff <= writer.written);
    ``awaited``: the future is awaited by one task alone, the one running
    :meth:`Connection.call` or the compiled build's request coroutine."""

    def __init__(self) -> None:
        self.waiter: Any = None
        self.is_callback = False
        self.awaited = False
        self.op = ""
        self.ref: Any = None
        self.deadline = 0.0
        self.request_id = 0
        self.seq = 0
        self.state = _E_PENDING


class _Requests:
    """The pending table of one connection: waiters by request id, their deadlines,
    and the outcome records of requests whose reply never reached their caller.

    Deadlines: the timeout is fixed and ids increase, so the table (insertion
    ordered) is ordered by deadline: one timer, armed for the oldest entry. Timed-out
    and cancelled entries are kept (without their waiter, at most ``_FORGOTTEN_MAX``)
    so that a late reply resolves them into a :class:`ResolvedOutcome`.
    """

    def __init__(self, loop: Any, ws_key: str, timeout: float, clock: Callable[[], float],
                 on_outcome: Callable[[Any], None] | None) -> None:
        self._loop = loop
        self._time, self._create_future = _loop_fast_paths(loop)
        # Awaited replies wake their caller from the frame callback (complete()): that
        # takes the callback list of the C Future, which the loop must hand out. On the
        # stock loop (call_soon is Python: a Handle, then a loop pass) every reply does;
        # on uvloop, whose C call_soon costs about what the eager wake-up does, only a
        # read's last reply (a sequential caller's), to save it the next loop pass.
        probe = self._create_future()
        self._eager = type(probe) is asyncio.Future and hasattr(probe, "_callbacks")
        probe.cancel()
        # The loop's futures are C Futures: call their methods unbound (no per-call
        # method lookup). Any other future type: through its own methods.
        self._done, self._set_result, self._set_exception = _future_ops(self._eager)
        self.wake_every = type(loop).call_soon is asyncio.BaseEventLoop.call_soon
        self.ws_key = ws_key
        self.timeout = timeout
        self._clock = clock
        self._on_outcome = on_outcome
        self.pending: dict[int, _Pending] = {}
        self._forgotten: dict[int, _Pending] = {}
        self._deadline_handle: Any = None
        self.closed = False
        self.late = self.duplicate = self.unknown = 0

    def register(self, request_id: int, op: str, ref: Any, seq: int,
                 callback: Any, awaited: bool) -> _Pending:
        """A waiter for the request just handed on: ``callback``, or a future
        (``awaited``: awaited by one task alone, see :class:`_Pending` and
        :meth:`complete`)."""
        entry = _Pending.__new__(_Pending)
        if callback is None:
            entry.waiter = self._create_future()
            entry.is_callback = False
            entry.awaited = awaited and self._eager
        else:
            entry.waiter = callback
            entry.is_callback = True
            entry.awaited = False
        entry.op = op
        entry.ref = ref
        entry.deadline = self._time() + self.timeout
        entry.request_id = request_id
        entry.seq = seq
        entry.state = _E_PENDING
        self.pending[request_id] = entry
        if self._deadline_handle is None:
            self._deadline_handle = self._loop.call_at(entry.deadline, self._on_deadline)
        return entry

    def complete(self, entry: _Pending, result: Any, failed: bool, wake_now: bool) -> None:
        """Hand ``result`` (a reply, or an error when ``failed``) to the entry's waiter.

        ``wake_now``: the reply dispatch may wake the caller at once (every reply on the
        stock loop, a read's last one elsewhere: ``wake_every``). Then, for a future
        one task alone awaits (``entry.awaited``) and with no task running, the task's
        wake-up (the future's one callback) runs right here instead of through
        ``call_soon`` and the next loop pass: its next request joins the write that
        leaves after this read."""
        waiter = entry.waiter
        entry.state = _E_DONE
        if entry.is_callback:
            try:
                waiter(result)
            except Exception as exc:  # noqa: BLE001 - user code: report, never break
                self._loop.call_exception_handler({
                    "message": "kucoin_fast: completion callback raised", "exception": exc})
        elif not self._done(waiter):
            wake: Any = None
            context: Any = None
            if wake_now and entry.awaited and _current_task(self._loop) is None:
                callbacks = waiter._callbacks
                if callbacks is not None and len(callbacks) == 1:
                    wake, context = callbacks[0]
                    waiter.remove_done_callback(wake)
            if failed:
                self._set_exception(waiter, result)
            else:
                self._set_result(waiter, result)
            if wake is not None:
                context.run(wake, waiter)
        else:
            # The awaiting task was cancelled and its future with it, before the
            # cancellation reached the caller's except clause: this reply resolves it.
            response = result if not failed else getattr(result, "response", None)
            if response is not None:
                self.resolved(entry, KIND_CANCELLED, response)
            entry.waiter = None

    def caller_cancelled(self, entry: _Pending) -> None:
        """The task awaiting ``entry`` was cancelled after its frame was handed on."""
        if entry.state == _E_PENDING:
            del self.pending[entry.request_id]
            oids = _oids_of_ref(entry.ref)
            self._unknown(KIND_CANCELLED, "the caller cancelled its await", oids, 1,
                          (entry.op,) * len(oids))
            self._forget(entry, _E_CANCELLED)
        elif entry.state == _E_DONE:
            # The reply came, but the cancellation reached the task first: the caller
            # never saw it, so it is surfaced like a late reply.
            waiter = entry.waiter
            if waiter is not None and waiter.done() and not waiter.cancelled():
                exc = waiter.exception()
                response = exc.response if exc is not None else waiter.result()
                if response is not None:
                    self.resolved(entry, KIND_CANCELLED, response)
            entry.waiter = None

    def unmatched(self, request_id: int, next_id: int) -> _Pending | None:
        """A reply no pending request waits for: the timed-out or cancelled entry it
        resolves (a late reply, returned once), or None (a duplicate reply, or an
        unknown id). Counted either way."""
        entry = self._forgotten.pop(request_id, None) if request_id > 0 else None
        if entry is not None:
            self.late += 1
        elif 0 < request_id < next_id:
            self.duplicate += 1
        else:
            self.unknown += 1
        return entry

    def resolved(self, entry: _Pending, kind: str, response: Any) -> None:
        """Record what KuCoin answered to a request whose caller had given up."""
        self._emit(ResolvedOutcome(
            self.ws_key, self._clock(), kind, entry.request_id, entry.op,
            _oids_of_ref(entry.ref), response.code, response.msg,
            _order_ids_of(entry.op, response.data), response))

    def _emit(self, record: Any) -> None:
        if self._on_outcome is not None:
            try:
                self._on_outcome(record)
            except Exception as exc:  # noqa: BLE001 - user code must not break the dispatcher
                self._loop.call_exception_handler({
                    "message": "kucoin_fast: on_outcome callback raised", "exception": exc})

    def _unknown(self, kind: str, reason: str, oids: tuple[str, ...], requests: int,
                 ops: tuple[str, ...]) -> None:
        self._emit(UnknownOutcome(self.ws_key, self._clock(), reason, oids, requests, kind,
                                  ops))

    def _forget(self, entry: _Pending, state: int) -> None:
        entry.state = state
        entry.waiter = None
        forgotten = self._forgotten
        forgotten[entry.request_id] = entry
        if len(forgotten) > _FORGOTTEN_MAX:
            del forgotten[next(iter(forgotten))]

    def _on_deadline(self) -> None:
        now = self._time()
        expired = []
        self._deadline_handle = None
        for entry in self.pending.values():
            # 1 ms slack: uvloop's timers have ms resolution and may fire a hair early;
            # without it the timer would re-arm for the same deadline and spin.
            if entry.deadline > now + 0.001:
                break
            expired.append(entry)
        oids: list[str] = []
        ops: list[str] = []
        for entry in expired:
            del self.pending[entry.request_id]
            entry_oids = _oids_of_ref(entry.ref)
            oids.extend(entry_oids)
            ops.extend((entry.op,) * len(entry_oids))
            self.complete(entry, RequestTimeoutError(
                f"no reply to {entry.op} id={entry.request_id} within "
                f"{self.timeout:g}s: outcome unknown",
                request_id=str(entry.request_id), op=entry.op, ws_key=self.ws_key,
                sent=True, outcome_unknown=True, client_oids=entry_oids), True, False)
            self._forget(entry, _E_TIMED_OUT)
        if expired:
            self._unknown(KIND_TIMEOUT, f"no reply within {self.timeout:g}s", tuple(oids),
                          len(expired), tuple(ops))
        if self.pending and self._deadline_handle is None and not self.closed:
            entry = next(iter(self.pending.values()))
            self._deadline_handle = self._loop.call_at(entry.deadline, self._on_deadline)

    def fail_all(self, reason: str, by_client: bool, written: int) -> tuple[Any, ...]:
        """Fail every pending request (the connection ended): written ones with
        ``outcome_unknown``, the others (frame number above ``written``) with
        ``sent=False``. Returns (clientOids of the written ones, their number, the
        number of unwritten ones)."""
        self.closed = True
        if self._deadline_handle is not None:
            self._deadline_handle.cancel()
            self._deadline_handle = None
        pending = self.pending
        self.pending = {}
        lost: list[str] = []
        lost_ops: list[str] = []
        n_sent = 0
        for entry in pending.values():
            oids = _oids_of_ref(entry.ref)
            sent = entry.seq <= written
            if sent:
                n_sent += 1
                lost.extend(oids)
                lost_ops.extend((entry.op,) * len(oids))
                cls = ClientClosedError if by_client else ConnectionLostError
                error: KucoinError = cls(
                    f"{reason}: {entry.op} id={entry.request_id} was sent, outcome unknown",
                    request_id=str(entry.request_id), op=entry.op, ws_key=self.ws_key,
                    sent=True, outcome_unknown=True, client_oids=oids)
            else:
                error = ConnectionLostError(
                    f"{reason}: {entry.op} id={entry.request_id} was never written",
                    request_id=str(entry.request_id), op=entry.op, ws_key=self.ws_key,
                    sent=False, outcome_unknown=False, client_oids=oids)
            self.complete(entry, error, True, False)
            if sent and by_client:
                # A reply still on its way before the server's close resolves it.
                self._forget(entry, _E_CLOSED)
            else:
                entry.waiter = None
        if n_sent:
            self._unknown(KIND_CLOSED if by_client else KIND_LOST, reason, tuple(lost), n_sent,
                          tuple(lost_ops))
        return tuple(lost), n_sent, len(pending) - n_sent


class Connection(WSListener):
    """All state of one authenticated WS API connection (see the module docstring).

    Create it, pass ``lambda: conn`` to picows' ``ws_connect``, await
    ``conn.handshake_done`` (resolved after the welcome, or failed with
    ``AuthenticationError``/``ConnectError``). Callbacks, all given here: ``on_lost(conn,
    reason)`` once at the end; ``on_notice(conn, code, msg)`` for an id-less error frame
    (e.g. 501000); ``on_outcome(record)`` for each Unknown/ResolvedOutcome.
    ``max_frame_size`` bounds a message (a frame, or a fragmented message in total);
    ``redactor`` (``redact(text)``, ``add_attempt_secrets(*values)``, e.g. the client's
    :class:`~kucoin_fast._core.redact.RedactingLogger`) blanks secrets in gateway texts and
    learns the session signature.
    """

    def __init__(self, loop: Any, *, ws_key: str, secret: bytes, request_timeout: float,
                 url_timestamp_ms: int = 0,
                 on_lost: Callable[[Any, Any], None] | None = None,
                 on_notice: Callable[[Any, str, Any], None] | None = None,
                 on_outcome: Callable[[Any], None] | None = None,
                 logger: Any = None, ping_interval: float | None = None,
                 ping_timeout: float | None = None, coalesce_writes: Any = "auto",
                 clock: Callable[[], float] = time.time,
                 max_frame_size: int = DEFAULT_MAX_FRAME_SIZE, redactor: Any = None) -> None:
        super().__init__()
        if coalesce_writes not in (False, True, "auto"):
            raise ValueError("coalesce_writes must be True, False or 'auto'")
        self._loop = loop
        self._buf = FrameBuffer(512)
        self._scan = ReplyScan()
        self._writer: Writer = None  # type: ignore[assignment]  # on_ws_connected sets it
        self._mode = coalesce_writes
        self.transport: Any = None
        self.ws_key = ws_key
        self._request_timeout = float(request_timeout)
        self._on_lost = on_lost
        self._logger = logger if logger is not None else logging.getLogger("kucoin_fast")
        self._debug = self._logger.isEnabledFor(logging.DEBUG)
        self._keepalive = Keepalive(loop, self._keepalive_ping, self.abort,
                                    interval=float(ping_interval or 0.0),
                                    timeout=float(ping_timeout or 0.0), name=ws_key,
                                    logger=self._logger)
        self._requests = _Requests(loop, ws_key, float(request_timeout), clock, on_outcome)
        self._next_id = 1
        self.last_request_id = 0
        self._state = _AWAIT_CONNECT
        self.handshake_done = loop.create_future()
        self.session_id: Any = None
        #: The gateway's clock as last read, (local ns before, the gateway's integer
        #: ``timestamp`` as sent, local ns after): the session challenge's (before: this
        #: object's creation), then each pong answering the latest keepalive ping's.
        self.server_clock: Any = None
        self._lost_reason: Any = None
        self.server_notice: Any = None
        self.replies = self.malformed_frames = self.unsolicited_errors = 0
        #: What the end of the connection left unknown (written) or unsent.
        self.lost_client_oids: tuple[str, ...] = ()
        self.lost_requests = self.unsent_requests = 0
        self.write_paused = False
        self._max_frame_size = int(max_frame_size)
        self._redactor = redactor
        self._handshake = _Handshake(self, secret, url_timestamp_ms)
        self._framing = _Framing(self)
        self._notices = _Notices(self, on_notice)
        self._drain = _DrainWaiters(loop)

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> str:
        """``connecting``, ``awaiting challenge``, ``awaiting welcome``, ``ready``, ``closed``."""
        return _STATE_NAMES[self._state]

    @property
    def is_ready(self) -> bool:
        """True between the welcome and the end of the connection."""
        return self._state == _READY

    @property
    def ping_interval(self) -> float:
        """Seconds between keepalive pings (the welcome's value unless overridden)."""
        return self._keepalive.interval

    @property
    def ping_timeout(self) -> float:
        """Seconds a pong may take before the connection is declared dead."""
        return self._keepalive.timeout

    @property
    def lost_reason(self) -> Any:
        """Why the connection ended (None while it has not)."""
        return self._lost_reason

    @property
    def pending_count(self) -> int:
        """Requests waiting for their reply."""
        return len(self._requests.pending)

    def stats(self) -> dict[str, int]:
        """Counters: replies, dropped late/unknown/duplicate replies, malformed frames,
        id-less error frames, pongs, pending requests, frames written and socket writes."""
        writer = self._writer
        requests = self._requests
        return {"replies": self.replies, "late_replies": requests.late,
                "unknown_replies": requests.unknown, "duplicate_replies": requests.duplicate,
                "malformed_frames": self.malformed_frames,
                "unsolicited_errors": self.unsolicited_errors, "pongs": self._keepalive.pongs,
                "pending": len(self._requests.pending),
                "frames_written": 0 if writer is None else writer.written,
                "socket_writes": 0 if writer is None else writer.writes}

    # --------------------------------------------------------------- requests
    def request(self, op: str, args: Any) -> Any:
        """Validate, encode and send one request; returns the future of its reply: a
        :class:`WSAPIResponse` (code 200000), or a :class:`KucoinAPIError`,
        ``RequestTimeoutError`` or ``ConnectionLostError``. Raises ``InvalidParamsError``,
        ``ConnectionLostError(sent=False)`` or ``BackpressureError`` when nothing was sent.
        """
        return self._send(op, args, None, False).waiter

    async def call(self, op: str, args: Any) -> WSAPIResponse:
        """Coroutine: send one request and return its :class:`WSAPIResponse`.

        Raises what :meth:`request` raises or its future fails with; while the socket's
        write buffer is full it first waits (at most ``request_timeout``) for it to
        drain. If the awaiting task is cancelled after the frame was written, the
        request becomes an unknown outcome (kind ``cancelled``) and its reply, when it
        comes, a resolved outcome.
        """
        if self.write_paused:
            await self.wait_writable(self._request_timeout)  # still full: _send raises
        entry = self.start_request(op, args)
        try:
            response: WSAPIResponse = await entry.waiter
        except CancelledError:
            self.abandon_request(entry)
            raise
        return response

    def start_request(self, op: str, args: Any) -> _Pending:
        """Send one request whose reply one task alone awaits (:meth:`call`, the
        compiled request coroutine): its entry, whose ``waiter`` is the future. Raises
        what :meth:`request` raises when nothing was sent."""
        return self._send(op, args, None, True)

    def abandon_request(self, entry: _Pending) -> None:
        """The task awaiting ``entry`` (from :meth:`start_request`) was cancelled: the
        request becomes an unknown outcome, its reply a resolved one."""
        self._requests.caller_cancelled(entry)

    def request_with_callback(self, op: str, args: Any, callback: Any) -> int:
        """Like :meth:`request`, but ``callback(result)`` is called with the
        :class:`WSAPIResponse` or the error (no future). Returns the request id."""
        return self._send(op, args, callback, False).request_id

    def send_prepared(self, template: Any, price: Any, size: Any, client_oid: Any,
                      callback: Any) -> int:
        """Send a prepared template's ``futures.order`` or ``spot.order``; ``callback(result)``
        gets the reply or the error. Returns the request id."""
        self._check_sendable(template.op, client_oid)
        request_id = self._next_id
        self._buf.prepared(request_id, template, price, size, client_oid)
        self._next_id = request_id + 1
        self._writer.send(self._buf)
        return self._register(request_id, template.op, callback, False).request_id

    async def wait_writable(self, timeout: float) -> bool:
        """Wait until the socket's write buffer drained (or the connection ended).

        Returns False when it is still full after ``timeout`` seconds."""
        if not self.write_paused or self._state == _CLOSED:
            return True
        return await self._drain.wait(timeout)

    def _send(self, op: str, args: Any, callback: Any, awaited: bool) -> _Pending:
        self._check_sendable(op, args)
        request_id = self._next_id
        self._buf.request(request_id, op, args)  # validation error: nothing sent
        self._next_id = request_id + 1
        self._writer.send(self._buf)
        return self._register(request_id, op, callback, awaited)

    def _check_sendable(self, op: str, args: Any) -> None:
        transport = self.transport
        if self._state != _READY or transport is None or transport.is_disconnected \
                or transport.is_close_frame_sent:
            raise ConnectionLostError(
                f"{op} not sent: connection is {self.state}"
                + (f" ({self._lost_reason})" if self._lost_reason else ""),
                op=op, ws_key=self.ws_key, sent=False, outcome_unknown=False,
                client_oids=_client_oids_of(op, args))
        if self.write_paused:
            raise self._backpressure(op, args)

    def _register(self, request_id: int, op: str, callback: Any, awaited: bool) -> _Pending:
        self.last_request_id = request_id
        return self._requests.register(request_id, op, self._buf.ref, self._writer.queued,
                                       callback, awaited)

    def _backpressure(self, op: str, args: Any) -> BackpressureError:
        return BackpressureError(
            f"{op} not sent: the socket's write buffer is full (the peer is not reading)",
            op=op, ws_key=self.ws_key, sent=False, outcome_unknown=False,
            client_oids=_client_oids_of(op, args))


    def _end(self, reason: str, by_client: bool, handshake_exc: Any) -> None:
        """Move to CLOSED once: stop timers, drop unwritten frames, fail the handshake
        and every pending request, release writability waiters."""
        if self._state == _CLOSED:
            return
        self._state = _CLOSED
        if self._lost_reason is None:
            self._lost_reason = reason
        self._keepalive.stop()
        if self._writer is not None:
            self._writer.discard()
        if not self.handshake_done.done():
            self.handshake_done.set_exception(
                handshake_exc if handshake_exc is not None else ConnectError(
                    f"connection ended during the handshake: {reason}"))
        written = 0 if self._writer is None else self._writer.written
        self.lost_client_oids, self.lost_requests, self.unsent_requests = \
            self._requests.fail_all(reason, by_client, written)
        self._drain.release()

    def close(self) -> None:
        """Close from our side: coalesced frames are written first, then pending
        requests fail with ``ClientClosedError``."""
        if self._writer is not None and self._state == _READY:
            self._writer.flush()
        self._end("client closed the connection", True, None)
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            transport.send_close(WSCloseCode.OK)
            transport.disconnect()

    def abort(self, reason: str) -> None:
        """Declare the connection dead (e.g. keepalive): fail everything now, drop the socket."""
        self._end(reason, False, None)
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            transport.disconnect(False)
        self._report_lost()

    def _report_lost(self) -> None:
        """``on_lost`` once: when the connection ends itself (then the client stops
        using it at once), or when the socket is gone."""
        on_lost = self._on_lost
        if on_lost is not None:
            self._on_lost = None
            on_lost(self, self._lost_reason)

    def _keepalive_ping(self, number: int) -> None:
        if self._state == _READY:  # the keepalive's callback: a JSON ping, ready only
            self._buf.ping(number)
            self._writer.send(self._buf)

    # ------------------------------------------------------- picows callbacks
    def on_ws_connected(self, transport: Any) -> None:
        self.transport = transport
        self._writer = Writer(self._loop, transport, self._mode)
        if self._state == _AWAIT_CONNECT:
            self._state = _AWAIT_CHALLENGE

    def pause_writing(self) -> None:
        """picows: the socket's write buffer crossed its high-water mark."""
        self.write_paused = True

    def resume_writing(self) -> None:
        """picows: the write buffer drained below its low-water mark. The latest ping
        received meanwhile is answered now (RFC 6455 §5.5.3 allows answering only it)."""
        self.write_paused = False
        owed = self._framing.owed_pong
        transport = self.transport
        if owed is not None and transport is not None and not transport.is_disconnected:
            self._framing.owed_pong = None
            transport.send_pong(owed)
        self._drain.release()

    def on_ws_disconnected(self, transport: Any) -> None:
        reason = "connection lost"
        handshake = transport.close_handshake if transport is not None else None
        if handshake is not None and handshake.recv is not None:
            reason = f"server closed the connection (code {int(handshake.recv.code)})"
        self._end(reason, False, None)
        self._report_lost()

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        # The writer coalesces what is sent while this read's frames are dispatched
        # (woken callers, callbacks) into one write after its last frame.
        writer = self._writer
        writer.begin_frame(frame.last_in_buffer)
        try:
            msg_type = frame.msg_type
            if msg_type == _TEXT and frame.fin and not self._framing.fragmented \
                    and frame.payload_size <= self._max_frame_size \
                    and not (frame.rsv1 | frame.rsv2 | frame.rsv3):
                # One whole text message: a reply, scanned in place.
                if self._state == _READY:
                    self._on_reply(self._scan.scan_frame(frame), frame.last_in_buffer, frame)
                else:
                    self._on_message(frame.get_payload_as_bytes(), frame.last_in_buffer)
            else:
                self._framing.on_frame(transport, frame, msg_type)
        finally:
            writer.end_frame()

    def _on_message(self, payload: bytes, last_in_buffer: bool) -> None:
        """A whole text message outside the in-place case: reassembled, or received
        before the welcome or after the end."""
        state = self._state
        if state == _READY:
            self._on_reply(self._scan.scan_bytes(payload), last_in_buffer, payload)
        elif state == _AWAIT_CHALLENGE or state == _AWAIT_WELCOME:
            self._handshake.on_message(payload)
        elif self._scan.scan_bytes(payload) == _K_REPLY and self._scan.request_id > 0:
            # After the client's own close: a reply to a request that failed
            # with ClientClosedError becomes a ResolvedOutcome (see fail_all).
            self._notices.on_unmatched_reply(self._scan.request_id)
        else:
            self._drop_frame("frame after close")

    def _drop_frame(self, why: str) -> None:
        self.malformed_frames += 1
        if self._debug:
            self._logger.debug("%s: dropped server frame: %s", self.ws_key, why)

    # ---------------------------------------------------------------- replies
    def _on_reply(self, kind: int, last_in_buffer: bool, message: Any) -> None:
        """Dispatch the message just scanned (``kind``) on a ready connection;
        ``message``: its frame, or its bytes when reassembled."""
        scan = self._scan
        if kind != _K_REPLY:
            if kind == _K_PONG:
                self._keepalive.on_pong(scan.request_id)
                if scan.request_id == self._keepalive.number:
                    self._notices.read_clock(self._keepalive.ping_ns, message if type(message)
                                             is bytes else message.get_payload_as_bytes())
            elif kind == _K_NOTICE:
                self._notices.on_error_frame(scan.code, scan.msg)
            elif kind == _K_BAD_UTF8:
                self._framing.fail(WSCloseCode.INVALID_TEXT, "a text message that is not UTF-8")
            else:
                self._drop_frame(scan.why)
            return
        request_id = scan.request_id
        pending = self._requests.pending
        key = request_id  # one int object for the lookup and the removal
        entry = pending.get(key) if request_id > 0 else None
        if entry is None:
            self._notices.on_unmatched_reply(request_id)
            return
        op = scan.op
        if scan.code is None or (op is not None and op != entry.op):
            # Stays pending: it times out with outcome_unknown, as for a lost reply (a
            # reply naming another op than its id's request is not trusted).
            self._drop_frame("reply without a string code" if scan.code is None
                             else "reply naming another op")
            return
        del pending[key]
        self.replies += 1
        response = self._response(entry)
        requests = self._requests
        wake_now = requests.wake_every or last_in_buffer
        if scan.code_ok:
            requests.complete(entry, response, False, wake_now)
        else:
            requests.complete(entry, self._api_error(entry, response), True, wake_now)

    def _response(self, entry: _Pending) -> WSAPIResponse:
        """The reply just scanned, to ``entry``'s request (its id text is made from the
        request id when first read)."""
        scan = self._scan
        response = WSAPIResponse.__new__(WSAPIResponse)
        response._id = None
        response._rid = entry.request_id
        response.op = scan.op if scan.op is not None else entry.op
        response.code = scan.code  # type: ignore[assignment]  # a reply has one (_on_reply)
        response.msg = scan.msg
        response.data = scan.take_data()
        response._in_time = scan.in_time_raw
        response._out_time = scan.out_time_raw
        response.rate_limit = scan.take_rate_limit()
        response.ws_key = self.ws_key
        if not scan.code_ok and self._redactor is not None:
            # An error's code and text reach exception texts and outcome records.
            response.code = self._redact(response.code)
            if isinstance(response.msg, str):
                response.msg = self._redact(response.msg)
        return response

    def _redact(self, text: str) -> str:
        return text if self._redactor is None else self._redactor.redact(text)

    def _api_error(self, entry: _Pending, response: WSAPIResponse) -> Any:
        msg = response.msg
        return api_error(response.code, msg if isinstance(msg, str) else None,
                         response=response, request_id=response.id, op=entry.op,
                         ws_key=self.ws_key, client_oids=_oids_of_ref(entry.ref),
                         rate_limit=response.rate_limit)


class _Handshake:
    """The session's opening (protocol §2): the gateway's challenge, signed as
    received, then its welcome; a refusal or a bad frame fails ``handshake_done``."""

    def __init__(self, conn: Connection, secret: bytes, url_timestamp_ms: int) -> None:
        self._conn = conn
        self._secret = secret
        self._url_timestamp_ms = url_timestamp_ms
        self._created_ns = time.time_ns()

    def on_message(self, payload: bytes) -> None:
        """A message before the welcome: the challenge, the welcome, or an error."""
        conn = self._conn
        scan = conn._scan
        kind = scan.scan_handshake(payload)
        if kind == _K_ERROR:
            msg = scan.msg
            self.fail(handshake_error(
                conn._redact(scan.code or ""), conn._redact(msg) if isinstance(msg, str) else None,
                None if scan.in_time_raw == _NO_TIME else scan.in_time_raw,
                self._url_timestamp_ms))
        elif kind == _K_BAD_UTF8:
            conn._framing.fail(WSCloseCode.INVALID_TEXT, "a handshake message that is not UTF-8")
        elif kind == _K_MALFORMED:
            self.fail(ConnectError(f"the gateway sent a bad handshake frame ({scan.why})"))
        elif conn._state == _AWAIT_CHALLENGE:
            if kind != _K_CHALLENGE:
                self.fail(ConnectError("the gateway's first frame is not a session challenge"))
                return
            # Sign the exact bytes received (protocol §2.1): never re-serialise.
            conn.session_id = scan.session_id
            conn._state = _AWAIT_WELCOME
            signature = sign_challenge(self._secret, payload)
            if conn._redactor is not None:
                conn._redactor.add_attempt_secrets(signature.decode())
            conn._buf.text(signature)
            conn._writer.send(conn._buf)
            conn._notices.read_clock(self._created_ns, payload)
        elif kind != _K_WELCOME:
            self.fail(ConnectError("the gateway's second frame is not the welcome"))
        else:
            conn._state = _READY
            conn._keepalive.start(scan.ping_interval, scan.ping_timeout)
            if not conn.handshake_done.done():
                conn.handshake_done.set_result(None)

    def fail(self, exc: Any) -> None:
        """End the connection: ``handshake_done`` fails with ``exc``."""
        conn = self._conn
        conn._end(str(exc), False, exc)
        transport = conn.transport
        if transport is not None and not transport.is_disconnected:
            transport.send_close(WSCloseCode.OK)
            transport.disconnect()


class _Framing:
    """RFC 6455 beyond a whole text message within the size bound: control frames,
    fragmented messages (reassembled, §5.4), binary messages (dropped), and the
    protocol failures that end the connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        # A fragmented message being received: its text so far (None for a binary one,
        # which is counted and dropped), its size.
        self.fragmented = False
        self._fragments: Any = None
        self._fragments_size = 0
        self.owed_pong: Any = None  # the latest ping's payload, while write-paused

    def on_frame(self, transport: Any, frame: Any, msg_type: Any) -> None:
        """Any frame but a whole text message within the size bound. What fails the
        connection: RSV bits without an extension, a continuation outside a fragmented
        message or a new message inside one, more than ``max_frame_size``."""
        conn = self._conn
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            self.fail(WSCloseCode.PROTOCOL_ERROR, "a frame with RSV bits set")
        elif msg_type == _PING:
            # Answered here, not by picows (enable_auto_pong=False), so that every frame
            # of a read, its last included, passes begin/end_frame. While the peer does
            # not read, only the latest ping is answered (when the buffer drains).
            if conn.write_paused:
                self.owed_pong = frame.get_payload_as_bytes()
            else:
                transport.send_pong(frame.get_payload_as_bytes())
        elif msg_type == _CLOSE:
            # The server is closing: frames still coalesced will never be read, so
            # they are dropped and their requests fail with sent=False.
            conn._writer.discard()
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
        elif msg_type == _PONG:
            pass
        elif msg_type == _CONTINUATION:
            if self.fragmented:
                self._add_fragment(frame)
            else:
                self.fail(WSCloseCode.PROTOCOL_ERROR,
                          "a continuation frame outside a fragmented message")
        elif self.fragmented:
            self.fail(WSCloseCode.PROTOCOL_ERROR, "a new message inside a fragmented one")
        elif frame.payload_size > conn._max_frame_size:
            self.fail(WSCloseCode.MESSAGE_TOO_BIG,
                      f"a frame of more than {conn._max_frame_size} bytes")
        elif not frame.fin:
            self.fragmented = True
            self._fragments = bytearray() if msg_type == _TEXT else None
            self._fragments_size = 0
            self._add_fragment(frame)
        else:
            conn._drop_frame("binary frame")

    def _add_fragment(self, frame: Any) -> None:
        conn = self._conn
        size = self._fragments_size + frame.payload_size
        if size > conn._max_frame_size:
            self.fail(WSCloseCode.MESSAGE_TOO_BIG,
                      f"a fragmented message of more than {conn._max_frame_size} bytes")
            return
        self._fragments_size = size
        fragments = self._fragments
        if fragments is not None:
            fragments += frame.get_payload_as_memoryview()
        if frame.fin:
            self.fragmented = False
            self._fragments = None
            if fragments is None:
                conn._drop_frame("binary message")
            else:
                conn._on_message(bytes(fragments), frame.last_in_buffer)

    def fail(self, code: Any, why: str) -> None:
        """The gateway broke RFC 6455: close with ``code`` and end the connection (the
        pending requests fail as for a loss; a pending handshake with ConnectError)."""
        conn = self._conn
        conn.malformed_frames += 1
        self.fragmented = False
        self._fragments = None
        reason = f"the gateway broke the WebSocket protocol: {why} (close {int(code)})"
        if conn._debug:
            conn._logger.debug("%s: %s", conn.ws_key, reason)
        conn._end(reason, False, None)
        transport = conn.transport
        if transport is not None and not transport.is_disconnected:
            if not transport.is_close_frame_sent:
                transport.send_close(code, why.encode())
            transport.disconnect(not conn.write_paused)
        conn._report_lost()


class _Notices:
    """What the gateway sends that no waiting request takes: id-less error frames (e.g.
    501000, handed to ``on_notice``), late, duplicate and unknown replies; and the clock
    it stamps on a challenge or a pong (``server_clock``)."""

    def __init__(self, conn: Connection, on_notice: Callable[[Any, str, Any], None] | None
                 ) -> None:
        self._conn = conn
        self._on_notice = on_notice

    def on_unmatched_reply(self, request_id: int) -> None:
        """A reply no pending request waits for: a late one resolves its request's
        outcome; counted either way."""
        conn = self._conn
        entry = conn._requests.unmatched(request_id, conn._next_id)
        if entry is not None and conn._scan.code is not None:
            state = entry.state
            kind = KIND_CANCELLED if state == _E_CANCELLED else \
                KIND_CLOSED if state == _E_CLOSED else KIND_TIMEOUT
            conn._requests.resolved(entry, kind, conn._response(entry))
        if conn._debug:
            conn._logger.debug("%s: reply to no pending request (%s, id %s)", conn.ws_key,
                               "late" if entry is not None else "duplicate or unknown",
                               conn._redact(conn._scan.id_text())[:40])

    def on_error_frame(self, code: Any, msg: Any) -> None:
        """A type-C error frame (no id) on a ready connection, e.g. 501000 shutdown."""
        conn = self._conn
        conn.unsolicited_errors += 1
        code = conn._redact(code)
        if isinstance(msg, str):
            msg = conn._redact(msg)
        conn.server_notice = (code, msg)
        if conn._debug:
            conn._logger.debug("%s: server error frame without id: code %s", conn.ws_key, code)
        if self._on_notice is not None:
            try:
                self._on_notice(conn, code, msg)
            except Exception as exc:  # noqa: BLE001 - never break the frame handler
                conn._loop.call_exception_handler({
                    "message": "kucoin_fast: on_notice callback raised", "exception": exc})

    def read_clock(self, before_ns: int, payload: bytes) -> None:
        """``server_clock`` from a challenge or pong ``payload`` (kept when it has no
        integer ``timestamp``)."""
        after_ns = time.time_ns()
        try:
            stamp = json.loads(payload).get("timestamp")
        except (ValueError, AttributeError):  # not JSON / not an object: keep the last
            return
        if type(stamp) is int:
            self._conn.server_clock = (before_ns, stamp, after_ns)


class _DrainWaiters:
    """Tasks waiting for the socket's write buffer to drain (:meth:`Connection.wait_writable`)."""

    def __init__(self, loop: Any) -> None:
        self._loop = loop
        self._waiters: list[Any] = []

    async def wait(self, timeout: float) -> bool:
        """Wait for :meth:`release`; False when ``timeout`` seconds passed first."""
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            return False
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return True

    def release(self) -> None:
        """Wake every waiter (the buffer drained, or the connection ended)."""
        waiters = self._waiters
        self._waiters = []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


__all__ = ["DEFAULT_MAX_FRAME_SIZE", "Connection", "WSAPIResponse"]

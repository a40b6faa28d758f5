# cython: annotation_typing=False, auto_pickle=False
"""One client connection of the emulated gateway: handshake, keepalive, input, output.

A request is decoded here and handed to its handler in ``_ops.OPS``; replies of one
socket read leave in one ``transport.write``. Compiled as ``_session_c``: the members
the fast path uses are typed in ``_session_c.pxd``. Details: docs/emulator.md.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import socket
import struct
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from picows.picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport

from .._protocol.codes import ERRORS
from ._auth import Account, sign
from ._faults import FaultyReplies
from ._ops import OPS, admit
from ._wire import (
    HDR_TEXT,
    RateLimit,
    challenge,
    envelope_a,
    envelope_b,
    envelope_c,
    loads,
    text_frame,
    welcome,
)

if TYPE_CHECKING:
    from ._account import AccountState
    from ._venue import Venue

logger = logging.getLogger("kucoin_fast.emulator")

# Connection states
ST_PRE_CHALLENGE: Final = 0  # upgraded, challenge not sent (stall fault)
ST_AWAIT_SIG: Final = 1
ST_PRE_WELCOME: Final = 2  # signature verified, welcome withheld (stall fault)
ST_AUTHED: Final = 3
ST_CLOSED: Final = 4
ST_CLOSING: Final = 5  # a fault close is scheduled: further input is ignored

_time_ns: Final = time.time_ns
_monotonic: Final = time.monotonic
_TEXT: Final = WSMsgType.TEXT
_CONT: Final = WSMsgType.CONTINUATION
_PING: Final = WSMsgType.PING
_PONG: Final = WSMsgType.PONG
_CLOSE: Final = WSMsgType.CLOSE
_ID_RE: Final = re.compile(rb'"id"\s*:\s*"((?:[^"\\]|\\.){1,256})"')
_OP_RE: Final = re.compile(rb'"op"\s*:\s*"((?:[^"\\]|\\.){1,64})"')


def _unconnected_write(data: bytes) -> None:
    """``Session.write`` until picows hands over the transport."""


class Session(WSListener):
    """One client connection (picows listener); see the module docstring."""

    def __init__(self, venue: Venue, account: Account | None, auth_error: str | None,
                 enable_ns: bool) -> None:
        self.venue = venue
        self.faults = venue.faults
        self.cfg = venue.config
        self.account = account
        #: The signed-in account's state (None when authentication failed).
        self.account_state: AccountState | None = \
            venue.account_state(account.account_id) if account else None
        self.auth_error = auth_error
        self.enable_ns = enable_ns
        self.state = ST_PRE_CHALLENGE
        self.transport: WSTransport | None = None
        self.out: list[bytes] = []
        #: Writes to the socket: the transport's own write once connected.
        self.write: Callable[[bytes], None] = _unconnected_write
        self.session_id = str(uuid.uuid4())
        self.expected_sig = b""
        self.last_rx = _monotonic()
        self.n_requests = 0  # trading requests received (limits and close_after)
        self.n_errors = 0
        self.conn_window_start = -1e18  # the per-connection (429002) window
        self.conn_window_count = 0
        self.fragments: list[bytes] | None = None  # a fragmented message being reassembled
        self._timers: list[asyncio.TimerHandle] = []
        self._faulty = FaultyReplies(self.faults, venue.counters, self.out, self._write_now)

    # ------------------------------------------------------------ handshake and keepalive
    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.write = transport.underlying_transport.write
        venue = self.venue
        venue.join(self)
        if self.auth_error is not None:
            venue.counters.auth_failures += 1
            logger.debug("auth failure %s", self.auth_error)
            self._refuse(self.auth_error)
            return
        if not self.faults.stall_before_challenge:
            self._send_challenge()

    def _send_challenge(self) -> None:
        faults = self.faults
        frame = challenge(self.session_id, self.now(), spaced=faults.spaced_challenge,
                          reversed_keys=faults.reversed_challenge)
        assert self.account is not None
        self.expected_sig = sign(frame, self.account.api_secret).encode()
        self.state = ST_AWAIT_SIG
        self._send_now(frame)
        self._later(self.cfg.handshake_timeout_s, self._on_handshake_timeout)

    def _on_handshake_timeout(self) -> None:
        if self.state == ST_AWAIT_SIG:
            logger.debug("session %s: handshake timeout", self.session_id)
            self._refuse("400012")

    def _on_signature(self, payload: bytes) -> None:
        if not hmac.compare_digest(payload, self.expected_sig):
            self.venue.counters.auth_failures += 1
            self._refuse("400011")
        elif self.faults.stall_before_welcome:
            self.state = ST_PRE_WELCOME
        else:
            self._welcome()

    def _welcome(self) -> None:
        cfg = self.cfg
        self.state = ST_AUTHED
        self.venue.counters.sessions_authenticated += 1
        self._send_now(welcome(self.session_id, cfg.ping_interval_ms, cfg.ping_timeout_ms))
        self.last_rx = _monotonic()
        self._later(cfg.effective_idle_timeout_ms / 1000.0, self._check_idle)
        if self.faults.session_max_age_s is not None:
            self._later(self.faults.session_max_age_s, self.expire)

    def _check_idle(self) -> None:
        if self.state == ST_CLOSED:
            return
        idle = self.cfg.effective_idle_timeout_ms / 1000.0
        if self.faults.blackhole:
            self.last_rx = _monotonic()  # a half-open peer never times out
        silent = _monotonic() - self.last_rx
        if silent >= idle:
            logger.debug("session %s: idle for %.3fs, closing", self.session_id, silent)
            self.venue.counters.idle_closes += 1
            self.close(WSCloseCode.GOING_AWAY, "ping timeout")
        else:
            self._later(max(idle - silent, idle / 10), self._check_idle)

    def _later(self, delay: float, cb: Callable[[], None]) -> None:
        timers = self._timers
        loop = asyncio.get_running_loop()
        if len(timers) > 16:  # keep the list short: drop handles that already ran
            now = loop.time()
            timers[:] = [t for t in timers if not t.cancelled() and t.when() > now]
        timers.append(loop.call_later(delay, cb))

    # ------------------------------------------------------------ closing
    def expire(self) -> None:
        """Forced session expiry: close frame 1001 'session expired'."""
        if self.state != ST_CLOSED:
            self.close(WSCloseCode.GOING_AWAY, "session expired")

    def _refuse(self, code: str) -> None:
        """The C frame of ``code``, then close 1008 with ``code`` as the reason."""
        self.send_code(code)
        self.close(WSCloseCode.POLICY_VIOLATION, code)

    def close(self, code: WSCloseCode = WSCloseCode.GOING_AWAY, reason: str = "",
              mode: str = "close") -> None:
        """Flush pending replies, then close: "close" (close frame + FIN), "fin", "rst"."""
        tr = self.transport
        if tr is None or self.state == ST_CLOSED:
            return
        self.flush()
        self.state = ST_CLOSED
        self._cancel_timers()
        if mode == "close":
            tr.send_close(code, reason.encode())
            tr.disconnect(True)
        elif mode == "fin":
            tr.disconnect(True)
        else:
            sock = tr.underlying_transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            tr.disconnect(False)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.state = ST_CLOSED
        self._cancel_timers()
        self.venue.leave(self)

    def _cancel_timers(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers.clear()
        self._faulty.cancel()

    # ------------------------------------------------------------ output
    def now(self) -> int:
        """The current time in the session's unit (ms, or ns with ``enable_ns``)."""
        t = _time_ns()
        return t if self.enable_ns else t // 1_000_000

    def stamp(self, t_ns: int) -> int:
        """``t_ns`` in the session's unit."""
        return t_ns if self.enable_ns else t_ns // 1_000_000

    def count_fast(self, requests: int, orders: int) -> None:
        """Add what the compiled fast path answered to the counters."""
        self.n_requests += requests
        counters = self.venue.counters
        counters.requests += requests
        counters.fast_path_requests += requests
        counters.orders_accepted += orders

    def flush(self) -> None:
        """Write every queued frame with one write."""
        out = self.out
        if out:
            data = b"".join(out)
            out.clear()
            self.write(data)

    def _send_now(self, payload: bytes) -> None:
        """Queue one text frame and write everything queued (handshake frames)."""
        self.out.append(text_frame(payload))
        self.flush()

    def send_code(self, code: str) -> None:
        """Send the C frame of ``code`` at once (handshake errors, server notices)."""
        t = self.now()
        self._send_now(envelope_c(code, ERRORS[code], t, t))

    def emit(self, payload: bytes, request_reply: bool = True) -> None:
        """Queue one reply; the fault switches may drop, alter, delay or reorder it.
        ``request_reply`` marks the replies that ``close_after`` withholds."""
        if self.faults.reply_path_plain:
            n = len(payload)
            self.out.append(HDR_TEXT[n] + payload if n < 126 else text_frame(payload))
        else:
            self._faulty.emit(payload, request_reply)

    def reply_ok(self, rid: str, op: str, data: str, t_in: int,
                 rl: RateLimit | None) -> None:
        """Envelope A: success, with ``data`` as JSON text."""
        self.emit(envelope_a(rid, op, data, self.stamp(t_in), self.now(), rl))

    def reply_error(self, rid: str, op: Any, code: str, msg: str, t_in: int,
                    rl: RateLimit | None) -> None:
        """Envelope B: an error tied to the request (counted towards ``max_errors``)."""
        self._count_error()
        self.emit(envelope_b(rid, op, code, msg, self.stamp(t_in), self.now(), rl))

    def _write_now(self, data: bytes) -> None:
        """Flush, then write ``data`` at once: the delayed replies of the fault switches."""
        tr = self.transport
        if tr is not None and not tr.is_disconnected and self.state != ST_CLOSED:
            self.flush()
            if data:
                self.write(data)

    # ------------------------------------------------------------ input
    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if self.faults.blackhole and self.state == ST_AUTHED:
            return  # a half-open peer: nothing is read, answered or closed
        self.last_rx = _monotonic()
        if self.state == ST_AUTHED and frame.msg_type == _TEXT and frame.fin \
                and self.fragments is None:
            self.on_request(frame.get_payload_as_bytes())
        else:
            self._on_other_frame(frame)
        if frame.last_in_buffer and self.out:
            self.flush()

    def _on_other_frame(self, frame: WSFrame) -> None:
        mt = frame.msg_type
        if mt == _PING:
            self.flush()
            assert self.transport is not None
            self.transport.send_pong(frame.get_payload_as_bytes())
        elif mt == _CLOSE:
            self._on_close(frame)
        elif mt != _PONG:
            payload = self._reassemble(frame)
            if payload is not None:
                self._on_message(payload)

    def _on_close(self, frame: WSFrame) -> None:
        if self.state == ST_CLOSED:
            return
        self.flush()
        self.state = ST_CLOSED
        self._cancel_timers()
        assert self.transport is not None
        code = frame.get_close_code()
        # Echo the peer's code; an empty close frame (no code) is answered with 1000.
        self.transport.send_close(code if code != WSCloseCode.NO_INFO else WSCloseCode.OK, b"")
        self.transport.disconnect(True)

    def _reassemble(self, frame: WSFrame) -> bytes | None:
        """The complete message that ``frame`` carries or ends, else None."""
        # Fragmented client messages are reassembled; binary is treated as text.
        if frame.msg_type == _CONT:
            if self.fragments is None:
                self._protocol_error()
                return None
            self.fragments.append(frame.get_payload_as_bytes())
            if not frame.fin:
                return None
            payload = b"".join(self.fragments)
            self.fragments = None
            return payload
        if not frame.fin:
            self.fragments = [frame.get_payload_as_bytes()]
            return None
        return frame.get_payload_as_bytes()

    def _on_message(self, payload: bytes) -> None:
        if self.state == ST_AUTHED:
            self.on_request(payload)
        elif self.state == ST_AWAIT_SIG:
            self._on_signature(payload)
        elif self.state in (ST_PRE_CHALLENGE, ST_PRE_WELCOME):
            # Anything before the handshake completes is a protocol error.
            self.venue.counters.auth_failures += 1
            self._refuse("400011")

    def on_request(self, payload: bytes) -> None:
        """Handle one complete JSON request of an authenticated session: decode it, check
        its id, hand it to its op's handler (after the prelude, for trading ops)."""
        t_in = _time_ns()
        try:
            try:
                obj = loads(payload)
            except ValueError:
                self._bad_json(payload, t_in)
                return
            if type(obj) is not dict:
                self._bad_json(payload, t_in)
                return
            rid = obj.get("id")
            if type(rid) is not str or not rid:
                self._count_error()
                self.emit(envelope_c("4001002", ERRORS["4001002"], self.stamp(t_in),
                                     self.now()), False)
                return
            # The dispatch is spelled out here, not called: this is the hot path, and a
            # subscript under try costs less than a type check and a .get().
            op: Any = obj.get("op")
            try:
                spec = OPS[op]
            except (KeyError, TypeError):  # unknown, or not even hashable (a list)
                self.reply_error(rid, op, "400102", ERRORS["400102"], t_in, None)
                return
            if spec.limited:
                rl = admit(self, spec, rid, t_in)
                if rl is not False:
                    spec.handler(self, rid, obj.get("args"), t_in, rl)
                self.after_request()
            else:
                spec.handler(self, rid, obj.get("args"), t_in, None)
        except Exception:
            # A bug must not kill the connection silently: log it and answer 500000.
            logger.exception("emulator: unhandled error while handling a request")
            self.emit(envelope_c("500000", ERRORS["500000"], self.now(), self.now()))

    def _bad_json(self, payload: bytes, t_in: int) -> None:
        self._count_error()
        m = _ID_RE.search(payload)
        if m is not None:
            try:
                rid = json.loads(b'"' + m.group(1) + b'"')
                mo = _OP_RE.search(payload)
                op = json.loads(b'"' + mo.group(1) + b'"') if mo is not None else ""
            except ValueError:
                rid = None
            if rid:
                self.emit(envelope_b(rid, op, "400101", ERRORS["400101"], self.stamp(t_in),
                                     self.now(), None), False)
                return
        self.emit(envelope_c("400101", ERRORS["400101"], self.stamp(t_in), self.now()), False)

    def _protocol_error(self) -> None:
        self._count_error()
        t = self.now()
        self.emit(envelope_c("400101", ERRORS["400101"], t, t), False)

    def _count_error(self) -> None:
        self.n_errors += 1
        self.venue.counters.error_replies += 1
        limit = self.cfg.max_errors
        if limit is not None and self.n_errors >= limit and self.state == ST_AUTHED:
            # Close after the current read so the error reply itself goes out first.
            asyncio.get_running_loop().call_soon(self._too_many_errors)

    def _too_many_errors(self) -> None:
        if self.state == ST_AUTHED:
            self._refuse("420001")

    def after_request(self) -> None:
        """Apply ``close_after`` once a trading request has been handled."""
        faults = self.faults
        if not faults.reply_path_plain and faults.closes_after(self.n_requests):
            self.venue.counters.fault_closes += 1
            asyncio.get_running_loop().call_soon(self._fault_close)
            # Ignore further requests of this read: they arrive "after" the close.
            self.state = ST_CLOSING

    def _fault_close(self) -> None:
        self.close(WSCloseCode.GOING_AWAY, "closed by fault switch", self.faults.close_mode)


__all__ = [
    "ST_AUTHED",
    "ST_AWAIT_SIG",
    "ST_CLOSED",
    "ST_CLOSING",
    "ST_PRE_CHALLENGE",
    "ST_PRE_WELCOME",
    "Session",
]

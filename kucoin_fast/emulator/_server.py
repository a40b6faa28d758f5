"""The emulated KuCoin WS API gateway: picows server, handshake, request handling.

Replies produced while picows hands us the frames of one socket read are framed by
hand (server frames are unmasked) and written with ONE ``transport.write`` when the
read's last frame has been handled: per-message writes would cost a syscall each.
Anything picows itself sends (close, pong) is preceded by a flush, so order holds.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import socket
import ssl
import struct
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, Final

from picows import (
    WSAutoPingStrategy,
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

try:  # picows internal: lets us see a TCP connection before its HTTP request
    from picows.picows import WSProtocol  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other picows versions
    WSProtocol = None

from .. import _rules
from .._env import NO_EXTENSIONS, load_compiled
from .._rules import (
    ERRORS,
    OP_CANCEL,
    OP_MULTI_CANCEL,
    OP_MULTI_ORDER,
    OP_ORDER,
    OP_PING,
    SUCCESS_CODE,
    WS_PATH,
    ContractSpec,
)
from ._auth import Account, AuthError, authenticate, parse_query, sign, split_target
from ._config import EmulatorConfig
from ._counters import Counters
from ._engine import Book, Engine, OrderInfo, Rejected
from ._faults import Faults, FaultyReplies
from ._wire import HDR_TEXT as _HDR_TEXT
from ._wire import RateLimit as _RL
from ._wire import challenge as _challenge
from ._wire import dumps as _dumps
from ._wire import enc as _enc
from ._wire import envelope_a as _a_frame
from ._wire import envelope_b as _b_frame
from ._wire import envelope_c as _c_frame
from ._wire import pong as _pong
from ._wire import rate_limit_member as _rl_member
from ._wire import text_frame as _text_frame
from ._wire import welcome as _welcome

_fast: Any = None if NO_EXTENSIONS else load_compiled(f"{__package__}._fastpath")

_loads: Callable[[bytes], Any]
try:  # orjson is optional (bench extra); simdjson is a hard dependency.
    import orjson
    _loads = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    import simdjson
    _loads = simdjson.loads

logger = logging.getLogger("kucoin_fast.emulator")

_time_ns: Final = time.time_ns
_monotonic: Final = time.monotonic
_TEXT: Final = WSMsgType.TEXT
_CONT: Final = WSMsgType.CONTINUATION
_PING: Final = WSMsgType.PING
_CLOSE: Final = WSMsgType.CLOSE
_COID_OK: Final = _rules.CLIENT_OID_RE.match
_ID_RE: Final = re.compile(rb'"id"\s*:\s*"((?:[^"\\]|\\.){1,256})"')
_OP_RE: Final = re.compile(rb'"op"\s*:\s*"((?:[^"\\]|\\.){1,64})"')
_CHECK_CACHE_MAX: Final = 4096


if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:  # not subscriptable at runtime before Python 3.11
    _LoggerAdapter = logging.LoggerAdapter


class _PicowsLog(_LoggerAdapter):
    """picows' server logger without its trace level (9): at that level picows logs the
    raw upgrade request, whose URL carries the key, the signature and the signed
    passphrase. Records at DEBUG and above pass through unchanged."""

    def isEnabledFor(self, level: int) -> bool:
        return level >= logging.DEBUG and self.logger.isEnabledFor(level)


class _RefusedProtocol(asyncio.Protocol):
    """Accepts the TCP connection and closes it before any HTTP byte (refuse_mode tcp)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class _AbortingListener(WSListener):
    """Drops the TCP connection right after the upgrade (fallback of refuse_mode tcp)."""

    def on_ws_connected(self, transport: WSTransport) -> None:
        transport.disconnect(False)


# Connection states
_ST_PRE_CHALLENGE: Final = 0  # upgraded, challenge not sent (stall fault)
_ST_AWAIT_SIG: Final = 1
_ST_PRE_WELCOME: Final = 2  # signature verified, welcome withheld (stall fault)
_ST_AUTHED: Final = 3
_ST_CLOSED: Final = 4
_ST_CLOSING: Final = 5  # a fault close is scheduled: further input is ignored


class _Session(WSListener):
    """One client connection (picows listener)."""

    def __init__(self, em: Emulator, account: Account | None, auth_error: str | None,
                 enable_ns: bool) -> None:
        self.em = em
        self.faults = em.faults
        self.cfg = em.config
        self.account = account
        self.book: Book | None = em.engine.book(account.account_id) if account else None
        self.auth_error = auth_error
        self.enable_ns = enable_ns
        self.state = _ST_PRE_CHALLENGE
        self.transport: WSTransport | None = None
        self.out: list[bytes] = []
        self.session_id = str(uuid.uuid4())
        self.expected_sig = b""
        self.last_rx = _monotonic()
        self.n_requests = 0
        self.n_errors = 0
        self.conn_window_start = -1e18
        self.conn_window_count = 0
        self.frag: list[bytes] | None = None
        self._timers: list[asyncio.TimerHandle] = []
        self.write: Callable[[bytes], None] = lambda data: None
        self._faulty = FaultyReplies(self.faults, em.counters, self.out, self._write_now)

    # ------------------------------------------------------------ connection
    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.write = transport.underlying_transport.write
        em = self.em
        em._sessions.add(self)
        em.counters.connections_total += 1
        em.counters.connections_active += 1
        if self.auth_error is not None:
            em.counters.auth_failures += 1
            logger.debug("auth failure %s", self.auth_error)
            self._send_c(self.auth_error)
            self.close(WSCloseCode.POLICY_VIOLATION, self.auth_error)
            return
        if not self.faults.stall_before_challenge:
            self._send_challenge()

    def _send_challenge(self) -> None:
        challenge = _challenge(self.session_id, self._now(), spaced=self.faults.spaced_challenge,
                               reversed_keys=self.faults.reversed_challenge)
        assert self.account is not None
        self.expected_sig = sign(challenge, self.account.api_secret).encode()
        self.state = _ST_AWAIT_SIG
        self._send_now(challenge)
        self._later(self.cfg.handshake_timeout_s, self._on_handshake_timeout)

    def _on_handshake_timeout(self) -> None:
        if self.state == _ST_AWAIT_SIG:
            logger.debug("session %s: handshake timeout", self.session_id)
            self._send_c("400012")
            self.close(WSCloseCode.POLICY_VIOLATION, "400012")

    def _welcome(self) -> None:
        cfg = self.cfg
        self.state = _ST_AUTHED
        self.em.counters.sessions_authenticated += 1
        self._send_now(_welcome(self.session_id, cfg.ping_interval_ms, cfg.ping_timeout_ms))
        self.last_rx = _monotonic()
        self._later(cfg.effective_idle_timeout_ms / 1000.0, self._check_idle)
        if self.faults.session_max_age_s is not None:
            self._later(self.faults.session_max_age_s, self.expire)

    def _check_idle(self) -> None:
        if self.state == _ST_CLOSED:
            return
        idle = self.cfg.effective_idle_timeout_ms / 1000.0
        if self.faults.blackhole:
            self.last_rx = _monotonic()  # a half-open peer never times out
        silent = _monotonic() - self.last_rx
        if silent >= idle:
            logger.debug("session %s: idle for %.3fs, closing", self.session_id, silent)
            self.em.counters.idle_closes += 1
            self.close(WSCloseCode.GOING_AWAY, "ping timeout")
        else:
            self._later(max(idle - silent, idle / 10), self._check_idle)

    def expire(self) -> None:
        """Forced session expiry: close frame 1001 'session expired'."""
        if self.state != _ST_CLOSED:
            self.close(WSCloseCode.GOING_AWAY, "session expired")

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if self.state != _ST_CLOSED:
            self.state = _ST_CLOSED
        self._cancel_timers()
        em = self.em
        if self in em._sessions:
            em._sessions.discard(self)
            em.counters.connections_active -= 1

    def _cancel_timers(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers.clear()
        self._faulty.cancel()

    def _later(self, delay: float, cb: Callable[[], None]) -> None:
        timers = self._timers
        loop = asyncio.get_running_loop()
        if len(timers) > 16:  # keep the list short: drop handles that already ran
            now = loop.time()
            timers[:] = [t for t in timers if not t.cancelled() and t.when() > now]
        timers.append(loop.call_later(delay, cb))

    def close(self, code: WSCloseCode = WSCloseCode.GOING_AWAY, reason: str = "",
              mode: str = "close") -> None:
        """Flush pending replies, then close: "close" (close frame + FIN), "fin", "rst"."""
        tr = self.transport
        if tr is None or self.state == _ST_CLOSED:
            return
        self._flush()
        self.state = _ST_CLOSED
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

    # ------------------------------------------------------------ output
    def _now(self) -> int:
        t = _time_ns()
        return t if self.enable_ns else t // 1_000_000

    def _flush(self) -> None:
        out = self.out
        if out:
            data = b"".join(out)
            out.clear()
            self.write(data)

    def _send_now(self, payload: bytes) -> None:
        """Queue one text frame and write everything queued (handshake frames)."""
        self.out.append(_text_frame(payload))
        self._flush()

    def _send_c(self, code: str, msg: str | None = None) -> None:
        t = self._now()
        self._send_now(_c_frame(code, ERRORS[code] if msg is None else msg, t, t))

    def _emit(self, payload: bytes, futures: bool = True) -> None:
        if self.faults.reply_path_plain:
            n = len(payload)
            self.out.append(_HDR_TEXT[n] + payload if n < 126 else _text_frame(payload))
        else:
            self._faulty.emit(payload, futures)

    def _write_now(self, data: bytes) -> None:
        """Flush, then write ``data`` at once: the delayed replies of the fault switches."""
        tr = self.transport
        if tr is not None and not tr.is_disconnected and self.state != _ST_CLOSED:
            self._flush()
            if data:
                self.write(data)

    # ------------------------------------------------------------ input
    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if self.faults.blackhole and self.state == _ST_AUTHED:
            return  # a half-open peer: nothing is read, answered or closed
        self.last_rx = _monotonic()
        if self.state == _ST_AUTHED and frame.msg_type == _TEXT and frame.fin \
                and self.frag is None:
            try:
                self.on_request(frame.get_payload_as_bytes())
            except Exception:
                # A bug must not kill the connection silently: log it and answer 500000.
                logger.exception("emulator: unhandled error while handling a request")
                self._emit(_c_frame("500000", ERRORS["500000"], self._now(), self._now()))
        else:
            self._on_other_frame(frame)
        if frame.last_in_buffer and self.out:
            self._flush()

    def _on_other_frame(self, frame: WSFrame) -> None:
        mt = frame.msg_type
        if mt == _PING:
            self._flush()
            assert self.transport is not None
            self.transport.send_pong(frame.get_payload_as_bytes())
            return
        if mt == _CLOSE:
            if self.state != _ST_CLOSED:
                self._flush()
                self.state = _ST_CLOSED
                self._cancel_timers()
                assert self.transport is not None
                code = frame.get_close_code()
                # Echo the peer's code; an empty close frame (no code) is answered with 1000.
                self.transport.send_close(code if code != WSCloseCode.NO_INFO
                                          else WSCloseCode.OK, b"")
                self.transport.disconnect(True)
            return
        if mt == WSMsgType.PONG:
            return
        # Fragmented client messages are reassembled; binary is treated as text.
        if mt == _CONT:
            if self.frag is None:
                self._protocol_error()
                return
            self.frag.append(frame.get_payload_as_bytes())
            if not frame.fin:
                return
            payload = b"".join(self.frag)
            self.frag = None
        elif not frame.fin:
            self.frag = [frame.get_payload_as_bytes()]
            return
        else:
            payload = frame.get_payload_as_bytes()
        if self.state == _ST_AUTHED:
            try:
                self.on_request(payload)
            except Exception:
                logger.exception("emulator: unhandled error while handling a request")
                self._emit(_c_frame("500000", ERRORS["500000"], self._now(), self._now()))
        elif self.state == _ST_AWAIT_SIG:
            if hmac.compare_digest(payload, self.expected_sig):
                if self.faults.stall_before_welcome:
                    self.state = _ST_PRE_WELCOME
                else:
                    self._welcome()
            else:
                self.em.counters.auth_failures += 1
                self._send_c("400011")
                self.close(WSCloseCode.POLICY_VIOLATION, "400011")
        elif self.state in (_ST_PRE_CHALLENGE, _ST_PRE_WELCOME):
            # Anything before the handshake completes is a protocol error.
            self.em.counters.auth_failures += 1
            self._send_c("400011")
            self.close(WSCloseCode.POLICY_VIOLATION, "400011")

    def _protocol_error(self) -> None:
        self._count_error()
        t = self._now()
        self._emit(_c_frame("400101", ERRORS["400101"], t, t), False)

    def _count_error(self) -> None:
        self.n_errors += 1
        self.em.counters.error_replies += 1
        limit = self.cfg.max_errors
        if limit is not None and self.n_errors >= limit and self.state == _ST_AUTHED:
            # Close after the current read so the error reply itself goes out first.
            asyncio.get_running_loop().call_soon(self._too_many_errors)

    def _too_many_errors(self) -> None:
        if self.state == _ST_AUTHED:
            self._send_c("420001")
            self.close(WSCloseCode.POLICY_VIOLATION, "420001")

    def on_request(self, payload: bytes) -> None:
        """Handle one complete JSON request of an authenticated session."""
        t_in = _time_ns()
        try:
            obj = _loads(payload)
        except ValueError:
            self._bad_json(payload, t_in)
            return
        if type(obj) is not dict:
            self._bad_json(payload, t_in)
            return
        rid = obj.get("id")
        if type(rid) is not str or not rid:
            self._count_error()
            self._emit(_c_frame("4001002", ERRORS["4001002"], self._t(t_in), self._now()), False)
            return
        op = obj.get("op")
        if op == OP_ORDER:
            self._op_order(rid, obj.get("args"), t_in)
        elif op == OP_CANCEL:
            self._op_cancel(rid, obj.get("args"), t_in)
        elif op == OP_PING:
            self.em.counters.pings += 1
            self._emit(_pong(rid, self._now()), False)
        elif op == OP_MULTI_ORDER:
            self._op_multi_order(rid, obj.get("args"), t_in)
        elif op == OP_MULTI_CANCEL:
            self._op_multi_cancel(rid, obj.get("args"), t_in)
        else:
            self._error_b(rid, op, "400102", ERRORS["400102"], t_in, None)

    def _t(self, t_ns: int) -> int:
        return t_ns if self.enable_ns else t_ns // 1_000_000

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
                self._emit(_b_frame(rid, op, "400101", ERRORS["400101"], self._t(t_in),
                                    self._now(), None), False)
                return
        self._emit(_c_frame("400101", ERRORS["400101"], self._t(t_in), self._now()), False)

    def _error_b(self, rid: str, op: Any, code: str, msg: str, t_in: int,
                 rl: _RL | None) -> None:
        self._count_error()
        self._emit(_b_frame(rid, op, code, msg, self._t(t_in), self._now(), rl))

    # ------------------------------------------------------------ futures ops
    def _prelude(self, rid: str, op: str, t_in: int) -> tuple[bool, _RL | None]:
        """Count the request and apply limits. Returns (False, None) when an error
        reply was sent, else (True, userRateLimit triple or None when limits are off)."""
        self.n_requests += 1
        em = self.em
        em.counters.requests += 1
        cfg = self.cfg
        faults = self.faults
        if not faults.reply_path_plain and faults.draws_rate_limit():
            em.counters.rate_limited += 1
            nominal = cfg.rate_limit or _rules.DEFAULT_RATE_LIMIT
            self._error_b(rid, op, "429000", ERRORS["429000"], t_in,
                          (0, nominal, cfg.rate_limit_window_ms))
            return False, None
        if cfg.id_max_len is not None and len(rid) > cfg.id_max_len:
            self._error_b(rid, op, "400102",
                          "Please check the param of your request: Field 'id' is too long.",
                          t_in, None)
            return False, None
        if cfg.connection_rate_limit is not None:
            now = t_in / 1e6
            if now - self.conn_window_start >= cfg.connection_rate_window_ms:
                self.conn_window_start = now
                self.conn_window_count = 0
            if self.conn_window_count >= cfg.connection_rate_limit:
                em.counters.rate_limited += 1
                self._error_b(rid, op, "429002", ERRORS["429002"], t_in, None)
                return False, None
            self.conn_window_count += 1
        limit = cfg.rate_limit
        if limit is None:
            return True, None
        book = self.book
        assert book is not None
        now_ms = t_in // 1_000_000
        window = cfg.rate_limit_window_ms
        if now_ms - book.rl_start_ms >= window:
            book.rl_start_ms = now_ms
            book.rl_used = 0
        weight = cfg.weights.get(op, 1)
        reset = book.rl_start_ms + window - now_ms
        if book.rl_used + weight > limit:
            em.counters.rate_limited += 1
            self._error_b(rid, op, "429000", ERRORS["429000"], t_in, (0, limit, reset))
            return False, None
        book.rl_used += weight
        return True, (limit - book.rl_used, limit, reset)

    def _after(self) -> None:
        faults = self.faults
        if not faults.reply_path_plain and faults.closes_after(self.n_requests):
            self.em.counters.fault_closes += 1
            asyncio.get_running_loop().call_soon(self._fault_close)
            # Ignore further requests of this read: they arrive "after" the close.
            self.state = _ST_CLOSING

    def _fault_close(self) -> None:
        self.close(WSCloseCode.GOING_AWAY, "closed by fault switch", self.faults.close_mode)

    def _op_order(self, rid: str, args: Any, t_in: int) -> None:
        ok, rl = self._prelude(rid, OP_ORDER, t_in)
        if not ok:
            self._after()
            return
        if not self.cfg.rate_limit_on_orders:
            rl = None
        em = self.em
        checked = em._check_order(args)
        if isinstance(checked, Rejected):
            em.counters.orders_rejected += 1
            self._error_b(rid, OP_ORDER, checked.code, checked.msg, t_in, rl)
            self._after()
            return
        assert self.book is not None
        res = em.engine.place_checked(self.book, args, checked, t_in // 1_000_000)
        if isinstance(res, str):
            em.counters.orders_accepted += 1
            if self.enable_ns:
                tin, tout = t_in, _time_ns()
            else:
                tin, tout = t_in // 1_000_000, _time_ns() // 1_000_000
            if rl is None:
                self._emit(
                    f'{{"id":{_enc(rid)},"op":"futures.order","code":"200000","data":'
                    f'{{"orderId":"{res}","clientOid":"{args["clientOid"]}"}},'
                    f'"inTime":{tin},"outTime":{tout}}}'.encode())
            else:
                self._emit(
                    f'{{"id":{_enc(rid)},"op":"futures.order","code":"200000","data":'
                    f'{{"orderId":"{res}","clientOid":"{args["clientOid"]}"}},'
                    f'"inTime":{tin},"outTime":{tout},{_rl_member(rl)}}}'.encode())
        else:
            em.counters.orders_rejected += 1
            self._error_b(rid, OP_ORDER, res.code, res.msg, t_in, rl)
        self._after()

    def _op_cancel(self, rid: str, args: Any, t_in: int) -> None:
        ok, rlt = self._prelude(rid, OP_CANCEL, t_in)
        if not ok:
            self._after()
            return
        em = self.em
        bad = _rules.validate_cancel(args, strict_keys=False)
        if bad is not None:
            em.counters.cancels_failed += 1
            self._error_b(rid, OP_CANCEL, bad.code, bad.msg, t_in, rlt)
            self._after()
            return
        book = self.book
        assert book is not None
        if "orderId" in args:
            oid = args["orderId"]
            if em.engine.cancel_by_order_id(book, oid, args.get("symbol")):
                data = f'{{"cancelledOrderIds":[{_enc(oid)}]}}'
            else:
                data = ""
        else:
            coid = args["clientOid"]
            data = (f'{{"clientOid":{_enc(coid)}}}'
                    if em.engine.cancel_by_client_oid(book, coid, args["symbol"]) else "")
        if data:
            em.counters.cancels_ok += 1
            self._emit(_a_frame(rid, OP_CANCEL, data, self._t(t_in), self._now(), rlt))
        else:
            em.counters.cancels_failed += 1
            self._error_b(rid, OP_CANCEL, "100004", ERRORS["100004"], t_in, rlt)
        self._after()

    def _op_multi_order(self, rid: str, args: Any, t_in: int) -> None:
        ok, rlt = self._prelude(rid, OP_MULTI_ORDER, t_in)
        if not ok:
            self._after()
            return
        if not self.cfg.rate_limit_on_orders:
            rlt = None
        em = self.em
        bad = _rules.validate_multi_order(args)
        if bad is not None:
            self._error_b(rid, OP_MULTI_ORDER, bad.code, bad.msg, t_in, rlt)
            self._after()
            return
        book = self.book
        assert book is not None
        items = []
        now_ms = t_in // 1_000_000
        for item in args:
            coid = item.get("clientOid") if isinstance(item, dict) else None
            sym = item.get("symbol") if isinstance(item, dict) else None
            checked = em._check_order(item)
            res: Rejected | str = checked if isinstance(checked, Rejected) \
                else em.engine.place_checked(book, item, checked, now_ms)
            if isinstance(res, str):
                em.counters.orders_accepted += 1
                items.append({"orderId": res, "clientOid": coid, "symbol": sym,
                              "code": SUCCESS_CODE, "msg": "success"})
            else:
                em.counters.orders_rejected += 1
                items.append({"orderId": None, "clientOid": coid, "symbol": sym,
                              "code": res.code, "msg": res.msg})
        self._emit(_a_frame(rid, OP_MULTI_ORDER, _dumps(items), self._t(t_in), self._now(),
                            rlt))
        self._after()

    def _op_multi_cancel(self, rid: str, args: Any, t_in: int) -> None:
        ok, rlt = self._prelude(rid, OP_MULTI_CANCEL, t_in)
        if not ok:
            self._after()
            return
        em = self.em
        bad = _rules.validate_multi_cancel(args, strict_keys=False)
        if bad is not None:
            self._error_b(rid, OP_MULTI_CANCEL, bad.code, bad.msg, t_in, rlt)
            self._after()
            return
        book = self.book
        assert book is not None
        items: list[dict[str, Any]] = []
        ok_code = _rules.BATCH_CANCEL_ITEM_SUCCESS_CODE
        fail = {"code": "100004", "msg": ERRORS["100004"]}
        if "orderIdsList" in args:
            for oid in args["orderIdsList"]:
                ok = em.engine.cancel_by_order_id(book, oid)
                items.append({"orderId": oid, "clientOid": None,
                              **({"code": ok_code, "msg": "success"} if ok else fail)})
        else:
            for it in args["clientOidsList"]:
                ok = em.engine.cancel_by_client_oid(book, it["clientOid"], it["symbol"]) \
                    is not None
                items.append({"orderId": None, "clientOid": it["clientOid"],
                              **({"code": ok_code, "msg": "success"} if ok else fail)})
        for it2 in items:
            if it2["code"] == ok_code:
                em.counters.cancels_ok += 1
            else:
                em.counters.cancels_failed += 1
        self._emit(_a_frame(rid, OP_MULTI_CANCEL, _dumps(items), self._t(t_in), self._now(),
                            rlt))
        self._after()


class Emulator:
    """A local KuCoin WS API gateway (futures ops) for tests, demos and benchmarks.

    Use as ``async with Emulator(accounts=[Account(...)]) as ex:`` (or ``await
    ex.start()`` / ``await ex.stop()``); connect clients to ``ex.url``. Keyword
    arguments not listed here set :class:`EmulatorConfig` fields (e.g.
    ``rate_limit=None``, ``ping_interval_ms=500``).
    """

    def __init__(self, accounts: Iterable[Account] = (), *, host: str = "127.0.0.1",
                 port: int = 0, ssl_context: ssl.SSLContext | None = None,
                 brokers: dict[str, str] | None = None, config: EmulatorConfig | None = None,
                 faults: Faults | None = None, **options: Any) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self._config = config if config is not None else EmulatorConfig()
        for key, value in options.items():
            if not hasattr(self._config, key):
                raise TypeError(f"unknown Emulator option {key!r}")
            setattr(self._config, key, value)
        self._faults = faults if faults is not None else Faults()
        self.counters = Counters()
        self.engine = Engine(history_size=self.config.history_size,
                             ids=_fast.IdGen if _fast is not None else None)
        #: partner id -> broker key (for partner/partner_sign).
        self.brokers: dict[str, str] = dict(brokers or {})
        self._accounts: dict[str, Account] = {}
        for a in accounts:
            self.add_account(a)
        self._sessions: set[_Session] = set()
        self._server: asyncio.AbstractServer | None = None
        self._check_cache: dict[Any, Rejected | ContractSpec] = {}
        self._shapes: dict[bytes, Any] = {}

    def __repr__(self) -> str:
        return f"Emulator(url={self.url if self._server is not None else None!r}, " \
               f"accounts={len(self._accounts)})"

    # ------------------------------------------------------------ switches
    @property
    def faults(self) -> Faults:
        """The fault switches (shared by every session; change fields at runtime)."""
        return self._faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        # Sessions hold the object itself, so assigning a new one copies it in (the
        # derived reply_path_plain follows the switches).
        for f in fields(Faults):
            if f.init:
                setattr(self._faults, f.name, getattr(value, f.name))

    @property
    def config(self) -> EmulatorConfig:
        """Gateway behaviour (shared by every session; change fields at runtime)."""
        return self._config

    @config.setter
    def config(self, value: EmulatorConfig) -> None:
        for f in fields(EmulatorConfig):
            setattr(self._config, f.name, getattr(value, f.name))

    # ------------------------------------------------------------ accounts & state
    @property
    def accounts(self) -> list[Account]:
        """The known accounts."""
        return list(self._accounts.values())

    def add_account(self, account: Account) -> None:
        """Register (or replace) an API key; takes effect for new connections."""
        self._accounts[account.api_key] = account

    def open_orders(self, account: Account | str | None = None,
                    symbol: str | None = None) -> list[OrderInfo]:
        """Resting orders of one account (an Account, api key or uid; default: the only
        or first account), optionally of one symbol, oldest first."""
        if account is None:
            if not self._accounts:
                return []
            account = next(iter(self._accounts.values()))
        if isinstance(account, Account):
            account_id = account.account_id
        else:
            acc = self._accounts.get(account)
            account_id = acc.account_id if acc is not None else account
        book = self.engine.books.get(account_id)
        if book is None:
            return []
        return [o for o in book.open.values() if symbol is None or o.symbol == symbol]

    def set_mark_price(self, symbol: str, price: Any) -> None:
        """Change the mark price limit orders are matched against."""
        self.engine.set_mark_price(symbol, price)

    @property
    def sessions(self) -> int:
        """Number of open connections."""
        return len(self._sessions)

    # ------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """``ws[s]://host:port/v1/private`` of the running server."""
        host = self.host if ":" not in self.host else f"[{self.host}]"
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://{host}:{self.port}{WS_PATH}"

    async def start(self) -> None:
        """Bind and start serving (the real port is in ``port``/``url`` afterwards)."""
        if self._server is not None:
            return
        loop = asyncio.get_running_loop()
        picows_logger = _PicowsLog(logging.getLogger("picows.server"), {})
        cfg = self.config

        if WSProtocol is None:
            # Public API only; refuse_mode "tcp" then degrades to closing right after
            # the upgrade (see _listener_factory).
            self._server = await ws_create_server(
                self._listener_factory, self.host, self.port, ssl=self.ssl_context,
                websocket_handshake_timeout=10.0, logger_name=picows_logger,
                enable_auto_pong=False, max_frame_size=cfg.max_frame_size)
        else:
            def protocol_factory() -> asyncio.BaseProtocol:
                f = self.faults
                if f.refuse_connections > 0 and f.refuse_mode == "tcp":
                    f.refuse_connections -= 1
                    self.counters.connections_refused += 1
                    return _RefusedProtocol()
                # Exactly what picows.ws_create_server builds per connection; it offers
                # no hook before the HTTP request, which "tcp" refusal needs.
                return WSProtocol(  # type: ignore[no-any-return]
                    None, None, False, self._listener_factory, picows_logger, True, 10.0,
                    False, 20, 20, WSAutoPingStrategy.PING_WHEN_IDLE,
                    False,  # auto-pong off: we answer pings so they count as activity
                    cfg.max_frame_size, None, 16 * 1024)

            self._server = await loop.create_server(protocol_factory, self.host, self.port,
                                                    ssl=self.ssl_context)
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        logger.info("emulator listening on %s", self.url)
        if cfg.busy_poll:
            loop.call_soon(self._keep_awake, loop)

    def _keep_awake(self, loop: asyncio.AbstractEventLoop) -> None:
        # Staying in the ready queue keeps the loop's poll at a zero timeout: no
        # sleeping in epoll, hence no wake-up latency when a request lands.
        if self._server is not None and self.config.busy_poll:
            loop.call_soon(self._keep_awake, loop)

    async def stop(self) -> None:
        """Close every connection (close frame 1001) and stop listening."""
        server = self._server
        if server is None:
            return
        self._server = None
        server.close()
        sessions = list(self._sessions)
        for s in sessions:
            s.close(WSCloseCode.GOING_AWAY, "server stopping")
        await asyncio.gather(*(self._await_gone(s) for s in sessions))
        await server.wait_closed()

    @staticmethod
    async def _await_gone(session: _Session) -> None:
        tr = session.transport
        if tr is None:
            return
        try:
            await asyncio.wait_for(tr.wait_disconnected(), 1.0)
        except asyncio.TimeoutError:
            tr.disconnect(False)  # the peer did not finish the close handshake

    async def __aenter__(self) -> Emulator:  # noqa: PYI034 (Self needs 3.11)
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def serve_forever(self) -> None:
        """Start (if needed) and serve until cancelled."""
        await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    # ------------------------------------------------------------ server-side events
    async def send_shutdown_notice(self, close: bool = False) -> int:
        """Send the 501000 notice (C envelope) to every authenticated session; with
        ``close`` also close them with 1001. Returns the number notified."""
        n = 0
        for s in list(self._sessions):
            if s.state == _ST_AUTHED:
                s._send_c("501000")
                n += 1
                if close:
                    s.close(WSCloseCode.GOING_AWAY, "501000")
        await asyncio.sleep(0)
        return n

    def expire_sessions(self) -> int:
        """Forced session expiry: close every authenticated session with 1001."""
        n = 0
        for s in list(self._sessions):
            if s.state == _ST_AUTHED:
                s.expire()
                n += 1
        return n

    # ------------------------------------------------------------ internals
    def _listener_factory(self, request: WSUpgradeRequest) -> Any:
        path, raw_query = split_target(request.path)
        if path != WS_PATH:
            return None
        f = self.faults
        if f.refuse_connections > 0:
            f.refuse_connections -= 1
            self.counters.connections_refused += 1
            if f.refuse_mode == "tcp":  # only reached without the picows internal hook
                return _AbortingListener()
            return WSUpgradeResponseWithListener(
                WSUpgradeResponse.create_error_response(503, b"503 Service Unavailable"), None)
        query = parse_query(raw_query, plus_is_space=self.config.strict_plus)
        enable_ns = query.get("enable_ns", "").lower() == "true"
        try:
            account: Account | None = authenticate(
                query, self._accounts, self.brokers, _time_ns() // 1_000_000,
                self.config.timestamp_window_ms)
            err = None
        except AuthError as e:
            account, err = None, e.code
        session = _Session(self, account, err, enable_ns)
        if _fast is not None and self.config.fast_path and account is not None:
            return _fast.FastListener(session, self._shapes, self.engine.ids, self._plan_for)
        return session

    @property
    def fast_path_available(self) -> bool:
        """Whether the compiled fast path is built and enabled."""
        return _fast is not None and self.config.fast_path

    def _plan_for(self, args_json: bytes, shape: bytes) -> Any:
        """Memo entry of the compiled path for an order shape: a Plan when such orders
        may fill on the fast path, False when the Python path must decide."""
        assert _fast is not None
        try:
            args = _loads(args_json)
        except ValueError:
            return False
        plan: Any = False
        checked = self._check_order(args)
        # The compiled path's reply buffers assume short ASCII symbols (all real ones are).
        if isinstance(checked, ContractSpec) and "stop" not in args \
                and len(checked.symbol) <= 32 and checked.symbol.isascii():
            order_type = args.get("type", "limit")
            side = args.get("side")
            if order_type == "market":
                plan = _fast.Plan(checked, checked.symbol, True, side == "buy", None, False)
            elif side in ("buy", "sell"):
                price = self.engine._price(checked, args["price"])
                maker_only = args.get("postOnly") is True or args.get("timeInForce") == "RPI"
                plan = _fast.Plan(checked, checked.symbol, False, side == "buy", price,
                                  maker_only)
        shapes = self._shapes
        if len(shapes) >= _CHECK_CACHE_MAX:
            shapes.clear()
        shapes[shape] = plan
        return plan

    def _check_order(self, args: Any) -> Rejected | ContractSpec:
        """Rule checks plus contract checks, memoised on the order's shape.

        Both are pure functions of the order minus its clientOid (once the clientOid
        itself is well-formed), so orders differing only in clientOid share an entry;
        value types are part of the key because ``True == 1``."""
        if type(args) is dict:
            coid = args.get("clientOid")
            if type(coid) is str and _COID_OK(coid):
                shape = args.copy()
                shape["clientOid"] = ""
                values = tuple(shape.values())
                key = (tuple(shape), tuple(map(type, values)), values)
                cache = self._check_cache
                try:
                    return cache[key]
                except KeyError:
                    pass
                except TypeError:  # unhashable value (list/dict): no memo
                    return self._check_order_uncached(args)
                res = self._check_order_uncached(args)
                if len(cache) >= _CHECK_CACHE_MAX:
                    cache.clear()
                cache[key] = res
                return res
        return self._check_order_uncached(args)

    def _check_order_uncached(self, args: Any) -> Rejected | ContractSpec:
        bad = _rules.validate_order(args, strict_keys=False)
        if bad is not None:
            return Rejected(bad.code, bad.msg)
        return self.engine.check_contract(args)

    def clear_caches(self) -> None:
        """Forget memoised order checks (call after changing ``engine.contracts``)."""
        self._check_cache.clear()
        self._shapes.clear()
        self.engine._price_cache.clear()


__all__: Sequence[str] = ("Counters", "Emulator")

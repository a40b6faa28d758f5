"""Pure-Python twins of :mod:`._sign`, :mod:`._encode` and :mod:`._dispatch`.

Same functions, same classes, same outputs (byte-identical frames, same verdicts,
same counters), written for clarity. The test suite runs every codec and dispatch
test against both; ``KUCOIN_FAST_NO_EXTENSIONS=1`` runs the whole client on these.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from base64 import b64encode
from collections.abc import Callable
from hmac import digest as _hmac_digest
from typing import Any
from urllib.parse import quote as _quote

from picows import WSCloseCode, WSListener, WSMsgType

from . import _rules
from ._rules import Violation
from .errors import (
    ClientClosedError,
    ConnectError,
    ConnectionLostError,
    InvalidParamsError,
    RequestTimeoutError,
    api_error,
    client_oids_of,
    handshake_error,
)
from .types import RateLimit

__all__ = [
    "Connection",
    "FrameBuffer",
    "OrderTemplate",
    "WSAPIResponse",
    "build_signed_query",
    "encode_ping",
    "encode_prepared_order",
    "encode_request",
    "hmac_sha256_b64",
    "percent_encode",
    "sign_challenge",
    "validate_request",
]

# =================================================================== signing


def hmac_sha256_b64(key: bytes, message: bytes) -> bytes:
    """``base64(HMAC_SHA256(key, message))`` as ASCII bytes."""
    return b64encode(_hmac_digest(key, message, "sha256"))


def sign_challenge(secret: bytes, challenge: bytes) -> bytes:
    """The session signature: HMAC of the challenge frame exactly as received."""
    return hmac_sha256_b64(secret, challenge)


def percent_encode(value: str) -> str:
    """Percent-encode everything but RFC 3986 unreserved characters."""
    return _quote(value, safe="")


def build_signed_query(
    api_key: str,
    api_secret: str,
    api_passphrase: str,
    timestamp_ms: int,
    partner: str | None = None,
    partner_key: str | None = None,
    enable_ns: bool = False,
) -> str:
    """The signed query string (without ``?``); see :func:`kucoin_fast._sign.build_signed_query`."""
    secret = api_secret.encode()
    ts = str(timestamp_ms)
    sign = hmac_sha256_b64(secret, (api_key + ts).encode()).decode("ascii")
    passphrase = hmac_sha256_b64(secret, api_passphrase.encode()).decode("ascii")
    parts = [
        "apikey=" + percent_encode(api_key),
        "timestamp=" + ts,
        "sign=" + percent_encode(sign),
        "passphrase=" + percent_encode(passphrase),
    ]
    if partner is not None:
        if partner_key is None:
            raise ValueError("partner requires partner_key")
        partner_sign = hmac_sha256_b64(partner_key.encode(), (ts + partner + api_key).encode())
        parts.append("partner=" + percent_encode(partner))
        parts.append("partner_sign=" + percent_encode(partner_sign.decode("ascii")))
    if enable_ns:
        parts.append("enable_ns=true")
    return "&".join(parts)


# ================================================================== encoding
FRAME_HEADROOM = 16
_MAX_DEPTH = 32
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                  "\t": "\\t"}
_ESCAPE_RE = re.compile('[\x00-\x1f"\\\\\ud800-\udfff]')


class _NotJSONError(Exception):
    """A value the encoder cannot represent in JSON (internal)."""


class FrameBuffer:
    """A bytearray with ``FRAME_HEADROOM`` bytes reserved in front of the payload."""

    def __init__(self, initial_capacity: int = 512) -> None:
        self.data = bytearray(FRAME_HEADROOM)

    def reset(self) -> None:
        """Start a new frame."""
        del self.data[FRAME_HEADROOM:]

    def getvalue(self) -> bytes:
        """The current payload (a copy)."""
        return bytes(self.data[FRAME_HEADROOM:])

    @property
    def headroom(self) -> int:
        """Bytes reserved in front of the payload for the WebSocket header."""
        return FRAME_HEADROOM


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _json_str(value: str) -> bytes:
    return ('"' + _ESCAPE_RE.sub(_escape_char, value) + '"').encode("utf-8")


def _write_float(out: bytearray, value: float) -> None:
    if not math.isfinite(value):
        raise _NotJSONError("non-finite float")
    out += float.__repr__(value).encode("ascii")


def _write_value(out: bytearray, value: Any, depth: int) -> None:
    t = type(value)
    if t is str:
        out += _json_str(value)
    elif t is bool:
        out += b"true" if value else b"false"
    elif t is int:
        out += int.__repr__(value).encode("ascii")
    elif t is float:
        _write_float(out, value)
    elif value is None:
        out += b"null"
    elif depth >= _MAX_DEPTH:
        raise _NotJSONError("nested too deeply")
    elif isinstance(value, dict):
        out += b"{"
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise _NotJSONError("object keys must be strings")
            if not first:
                out += b","
            first = False
            out += _json_str(key)
            out += b":"
            _write_value(out, item, depth + 1)
        out += b"}"
    elif isinstance(value, (list, tuple)):
        out += b"["
        for i, item in enumerate(value):
            if i:
                out += b","
            _write_value(out, item, depth + 1)
        out += b"]"
    elif isinstance(value, str):
        out += _json_str(value)
    elif isinstance(value, int):
        out += int.__repr__(value).encode("ascii")
    elif isinstance(value, float):
        _write_float(out, value)
    else:
        raise _NotJSONError(f"{type(value).__name__} is not JSON-serialisable")


def _write_generic_args(out: bytearray, args: Any, op: str) -> None:
    try:
        _write_value(out, args, 0)
    except _NotJSONError as exc:
        raise InvalidParamsError(
            Violation("400100", "args", "must contain only JSON values (" + str(exc) + ")"), op
        ) from exc


def encode_request(buf: FrameBuffer, request_id: int, op: str, args: Any) -> int:
    """Validate with ``_rules`` and write the request frame; returns the payload size."""
    violation = _rules.validate_request(op, args, strict_keys=True)
    if violation is not None:
        raise InvalidParamsError(violation, op)
    buf.reset()
    out = buf.data
    out += b'{"id":"%d","op":' % request_id
    out += _json_str(op)
    out += b',"args":'
    _write_generic_args(out, args, op)
    out += b"}"
    return len(out) - FRAME_HEADROOM


def encode_ping(buf: FrameBuffer, ping_number: int) -> int:
    """Write the keepalive ``{"id":"ping-<n>","op":"ping"}``."""
    buf.reset()
    buf.data += b'{"id":"ping-%d","op":"ping"}' % ping_number
    return len(buf.data) - FRAME_HEADROOM


def validate_request(op: str, args: Any) -> Violation | None:
    """The client's verdict (exactly ``_rules``', plus the JSON-values check)."""
    try:
        encode_request(FrameBuffer(), 1, op, args)
    except InvalidParamsError as exc:
        return exc.violation
    return None


class OrderTemplate:
    """A validated order; per send only clientOid, price and the size field change."""

    def __init__(self, template: dict[str, Any]) -> None:
        if template is None:
            raise TypeError("template must be a dict")
        violation = _rules.validate_order(template, strict_keys=True)
        if violation is not None:
            raise InvalidParamsError(violation, _rules.OP_ORDER)
        size_fields = [name for name in _rules.SIZE_FIELDS if name in template]
        if len(size_fields) != 1:
            raise InvalidParamsError(
                Violation("400100", "size",
                          "a prepared order needs exactly one of size, qty, valueQty"),
                _rules.OP_ORDER,
            )
        self.size_field: str = size_fields[0]
        self.price_required: bool = template.get("type", "limit") == "limit"
        self._template = dict(template)
        out = bytearray()
        for name, value in template.items():
            if name in ("clientOid", "price", self.size_field):
                continue
            out += b","
            out += _json_str(name)
            out += b":"
            _write_generic_args(out, value, _rules.OP_ORDER)
        self._static_args = bytes(out)

    def as_order(self, price: Any, size: Any, client_oid: Any) -> dict[str, Any]:
        """The full order dict a send with these values stands for."""
        order = dict(self._template)
        order["clientOid"] = client_oid
        if price is None:
            order.pop("price", None)
        else:
            order["price"] = price
        order[self.size_field] = size
        return order


def encode_prepared_order(
    buf: FrameBuffer, request_id: int, template: OrderTemplate, price: Any, size: Any,
    client_oid: Any,
) -> int:
    """Write a ``futures.order`` frame from a template; returns the payload size."""
    violation = _rules.validate_order(template.as_order(price, size, client_oid), strict_keys=True)
    if violation is not None:
        raise InvalidParamsError(violation, _rules.OP_ORDER)
    buf.reset()
    out = buf.data
    out += b'{"id":"%d","op":"futures.order","args":{"clientOid":' % request_id
    _write_generic_args(out, client_oid, _rules.OP_ORDER)
    if price is not None:
        out += b',"price":'
        _write_generic_args(out, price, _rules.OP_ORDER)
    out += b","
    out += _json_str(template.size_field)
    out += b":"
    _write_generic_args(out, size, _rules.OP_ORDER)
    out += template._static_args
    out += b"}}"
    return len(out) - FRAME_HEADROOM


# ================================================================== dispatch
_FORGOTTEN_MAX = 65536
_MAX_ID_DIGITS = 18


class WSAPIResponse:
    """One WS API reply; see :class:`kucoin_fast._dispatch.WSAPIResponse`."""

    __slots__ = ("code", "data", "id", "in_time", "msg", "op", "out_time", "rate_limit", "ws_key")

    def __init__(self, id: str, op: str, code: str, msg: Any = None, data: Any = None,
                 in_time: int | None = None, out_time: int | None = None,
                 rate_limit: RateLimit | None = None, ws_key: str = "") -> None:
        self.id = id
        self.op = op
        self.code = code
        self.msg = msg
        self.data = data
        self.in_time = in_time
        self.out_time = out_time
        self.rate_limit = rate_limit
        self.ws_key = ws_key

    @property
    def ok(self) -> bool:
        """True when ``code`` is ``"200000"``."""
        return self.code == _rules.SUCCESS_CODE

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
    __slots__ = ("args", "deadline", "is_callback", "op", "request_id", "waiter")

    def __init__(self, waiter: Any, is_callback: bool, op: str, args: Any, deadline: float,
                 request_id: int) -> None:
        self.waiter = waiter
        self.is_callback = is_callback
        self.op = op
        self.args = args
        self.deadline = deadline
        self.request_id = request_id


def _int_or_none(value: Any) -> int | None:
    return value if type(value) is int else None


def _parse_request_id(text: str) -> int:
    if not (1 <= len(text) <= _MAX_ID_DIGITS) or not text.isascii() or not text.isdigit() \
            or text[0] == "0":
        return -1
    return int(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _loads(payload: bytes) -> Any:
    return json.loads(payload, parse_constant=_reject_constant)


_AWAIT_CONNECT, _AWAIT_CHALLENGE, _AWAIT_WELCOME, _READY, _CLOSED = range(5)


class Connection(WSListener):
    """Pure-Python twin of :class:`kucoin_fast._dispatch.Connection`."""

    def __init__(self, loop: Any, *, ws_key: str, secret: bytes, request_timeout: float,
                 url_timestamp_ms: int = 0,
                 on_lost: Callable[[Any, Any], None] | None = None,
                 logger: Any = None, ping_interval: float | None = None,
                 ping_timeout: float | None = None, coalesce_writes: bool = False) -> None:
        # coalesce_writes is accepted for interface parity; the twin always sends at once.
        super().__init__()
        self._loop = loop
        self.ws_key = ws_key
        self._secret = secret
        self._request_timeout = request_timeout
        self._url_timestamp_ms = url_timestamp_ms
        self._on_lost = on_lost
        self._logger = logger if logger is not None else logging.getLogger("kucoin_fast")
        self._debug = self._logger.isEnabledFor(logging.DEBUG)
        self._ping_interval_override = ping_interval
        self._ping_timeout_override = ping_timeout
        self._buf = FrameBuffer()
        self._pending: dict[int, _Pending] = {}
        self._forgotten_ids: dict[int, None] = {}
        self._next_id = 1
        self.last_request_id = 0
        self._state = _AWAIT_CONNECT
        self.transport: Any = None
        self.handshake_done = loop.create_future()
        self.session_id: Any = None
        self.ping_interval = 0.0
        self.ping_timeout = 0.0
        self._deadline_handle: Any = None
        self._ping_handle: Any = None
        self._pong_deadline_handle: Any = None
        self._ping_number = 0
        self._awaited_pong = 0
        self._lost_reason: str | None = None
        self.server_notice: Any = None
        self.replies = 0
        self.late_replies = 0
        self.unknown_replies = 0
        self.duplicate_replies = 0
        self.malformed_frames = 0
        self.unsolicited_errors = 0
        self.pongs = 0
        self.lost_client_oids: tuple[str, ...] = ()
        self.lost_requests = 0
        self.write_paused = False
        self.on_write_resumed: Callable[[Any], None] | None = None
        self.on_notice: Callable[[Any, str, Any], None] | None = None

    def __repr__(self) -> str:
        return f"<Connection ws_key={self.ws_key!r} state={self.state} pending={len(self._pending)}>"

    @property
    def state(self) -> str:
        """``connecting``, ``authenticating``, ``ready`` or ``closed``."""
        return ("connecting", "authenticating", "authenticating", "ready", "closed")[self._state]

    @property
    def is_ready(self) -> bool:
        """True between KuCoin's welcome and the end of the connection."""
        return self._state == _READY

    @property
    def pending_count(self) -> int:
        """Requests sent and not yet answered, failed or timed out."""
        return len(self._pending)

    @property
    def lost_reason(self) -> str | None:
        """Why the connection ended (None while it is alive)."""
        return self._lost_reason

    def stats(self) -> dict[str, int]:
        """Counters of this connection."""
        return {
            "replies": self.replies,
            "late_replies": self.late_replies,
            "unknown_replies": self.unknown_replies,
            "duplicate_replies": self.duplicate_replies,
            "malformed_frames": self.malformed_frames,
            "unsolicited_errors": self.unsolicited_errors,
            "pongs": self.pongs,
            "pending": len(self._pending),
        }

    # -------------------------------------------------------------- sending
    def _send_payload(self, size: int) -> None:
        self.transport.send_reuse_external_bytearray(WSMsgType.TEXT, self._buf.data, FRAME_HEADROOM)

    def _check_sendable(self, op: str, args: Any) -> None:
        tr = self.transport
        if self._state != _READY or tr is None or tr.is_disconnected or tr.is_close_frame_sent:
            raise ConnectionLostError(
                f"{op} not sent: connection is {self.state}"
                + (f" ({self._lost_reason})" if self._lost_reason else ""),
                op=op, ws_key=self.ws_key, sent=False, outcome_unknown=False,
                client_oids=client_oids_of(op, args))

    def _register(self, request_id: int, op: str, args: Any, waiter: Any,
                  is_callback: bool) -> None:
        deadline = self._loop.time() + self._request_timeout
        self._pending[request_id] = _Pending(waiter, is_callback, op, args, deadline, request_id)
        self.last_request_id = request_id
        if self._deadline_handle is None:
            self._deadline_handle = self._loop.call_at(deadline, self._on_deadline)

    def request(self, op: str, args: Any) -> Any:
        """Validate, encode and send one request; returns the future of its reply."""
        request_id = self._next_id
        self._check_sendable(op, args)
        size = encode_request(self._buf, request_id, op, args)
        self._next_id = request_id + 1
        self._send_payload(size)
        waiter = self._loop.create_future()
        self._register(request_id, op, args, waiter, False)
        return waiter

    async def call(self, op: str, args: Any) -> WSAPIResponse:
        """Coroutine: send one request and return its reply (see the compiled twin)."""
        request_id = self._next_id
        self._check_sendable(op, args)
        size = encode_request(self._buf, request_id, op, args)
        self._next_id = request_id + 1
        self._send_payload(size)
        waiter = self._loop.create_future()
        self._register(request_id, op, args, waiter, False)
        try:
            return await waiter  # type: ignore[no-any-return]
        except asyncio.CancelledError:
            self.forget(request_id)
            raise

    def request_with_callback(self, op: str, args: Any, callback: Callable[[Any], None]) -> int:
        """Like :meth:`request` with ``callback(result)`` instead of a future."""
        request_id = self._next_id
        self._check_sendable(op, args)
        size = encode_request(self._buf, request_id, op, args)
        self._next_id = request_id + 1
        self._send_payload(size)
        self._register(request_id, op, args, callback, True)
        return request_id

    def send_prepared(self, template: OrderTemplate, price: Any, size: Any, client_oid: Any,
                      callback: Callable[[Any], None]) -> int:
        """Send a ``futures.order`` from a prepared template."""
        request_id = self._next_id
        if self._state != _READY:
            self._check_sendable(_rules.OP_ORDER, None)
        n = encode_prepared_order(self._buf, request_id, template, price, size, client_oid)
        self._next_id = request_id + 1
        self._send_payload(n)
        self._register(request_id, _rules.OP_ORDER, client_oid, callback, True)
        return request_id

    def forget(self, request_id: int) -> None:
        """Drop a pending request whose caller gave up; a later reply counts as late."""
        if self._pending.pop(request_id, None) is not None:
            self._remember_forgotten(request_id)

    def _remember_forgotten(self, request_id: int) -> None:
        self._forgotten_ids[request_id] = None
        if len(self._forgotten_ids) > _FORGOTTEN_MAX:
            del self._forgotten_ids[next(iter(self._forgotten_ids))]

    # ----------------------------------------------------------- completion
    def _complete(self, entry: _Pending, result: Any, failed: bool) -> None:
        waiter = entry.waiter
        if entry.is_callback:
            try:
                waiter(result)
            except Exception as exc:  # noqa: BLE001 - user code: report, never break dispatch
                self._loop.call_exception_handler({
                    "message": "kucoin_fast: completion callback raised",
                    "exception": exc,
                })
        elif not waiter.done():
            if failed:
                waiter.set_exception(result)
            else:
                waiter.set_result(result)
        elif not failed:
            self.late_replies += 1

    def _on_deadline(self) -> None:
        now = self._loop.time()
        self._deadline_handle = None
        expired = []
        for entry in self._pending.values():
            # 1 ms slack: uvloop's timers have ms resolution and may fire a hair early;
            # without it the timer would re-arm for the same deadline and spin.
            if entry.deadline > now + 0.001:
                break
            expired.append(entry)
        for entry in expired:
            del self._pending[entry.request_id]
            self._remember_forgotten(entry.request_id)
            self._complete(entry, RequestTimeoutError(
                f"no reply to {entry.op} id={entry.request_id} within "
                f"{self._request_timeout:g}s: outcome unknown",
                request_id=str(entry.request_id), op=entry.op, ws_key=self.ws_key,
                sent=True, outcome_unknown=True,
                client_oids=client_oids_of(entry.op, entry.args)), True)
        if self._pending and self._deadline_handle is None and self._state != _CLOSED:
            first = next(iter(self._pending.values()))
            self._deadline_handle = self._loop.call_at(first.deadline, self._on_deadline)

    def _fail_all(self, reason: str, by_client: bool) -> None:
        pending = self._pending
        self._pending = {}
        cls = ClientClosedError if by_client else ConnectionLostError
        lost: list[str] = []
        for entry in pending.values():
            self._remember_forgotten(entry.request_id)
            oids = client_oids_of(entry.op, entry.args)
            lost.extend(oids)
            self._complete(entry, cls(
                f"{reason}: {entry.op} id={entry.request_id} was sent, outcome unknown",
                request_id=str(entry.request_id), op=entry.op, ws_key=self.ws_key,
                sent=True, outcome_unknown=True, client_oids=oids), True)
        self.lost_client_oids = tuple(lost)
        self.lost_requests = len(pending)

    def _cancel_timers(self) -> None:
        for name in ("_deadline_handle", "_ping_handle", "_pong_deadline_handle"):
            handle = getattr(self, name)
            if handle is not None:
                handle.cancel()
                setattr(self, name, None)

    def _end(self, reason: str, by_client: bool, handshake_exc: BaseException | None) -> None:
        if self._state == _CLOSED:
            return
        self._state = _CLOSED
        if self._lost_reason is None:
            self._lost_reason = reason
        self._cancel_timers()
        if not self.handshake_done.done():
            self.handshake_done.set_exception(
                handshake_exc if handshake_exc is not None else ConnectError(
                    f"connection ended during the handshake: {reason}"))
        self._fail_all(reason, by_client)

    def close(self) -> None:
        """Close from our side: pending requests fail with ``ClientClosedError``."""
        self._end("client closed the connection", True, None)
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.send_close(WSCloseCode.OK)
            self.transport.disconnect()

    def abort(self, reason: str) -> None:
        """Declare the connection dead: fail everything now, drop the socket."""
        self._end(reason, False, None)
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.disconnect(False)

    # ------------------------------------------------------------ keepalive
    def _send_ping(self) -> None:
        self._ping_handle = None
        if self._state != _READY:
            return
        self._ping_number += 1
        n = encode_ping(self._buf, self._ping_number)
        self._send_payload(n)
        if self._pong_deadline_handle is None:
            self._awaited_pong = self._ping_number
            self._pong_deadline_handle = self._loop.call_later(self.ping_timeout,
                                                               self._on_pong_timeout)
        self._ping_handle = self._loop.call_later(self.ping_interval, self._send_ping)

    def _on_pong_timeout(self) -> None:
        self._pong_deadline_handle = None
        if self._debug:
            self._logger.debug("%s: no pong within %.3fs, connection is dead", self.ws_key,
                               self.ping_timeout)
        self.abort(f"no pong within {self.ping_timeout:g}s (keepalive)")

    def _on_pong(self, id_text: str) -> None:
        number = _parse_request_id(id_text[5:])
        self.pongs += 1
        if number >= self._awaited_pong and self._pong_deadline_handle is not None:
            self._pong_deadline_handle.cancel()
            self._pong_deadline_handle = None

    # ------------------------------------------------------- picows callbacks
    def pause_writing(self) -> None:
        """picows: the socket's write buffer crossed its high-water mark."""
        self.write_paused = True

    def resume_writing(self) -> None:
        """picows: the write buffer drained below its low-water mark."""
        self.write_paused = False
        if self.on_write_resumed is not None:
            self.on_write_resumed(self)

    def on_ws_connected(self, transport: Any) -> None:
        self.transport = transport
        if self._state == _AWAIT_CONNECT:
            self._state = _AWAIT_CHALLENGE

    def on_ws_disconnected(self, transport: Any) -> None:
        reason = "connection lost"
        handshake = transport.close_handshake if transport is not None else None
        if handshake is not None and handshake.recv is not None:
            reason = f"server closed the connection (code {int(handshake.recv.code)})"
        self._end(reason, False, None)
        if self._on_lost is not None:
            self._on_lost(self, self._lost_reason)

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        if frame.msg_type == WSMsgType.TEXT and frame.fin:
            payload = frame.get_payload_as_bytes()
            if self._state == _READY:
                self._handle_reply(payload)
            elif self._state in (_AWAIT_CHALLENGE, _AWAIT_WELCOME):
                self._handle_handshake(payload)
            else:
                self._drop_frame("frame after close")
        elif frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
        elif frame.msg_type in (WSMsgType.PING, WSMsgType.PONG):
            pass
        else:
            self._drop_frame("binary or fragmented frame")

    def _drop_frame(self, why: str) -> None:
        self.malformed_frames += 1
        if self._debug:
            self._logger.debug("%s: dropped server frame: %s", self.ws_key, why)

    def _handle_reply(self, payload: bytes) -> None:
        try:
            doc = _loads(payload)
        except (ValueError, RecursionError):  # JSONDecodeError, bad UTF-8, nested too deep
            self._drop_frame("not valid JSON")
            return
        if type(doc) is not dict:
            self._drop_frame("not a JSON object")
            return
        rid = doc.get("id", _MISSING)
        code = doc.get("code", _MISSING)
        msg = doc.get("msg")
        if type(rid) is not str:
            if rid is _MISSING and type(code) is str:
                self._on_unsolicited_error(code, msg)
                return
            self._drop_frame("reply without a string id")
            return
        if len(rid) > 5 and rid.startswith("ping-"):
            self._on_pong(rid)
            return
        request_id = _parse_request_id(rid)
        entry = self._pending.get(request_id) if request_id > 0 else None
        if entry is None:
            if request_id > 0 and request_id in self._forgotten_ids:
                self.late_replies += 1
                why = "late reply"
            elif 0 < request_id < self._next_id:
                self.duplicate_replies += 1
                why = "duplicate reply"
            else:
                self.unknown_replies += 1
                why = "reply with an unknown id"
            if self._debug:
                self._logger.debug("%s: dropped %s (id %s)", self.ws_key, why, rid[:40])
            return
        if type(code) is not str:
            self._drop_frame("reply without a string code")
            return
        del self._pending[request_id]
        self.replies += 1
        op = doc.get("op")
        rl = doc.get("userRateLimit", doc.get("rateLimit", _MISSING))
        if "userRateLimit" in doc and "rateLimit" in doc:
            # Same as the compiled dispatcher: the later key in the frame wins.
            keys = list(doc)
            rl = doc["userRateLimit"] if keys.index("userRateLimit") > keys.index("rateLimit") \
                else doc["rateLimit"]
        rate_limit = None
        if rl is not _MISSING and type(rl) is dict:
            rate_limit = RateLimit(_int_or_none(rl.get("limit")), _int_or_none(rl.get("remaining")),
                                   _int_or_none(rl.get("reset")))
        resp = WSAPIResponse(
            rid, op if type(op) is str else entry.op, code, msg, doc.get("data"),
            _int_or_none(doc.get("inTime")), _int_or_none(doc.get("outTime")), rate_limit,
            self.ws_key)
        if code == _rules.SUCCESS_CODE:
            self._complete(entry, resp, False)
            return
        self._complete(entry, api_error(
            code, msg if isinstance(msg, str) else None, response=resp, request_id=rid,
            op=entry.op, ws_key=self.ws_key, client_oids=client_oids_of(entry.op, entry.args),
            rate_limit=rate_limit), True)

    def _on_unsolicited_error(self, code: str, msg: Any) -> None:
        self.unsolicited_errors += 1
        self.server_notice = (code, msg)
        if self._debug:
            self._logger.debug("%s: server error frame without id: code %s", self.ws_key, code)
        if self.on_notice is not None:
            try:
                self.on_notice(self, code, msg)
            except Exception as exc:  # noqa: BLE001 - never break the frame handler
                self._loop.call_exception_handler({
                    "message": "kucoin_fast: on_notice callback raised", "exception": exc})

    def _handle_handshake(self, payload: bytes) -> None:
        try:
            doc = _loads(payload)
        except (ValueError, RecursionError):
            self._fail_handshake(ConnectError("the gateway sent a non-JSON handshake frame"))
            return
        if type(doc) is not dict:
            self._fail_handshake(ConnectError("the gateway sent a non-object handshake frame"))
            return
        code = doc.get("code")
        msg = doc.get("msg")
        session_id = doc.get("sessionId")
        ping_interval = _int_or_none(doc.get("pingInterval"))
        ping_timeout = _int_or_none(doc.get("pingTimeout"))
        if code is not None and code != _rules.SUCCESS_CODE:
            self._fail_handshake(handshake_error(
                str(code), msg if isinstance(msg, str) else None,
                _int_or_none(doc.get("inTime")), self._url_timestamp_ms))
            return
        if self._state == _AWAIT_CHALLENGE:
            if session_id is None or ping_interval is not None:
                self._fail_handshake(ConnectError(
                    "the gateway's first frame is not a session challenge"))
                return
            signature = sign_challenge(self._secret, payload)
            self.session_id = session_id
            self._state = _AWAIT_WELCOME
            self.transport.send(WSMsgType.TEXT, signature)
            return
        if ping_interval is None:
            self._fail_handshake(ConnectError("the gateway's second frame is not the welcome"))
            return
        po = self._ping_interval_override
        self.ping_interval = po if po is not None and po > 0 else ping_interval / 1000.0
        to = self._ping_timeout_override
        if to is not None and to > 0:
            self.ping_timeout = to
        elif ping_timeout is not None and ping_timeout > 0:
            self.ping_timeout = ping_timeout / 1000.0
        else:
            self.ping_timeout = 10.0
        if self.ping_interval <= 0:
            self.ping_interval = 18.0
        self._state = _READY
        self._ping_handle = self._loop.call_later(self.ping_interval, self._send_ping)
        if not self.handshake_done.done():
            self.handshake_done.set_result(None)

    def _fail_handshake(self, exc: BaseException) -> None:
        self._end(str(exc), False, exc)
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.send_close(WSCloseCode.OK)
            self.transport.disconnect()


_MISSING: Any = object()

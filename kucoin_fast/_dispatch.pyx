# cython: language_level=3, autotestdict=False, auto_pickle=False
# distutils: language=c++
"""The per-connection object: handshake, keepalive, request correlation, frame dispatch.

:class:`Connection` is a picows ``WSListener`` written in Cython. One instance holds
*all* state of one WebSocket connection (transport, pending table, id counter,
parser, timers, counters), so a reconnect replaces the object instead of resetting
fields. It holds no policy beyond the protocol: the facade (:mod:`kucoin_fast.client`)
decides when to connect and what to do after a loss.

Hot path: ``request()`` encodes into the connection's :class:`FrameBuffer` and hands
the buffer to ``send_reuse_external_buffer`` (no copy; picows masks it in place).
``on_ws_frame`` parses the payload in place (``frame.payload_ptr``) with the
connection's one simdjson parser, copies the few fields it needs into Python objects
*before returning* (the parser's document dies at the next parse and the frame's
memory belongs to picows), pops the waiter by id and resolves it right there: no
queue, no reader task.

Deadlines: the request timeout is fixed per connection and ids are increasing, so
the pending dict (insertion ordered) is also ordered by deadline. One timer, armed
for the oldest pending request, expires everything due and re-arms itself; there is
no timer handle per request.

Malformed frames (not JSON, not an object, binary, fragmented, missing/non-string
id, wrong field types) never raise out of the callback: they are counted, logged at
DEBUG (never their content) and dropped. A pending request whose reply was
malformed stays pending and times out with ``outcome_unknown``.
"""
cimport cython
from cpython.dict cimport PyDict_DelItem, PyDict_GetItem
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeUTF8, PyUnicode_DecodeLatin1
from cython.operator cimport dereference, preincrement
from libc.stdint cimport uint32_t
from libc.stdlib cimport rand
from libc.string cimport memcmp

from picows.picows cimport WSListener, WSTransport, WSFrame, WSMsgType, WSCloseCode

from kucoin_fast._encode cimport (FrameBuffer, OrderTemplate, FRAME_HEADROOM, encode_request,
                                  encode_prepared_order, encode_ping)
from kucoin_fast._sign cimport sign_challenge

from asyncio import CancelledError

from kucoin_fast import _rules
from kucoin_fast.errors import (
    ClientClosedError,
    ConnectError,
    ConnectionLostError,
    RequestTimeoutError,
    api_error,
    client_oids_of,
    handshake_error,
)
from kucoin_fast.types import RateLimit

cdef enum _State:
    _AWAIT_CONNECT = 0
    _AWAIT_CHALLENGE = 1
    _AWAIT_WELCOME = 2
    _READY = 3
    _CLOSED = 4

cdef str _SUCCESS = _rules.SUCCESS_CODE
cdef bytes _SUCCESS_B = _SUCCESS.encode()
cdef tuple _KNOWN_OPS = (_rules.OP_ORDER, _rules.OP_CANCEL, _rules.OP_MULTI_ORDER,
                         _rules.OP_MULTI_CANCEL, _rules.OP_PONG)
cdef tuple _KNOWN_OPS_B = tuple(op.encode() for op in _KNOWN_OPS)
#: Ids of timed-out/cancelled requests remembered to tell late replies from duplicates.
cdef Py_ssize_t _FORGOTTEN_MAX = 65536
cdef int _MAX_ID_DIGITS = 18
#: Keys of reply data objects, decoded once instead of per reply.
cdef tuple _COMMON_KEYS = ("orderId", "clientOid", "symbol", "code", "msg", "cancelledOrderIds")
cdef tuple _COMMON_KEYS_B = tuple(k.encode() for k in _COMMON_KEYS)


cdef object _key_str(const char* ptr, Py_ssize_t size):
    cdef Py_ssize_t i
    cdef bytes candidate
    for i in range(len(_COMMON_KEYS_B)):
        candidate = <bytes>_COMMON_KEYS_B[i]
        if len(candidate) == size and memcmp(<const char*>candidate, ptr, size) == 0:
            return _COMMON_KEYS[i]
    return PyUnicode_DecodeUTF8(ptr, size, NULL)


@cython.freelist(256)
cdef class WSAPIResponse:
    """One WS API reply (success, or the reply carried by a :class:`KucoinAPIError`).

    ``id``/``op`` echo the request; ``code`` is KuCoin's string code; ``msg`` its
    text (usually None on success); ``data`` the decoded payload; ``in_time``/
    ``out_time`` the gateway's receive/send times (ms, or ns with ``enable_ns``);
    ``rate_limit`` a :class:`~kucoin_fast.types.RateLimit` when the reply had one;
    ``ws_key`` the connection it came on.
    """

    def __init__(self, str id, str op, str code, msg=None, data=None, in_time=None,
                 out_time=None, rate_limit=None, str ws_key=""):
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
        return self.code == _SUCCESS

    def to_dict(self) -> dict:
        """The reply as a plain dict (KuCoin's field names)."""
        out = {"id": self.id, "op": self.op, "code": self.code}
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


@cython.freelist(256)
cdef class _Pending:
    """One request waiting for its reply (allocated per request: kept on a freelist)."""


# ------------------------------------------------------------------ simdjson
cdef object _to_py(simd_element el):
    """Copy a simdjson element into Python objects (the document dies at the next parse)."""
    cdef element_type t = el.type()
    cdef simd_object obj
    cdef simd_object.iterator it, end
    cdef simd_array arr
    cdef simd_array.iterator ait, aend
    cdef dict d
    cdef list lst
    if t == element_type.STRING:
        return PyUnicode_DecodeUTF8(el.get_c_str(), el.get_string_length(), NULL)
    if t == element_type.INT64:
        return el.get_int64()
    if t == element_type.UINT64:
        return el.get_uint64()
    if t == element_type.DOUBLE:
        return el.get_double()
    if t == element_type.BOOL:
        return True if el.get_bool() else False
    if t == element_type.NULL_VALUE:
        return None
    if t == element_type.OBJECT:
        d = {}
        obj = el.get_object()
        it = obj.begin()
        end = obj.end()
        while it != end:
            d[_key_str(it.key_c_str(), it.key_length())] = _to_py(it.value())
            preincrement(it)
        return d
    lst = []
    arr = el.get_array()
    ait = arr.begin()
    aend = arr.end()
    while ait != aend:
        lst.append(_to_py(dereference(ait)))
        preincrement(ait)
    return lst


cdef inline bint _key_is(const char* key, uint32_t key_len, const char* name,
                         uint32_t name_len) noexcept:
    return key_len == name_len and memcmp(key, name, name_len) == 0


cdef object _int_or_none(simd_element el):
    cdef element_type t = el.type()
    if t == element_type.INT64:
        return el.get_int64()
    if t == element_type.UINT64:
        return el.get_uint64()
    return None


cdef object _rate_limit(simd_element el):
    cdef simd_object obj
    cdef simd_object.iterator it, end
    cdef object limit = None, remaining = None, reset = None
    if el.type() != element_type.OBJECT:
        return None
    obj = el.get_object()
    it = obj.begin()
    end = obj.end()
    while it != end:
        if _key_is(it.key_c_str(), it.key_length(), b"limit", 5):
            limit = _int_or_none(it.value())
        elif _key_is(it.key_c_str(), it.key_length(), b"remaining", 9):
            remaining = _int_or_none(it.value())
        elif _key_is(it.key_c_str(), it.key_length(), b"reset", 5):
            reset = _int_or_none(it.value())
        preincrement(it)
    return RateLimit(limit, remaining, reset)


cdef long long _parse_request_id(const char* ptr, Py_ssize_t size) noexcept:
    """Our ids are decimal counters without leading zeros; anything else is -1."""
    cdef long long value = 0
    cdef Py_ssize_t i
    cdef char c
    if size < 1 or size > _MAX_ID_DIGITS or ptr[0] == 48:
        return -1
    for i in range(size):
        c = ptr[i]
        if c < 48 or c > 57:
            return -1
        value = value * 10 + (c - 48)
    return value


cdef object _known_op(const char* ptr, Py_ssize_t size):
    cdef Py_ssize_t i
    cdef bytes candidate
    for i in range(len(_KNOWN_OPS_B)):
        candidate = <bytes>_KNOWN_OPS_B[i]
        if len(candidate) == size and memcmp(<const char*>candidate, ptr, size) == 0:
            return _KNOWN_OPS[i]
    return PyUnicode_DecodeUTF8(ptr, size, NULL)


cdef class Connection(WSListener):
    """All state of one authenticated WS API connection (see module docstring).

    Create it, pass ``lambda: conn`` to picows' ``ws_connect``, then await
    ``conn.handshake_done`` (resolved after KuCoin's welcome, or failed with
    :class:`~kucoin_fast.errors.AuthenticationError`/``ConnectError``).
    ``on_lost(conn, reason)`` is called once when the connection ends.
    """

    def __cinit__(self):
        self._parser = new simd_parser()

    def __dealloc__(self):
        del self._parser
        self._parser = NULL

    def __init__(self, loop, *, str ws_key, bytes secret, double request_timeout,
                 long long url_timestamp_ms=0, on_lost=None, logger=None,
                 ping_interval=None, ping_timeout=None, bint coalesce_writes=False):
        import logging
        self._loop = loop
        if coalesce_writes:
            # Frames are framed and masked here and written once per loop iteration;
            # mem starts at offset 0 (no headroom needed): reset pos.
            self._cork = FrameBuffer(4096)
            self._cork.pos = 0
        self._time = loop.time
        self._create_future = loop.create_future
        self.ws_key = ws_key
        self._secret = secret
        self._request_timeout = request_timeout
        self._url_timestamp_ms = url_timestamp_ms
        self._on_lost = on_lost
        self._logger = logger if logger is not None else logging.getLogger("kucoin_fast")
        self._debug = self._logger.isEnabledFor(logging.DEBUG)
        self._ping_interval_override = -1.0 if ping_interval is None else ping_interval
        self._ping_timeout_override = -1.0 if ping_timeout is None else ping_timeout
        self._buf = FrameBuffer()
        self._pending = {}
        self._forgotten_ids = {}
        self._next_id = 1
        self._state = _AWAIT_CONNECT
        self.handshake_done = loop.create_future()
        self.lost_client_oids = ()

    def __repr__(self) -> str:
        return (f"<Connection ws_key={self.ws_key!r} state={self.state} "
                f"pending={len(self._pending)}>")

    # ----------------------------------------------------------- properties
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
    def lost_reason(self):
        """Why the connection ended (None while it is alive)."""
        return self._lost_reason

    def stats(self) -> dict:
        """Counters of this connection (replies, dropped frames by reason, pongs)."""
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
    cdef int _send_payload(self, Py_ssize_t size) except -1:
        if self._cork is None:
            self.transport.send_reuse_external_buffer(
                WSMsgType.TEXT, self._buf.mem + FRAME_HEADROOM, size)
        else:
            self._cork_frame(self._buf.mem + FRAME_HEADROOM, size)
        return 0

    cdef int _cork_frame(self, const char* payload, Py_ssize_t size) except -1:
        """Append one masked client TEXT frame to the write-coalescing buffer and make
        sure a flush runs at the end of this loop iteration."""
        cdef FrameBuffer cork = self._cork
        cdef unsigned char* out
        cdef unsigned char mask[4]
        cdef uint32_t key = <uint32_t>rand()
        cdef Py_ssize_t i, header
        cork.reserve(size + 14)
        out = <unsigned char*>cork.mem + cork.pos
        out[0] = 0x81  # FIN + TEXT
        if size < 126:
            out[1] = <unsigned char>(0x80 | size)
            header = 2
        elif size < 65536:
            out[1] = 0x80 | 126
            out[2] = <unsigned char>(size >> 8)
            out[3] = <unsigned char>(size & 0xFF)
            header = 4
        else:
            out[1] = 0x80 | 127
            for i in range(8):
                out[2 + i] = <unsigned char>((size >> (56 - 8 * i)) & 0xFF)
            header = 10
        for i in range(4):
            mask[i] = <unsigned char>((key >> (8 * i)) & 0xFF)
            out[header + i] = mask[i]
        out += header + 4
        for i in range(size):
            out[i] = (<const unsigned char*>payload)[i] ^ mask[i & 3]
        cork.pos += header + 4 + size
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)
        return 0

    def _flush(self):
        """Write every coalesced frame with one transport write."""
        cdef FrameBuffer cork = self._cork
        self._flush_scheduled = False
        if cork is None or cork.pos == 0:
            return
        data = cork.mem[:cork.pos]
        cork.pos = 0
        if self.transport is not None and not self.transport.is_disconnected \
                and not self.transport.is_close_frame_sent:
            self.transport.underlying_transport.write(data)

    cdef object _check_sendable(self, str op, object args):
        if self._state != _READY or self.transport is None or self.transport.is_disconnected \
                or self.transport.is_close_frame_sent:
            raise ConnectionLostError(
                f"{op} not sent: connection is {self.state}"
                + (f" ({self._lost_reason})" if self._lost_reason else ""),
                op=op, ws_key=self.ws_key, sent=False, outcome_unknown=False,
                client_oids=client_oids_of(op, args))
        return None

    cdef object _register(self, long long request_id, str op, object args, object waiter,
                          bint is_callback):
        cdef _Pending entry = _Pending.__new__(_Pending)
        cdef double deadline = self._time() + self._request_timeout
        entry.waiter = waiter
        entry.is_callback = is_callback
        entry.op = op
        entry.args = args
        entry.deadline = deadline
        entry.request_id = request_id
        self._pending[request_id] = entry
        self.last_request_id = request_id
        if self._deadline_handle is None:
            self._deadline_handle = self._loop.call_at(deadline, self._on_deadline)
        return entry

    def request(self, str op, object args):
        """Validate, encode and send one request; returns the future of its reply.

        The future resolves to a :class:`WSAPIResponse` (code 200000) or fails with
        a :class:`KucoinAPIError`, ``RequestTimeoutError`` or ``ConnectionLostError``.
        Raises ``InvalidParamsError`` / ``ConnectionLostError(sent=False)`` at once
        when nothing could be sent. ``last_request_id`` holds the id afterwards.
        """
        cdef long long request_id = self._next_id
        cdef Py_ssize_t size
        self._check_sendable(op, args)
        size = encode_request(self._buf, request_id, op, args)
        self._next_id = request_id + 1
        self._send_payload(size)
        waiter = self._create_future()
        self._register(request_id, op, args, waiter, False)
        return waiter

    async def call(self, str op, object args):
        """Coroutine: send one request and return its :class:`WSAPIResponse`.

        Raises what :meth:`request` raises or its future fails with. If the awaiting
        task is cancelled, the request is forgotten (a later reply counts as late).
        """
        cdef long long request_id = self._next_id
        cdef Py_ssize_t size
        self._check_sendable(op, args)
        size = encode_request(self._buf, request_id, op, args)
        self._next_id = request_id + 1
        self._send_payload(size)
        waiter = self._create_future()
        self._register(request_id, op, args, waiter, False)
        try:
            return await waiter
        except CancelledError:
            self.forget(request_id)
            raise

    def request_with_callback(self, str op, object args, callback):
        """Like :meth:`request`, but ``callback(result)`` is called with the
        :class:`WSAPIResponse` or the error (no future). Returns the request id."""
        cdef long long request_id = self._next_id
        cdef Py_ssize_t size
        self._check_sendable(op, args)
        size = encode_request(self._buf, request_id, op, args)
        self._next_id = request_id + 1
        self._send_payload(size)
        self._register(request_id, op, args, callback, True)
        return request_id

    def send_prepared(self, OrderTemplate template, price, size, client_oid, callback):
        """Send a ``futures.order`` from a prepared template; ``callback(result)``
        gets the reply or the error. Returns the request id."""
        cdef long long request_id = self._next_id
        cdef Py_ssize_t n
        if self._state != _READY:
            self._check_sendable(_rules.OP_ORDER, None)
        n = encode_prepared_order(self._buf, request_id, template, price, size, client_oid)
        self._next_id = request_id + 1
        self._send_payload(n)
        self._register(request_id, _rules.OP_ORDER, client_oid, callback, True)
        return request_id

    def forget(self, long long request_id):
        """Drop a pending request whose caller gave up (cancelled); a later reply
        is counted as late and ignored."""
        if self._pending.pop(request_id, None) is not None:
            self._remember_forgotten(request_id)

    cdef _remember_forgotten(self, long long request_id):
        self._forgotten_ids[request_id] = None
        if len(self._forgotten_ids) > _FORGOTTEN_MAX:
            del self._forgotten_ids[next(iter(self._forgotten_ids))]

    # ----------------------------------------------------------- completion
    cdef int _complete(self, _Pending entry, object result, bint failed) except -1:
        waiter = entry.waiter
        if entry.is_callback:
            try:
                waiter(result)
            except Exception as exc:  # user code: report, never break the dispatcher
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
            # The caller cancelled; the reply came before its forget().
            self.late_replies += 1
        return 0

    def _on_deadline(self):
        cdef double now = self._loop.time()
        cdef _Pending entry
        cdef list expired = []
        self._deadline_handle = None
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
            entry = next(iter(self._pending.values()))
            self._deadline_handle = self._loop.call_at(entry.deadline, self._on_deadline)

    cdef _fail_all(self, str reason, bint by_client):
        cdef _Pending entry
        pending = self._pending
        self._pending = {}
        cls = ClientClosedError if by_client else ConnectionLostError
        lost = []
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

    cdef _cancel_timers(self):
        if self._deadline_handle is not None:
            self._deadline_handle.cancel()
            self._deadline_handle = None
        if self._ping_handle is not None:
            self._ping_handle.cancel()
            self._ping_handle = None
        if self._pong_deadline_handle is not None:
            self._pong_deadline_handle.cancel()
            self._pong_deadline_handle = None

    cdef _end(self, str reason, bint by_client, object handshake_exc):
        """Move to CLOSED once: stop timers, fail the handshake and every pending request."""
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

    def close(self):
        """Close from our side: pending requests fail with ``ClientClosedError``."""
        self._flush()
        self._end("client closed the connection", True, None)
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.send_close(WSCloseCode.OK)
            self.transport.disconnect()

    def abort(self, str reason):
        """Declare the connection dead (e.g. keepalive): fail everything now, drop the socket."""
        self._end(reason, False, None)
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.disconnect(False)

    # ------------------------------------------------------------ keepalive
    def _send_ping(self):
        cdef Py_ssize_t n
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

    def _on_pong_timeout(self):
        self._pong_deadline_handle = None
        if self._debug:
            self._logger.debug("%s: no pong within %.3fs, connection is dead", self.ws_key,
                               self.ping_timeout)
        self.abort(f"no pong within {self.ping_timeout:g}s (keepalive)")

    cdef _on_pong(self, const char* ptr, Py_ssize_t size):
        cdef long long number = _parse_request_id(ptr + 5, size - 5)
        self.pongs += 1
        if number >= self._awaited_pong and self._pong_deadline_handle is not None:
            self._pong_deadline_handle.cancel()
            self._pong_deadline_handle = None

    # ------------------------------------------------------- picows callbacks
    cpdef on_ws_connected(self, WSTransport transport):
        self.transport = transport
        if self._state == _AWAIT_CONNECT:
            self._state = _AWAIT_CHALLENGE

    cpdef pause_writing(self):
        """picows: the socket's write buffer crossed its high-water mark."""
        self.write_paused = True

    cpdef resume_writing(self):
        """picows: the write buffer drained below its low-water mark."""
        self.write_paused = False
        if self.on_write_resumed is not None:
            self.on_write_resumed(self)

    cpdef on_ws_disconnected(self, WSTransport transport):
        reason = "connection lost"
        handshake = transport.close_handshake if transport is not None else None
        if handshake is not None and handshake.recv is not None:
            reason = f"server closed the connection (code {int(handshake.recv.code)})"
        self._end(reason, False, None)
        if self._on_lost is not None:
            self._on_lost(self, self._lost_reason)

    cpdef on_ws_frame(self, WSTransport transport, WSFrame frame):
        if frame.msg_type == WSMsgType.TEXT and frame.fin:
            if self._state == _READY:
                self._handle_reply(frame.payload_ptr, frame.payload_size, frame.tail_size)
            elif self._state == _AWAIT_CHALLENGE or self._state == _AWAIT_WELCOME:
                self._handle_handshake(frame.payload_ptr, frame.payload_size, frame.tail_size)
            else:
                self._drop_frame("frame after close")
        elif frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
        elif frame.msg_type == WSMsgType.PING or frame.msg_type == WSMsgType.PONG:
            pass  # picows answers protocol pings itself
        else:
            self._drop_frame("binary or fragmented frame")

    cdef int _drop_frame(self, str why) except -1:
        self.malformed_frames += 1
        if self._debug:
            self._logger.debug("%s: dropped server frame: %s", self.ws_key, why)
        return 0

    # -------------------------------------------------------------- replies
    cdef int _handle_reply(self, const char* data, Py_ssize_t size, Py_ssize_t tail) except -1:
        cdef simd_element root, value, data_el, rl_el
        cdef simd_object obj
        cdef simd_object.iterator it, end
        cdef const char* key
        cdef uint32_t key_len
        cdef const char* id_ptr = NULL
        cdef Py_ssize_t id_len = 0
        cdef int id_kind = 0          # 0 missing, 1 string, 2 other type
        cdef const char* op_ptr = NULL
        cdef Py_ssize_t op_len = 0
        cdef const char* code_ptr = NULL
        cdef Py_ssize_t code_len = 0
        cdef int code_kind = 0
        cdef bint has_data = False, has_rl = False
        cdef object msg = None, in_time = None, out_time = None
        cdef long long request_id
        cdef PyObject* found
        cdef object id_key
        cdef _Pending entry
        cdef WSAPIResponse resp
        cdef element_type t
        try:
            root = self._parser.parse(data, <size_t>size, tail < <Py_ssize_t>SIMDJSON_PADDING)
        except Exception:  # simdjson rejects it: not JSON / truncated / bad UTF-8
            return self._drop_frame("not valid JSON")
        if root.type() != element_type.OBJECT:
            return self._drop_frame("not a JSON object")
        obj = root.get_object()
        it = obj.begin()
        end = obj.end()
        while it != end:
            key = it.key_c_str()
            key_len = it.key_length()
            value = it.value()
            t = value.type()
            if _key_is(key, key_len, b"id", 2):
                if t == element_type.STRING:
                    id_kind = 1
                    id_ptr = value.get_c_str()
                    id_len = value.get_string_length()
                else:
                    id_kind = 2
            elif _key_is(key, key_len, b"op", 2):
                if t == element_type.STRING:
                    op_ptr = value.get_c_str()
                    op_len = value.get_string_length()
            elif _key_is(key, key_len, b"code", 4):
                if t == element_type.STRING:
                    code_kind = 1
                    code_ptr = value.get_c_str()
                    code_len = value.get_string_length()
                else:
                    code_kind = 2
            elif _key_is(key, key_len, b"msg", 3):
                msg = _to_py(value)
            elif _key_is(key, key_len, b"data", 4):
                data_el = value
                has_data = True
            elif _key_is(key, key_len, b"inTime", 6):
                in_time = _int_or_none(value)
            elif _key_is(key, key_len, b"outTime", 7):
                out_time = _int_or_none(value)
            elif (_key_is(key, key_len, b"userRateLimit", 13)
                  or _key_is(key, key_len, b"rateLimit", 9)):
                rl_el = value
                has_rl = True
            preincrement(it)

        if id_kind != 1:
            if id_kind == 0 and code_kind == 1:
                return self._on_unsolicited_error(code_ptr, code_len, msg)
            return self._drop_frame("reply without a string id")
        if id_len > 5 and memcmp(id_ptr, b"ping-", 5) == 0:
            self._on_pong(id_ptr, id_len)
            return 0
        request_id = _parse_request_id(id_ptr, id_len)
        id_key = request_id  # one PyLong for both dict operations
        found = PyDict_GetItem(self._pending, id_key) if request_id > 0 else NULL
        if found == NULL:
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
                self._logger.debug("%s: dropped %s (id %s)", self.ws_key, why,
                                   PyUnicode_DecodeUTF8(id_ptr, min(id_len, 40), "replace"))
            return 0
        if code_kind != 1:
            return self._drop_frame("reply without a string code")
        entry = <_Pending>found
        PyDict_DelItem(self._pending, id_key)
        self.replies += 1

        resp = WSAPIResponse.__new__(WSAPIResponse)
        resp.id = PyUnicode_DecodeLatin1(id_ptr, id_len, NULL)
        resp.op = _known_op(op_ptr, op_len) if op_ptr != NULL else entry.op
        resp.ws_key = self.ws_key
        resp.msg = msg
        resp.in_time = in_time
        resp.out_time = out_time
        if has_data:
            resp.data = _to_py(data_el)
        if has_rl:
            resp.rate_limit = _rate_limit(rl_el)
        if code_len == 6 and memcmp(code_ptr, <const char*>_SUCCESS_B, 6) == 0:
            resp.code = _SUCCESS
            return self._complete(entry, resp, False)
        resp.code = PyUnicode_DecodeUTF8(code_ptr, code_len, NULL)
        return self._complete(entry, api_error(
            resp.code, msg if isinstance(msg, str) else None, response=resp,
            request_id=resp.id, op=entry.op, ws_key=self.ws_key,
            client_oids=client_oids_of(entry.op, entry.args), rate_limit=resp.rate_limit), True)

    cdef int _on_unsolicited_error(self, const char* code_ptr, Py_ssize_t code_len,
                                   object msg) except -1:
        """A type-C error frame (no id) on a ready connection, e.g. 501000 shutdown."""
        code = PyUnicode_DecodeUTF8(code_ptr, code_len, NULL)
        self.unsolicited_errors += 1
        self.server_notice = (code, msg)
        if self._debug:
            self._logger.debug("%s: server error frame without id: code %s", self.ws_key, code)
        if self.on_notice is not None:
            try:
                self.on_notice(self, code, msg)
            except Exception as exc:  # never break the frame handler
                self._loop.call_exception_handler({
                    "message": "kucoin_fast: on_notice callback raised", "exception": exc})
        return 0

    # ------------------------------------------------------------ handshake
    cdef int _handle_handshake(self, const char* data, Py_ssize_t size, Py_ssize_t tail) except -1:
        cdef simd_element root, value
        cdef simd_object obj
        cdef simd_object.iterator it, end
        cdef const char* key
        cdef uint32_t key_len
        cdef object code = None, msg = None, session_id = None, in_time = None
        cdef object ping_interval = None, ping_timeout = None
        try:
            root = self._parser.parse(data, <size_t>size, tail < <Py_ssize_t>SIMDJSON_PADDING)
        except Exception:
            return self._fail_handshake(ConnectError("the gateway sent a non-JSON handshake frame"))
        if root.type() != element_type.OBJECT:
            return self._fail_handshake(
                ConnectError("the gateway sent a non-object handshake frame"))
        obj = root.get_object()
        it = obj.begin()
        end = obj.end()
        while it != end:
            key = it.key_c_str()
            key_len = it.key_length()
            value = it.value()
            if _key_is(key, key_len, b"code", 4):
                code = _to_py(value)
            elif _key_is(key, key_len, b"msg", 3):
                msg = _to_py(value)
            elif _key_is(key, key_len, b"sessionId", 9):
                session_id = _to_py(value)
            elif _key_is(key, key_len, b"pingInterval", 12):
                ping_interval = _int_or_none(value)
            elif _key_is(key, key_len, b"pingTimeout", 11):
                ping_timeout = _int_or_none(value)
            elif _key_is(key, key_len, b"inTime", 6):
                in_time = _int_or_none(value)
            preincrement(it)

        if code is not None and code != _SUCCESS:
            return self._fail_handshake(handshake_error(
                str(code), msg if isinstance(msg, str) else None, in_time, self._url_timestamp_ms))
        if self._state == _AWAIT_CHALLENGE:
            if session_id is None or ping_interval is not None:
                return self._fail_handshake(ConnectError(
                    "the gateway's first frame is not a session challenge"))
            # Sign the exact bytes received (protocol §2.1): never re-serialise.
            signature = sign_challenge(self._secret, data[:size])
            self.session_id = session_id
            self._state = _AWAIT_WELCOME
            self.transport.send(WSMsgType.TEXT, signature)
            return 0
        if ping_interval is None:
            return self._fail_handshake(
                ConnectError("the gateway's second frame is not the welcome"))
        self.ping_interval = (self._ping_interval_override if self._ping_interval_override > 0
                              else ping_interval / 1000.0)
        if self._ping_timeout_override > 0:
            self.ping_timeout = self._ping_timeout_override
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
        return 0

    cdef int _fail_handshake(self, object exc) except -1:
        self._end(str(exc), False, exc)
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.send_close(WSCloseCode.OK)
            self.transport.disconnect()
        return 0

# cython: language_level=3
"""Compiled fast path of the emulator: ``futures.order`` requests that fill at once.

Everything else (handshake, pings, cancels, batches, errors, resting orders, any
active fault switch) goes to the pure-Python ``_Session``, which stays the reference
implementation; this module only short-cuts the common case and must answer
byte-for-byte what the Python path would.

The request is scanned in place (``frame.payload_ptr``): a flat ``{"id","op","args"}``
object whose strings carry no escapes and no non-ASCII bytes. The order's *shape*
(its args bytes minus the clientOid value) keys a shared memo of validation and
contract-check results, so a repeated shape costs one dict lookup instead of the
full rule walk. Anything unusual falls back to the Python path.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.stdint cimport int64_t, uint64_t
from libc.string cimport memcmp, memcpy
from picows.picows cimport WSFrame, WSListener, WSMsgType, WSTransport
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

import time

cdef object _monotonic = time.monotonic

cdef bytes _OP_ORDER_B = b"futures.order"
cdef bytes _A = b'{"id":"'
cdef bytes _B = b'","op":"futures.order","code":"200000","data":{"orderId":"'
cdef bytes _C = b'","clientOid":"'
cdef bytes _D = b'"},"inTime":'
cdef bytes _E = b',"outTime":'
cdef const char* _OP_ORDER = _OP_ORDER_B
cdef const char* _REPLY_A = _A
cdef const char* _REPLY_B = _B
cdef const char* _REPLY_C = _C
cdef const char* _REPLY_D = _D
cdef const char* _REPLY_E = _E
cdef Py_ssize_t _LA = len(_A), _LB = len(_B), _LC = len(_C), _LD = len(_D), _LE = len(_E)


cdef class IdGen:
    """Shared, strictly increasing numeric order-id counter."""

    cdef public uint64_t last

    def __init__(self, uint64_t start):
        self.last = start

    def next_str(self):
        """The next order id as a decimal string."""
        self.last += 1
        return str(self.last)


cdef class Plan:
    """What the memo knows about an order shape that passed every check."""

    cdef public object contract      # ContractSpec
    cdef public str symbol
    cdef public bint is_market
    cdef public bint is_buy
    cdef public object price         # Decimal or None
    cdef public bint maker_only      # postOnly or timeInForce RPI

    def __init__(self, contract, str symbol, bint is_market, bint is_buy, price,
                 bint maker_only):
        self.contract = contract
        self.symbol = symbol
        self.is_market = is_market
        self.is_buy = is_buy
        self.price = price
        self.maker_only = maker_only


cdef inline int64_t _now_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec


cdef inline Py_ssize_t _skip_ws(const char* p, Py_ssize_t i, Py_ssize_t n) noexcept:
    while i < n and (p[i] == b' ' or p[i] == b'\t' or p[i] == b'\n' or p[i] == b'\r'):
        i += 1
    return i


cdef inline Py_ssize_t _scan_string(const char* p, Py_ssize_t i, Py_ssize_t n) noexcept:
    """``p[i]`` is the opening quote; return the index of the closing quote, or -1 when
    the string has an escape, a control or a non-ASCII byte, or is unterminated."""
    cdef unsigned char c
    i += 1
    while i < n:
        c = <unsigned char>p[i]
        if c == b'"':
            return i
        if c == b'\\' or c < 0x20 or c > 0x7e:
            return -1
        i += 1
    return -1


cdef inline Py_ssize_t _scan_scalar(const char* p, Py_ssize_t i, Py_ssize_t n) noexcept:
    """A number / true / false / null starting at ``i``; return its end (exclusive)."""
    cdef char c
    cdef Py_ssize_t start = i
    while i < n:
        c = p[i]
        if (b'0' <= c <= b'9') or c == b'-' or c == b'+' or c == b'.' or c == b'e' \
                or c == b'E' or (b'a' <= c <= b'z'):
            i += 1
        else:
            break
    return i if i > start else -1


cdef inline Py_ssize_t _put(char* buf, Py_ssize_t pos, const char* src, Py_ssize_t n) noexcept:
    memcpy(buf + pos, src, n)
    return pos + n


cdef inline Py_ssize_t _put_u64(char* buf, Py_ssize_t pos, uint64_t v) noexcept:
    cdef char tmp[24]
    cdef int k = 0
    if v == 0:
        buf[pos] = b'0'
        return pos + 1
    while v:
        tmp[k] = <char>(48 + v % 10)
        v //= 10
        k += 1
    while k:
        k -= 1
        buf[pos] = tmp[k]
        pos += 1
    return pos


cdef class FastListener(WSListener):
    """picows listener wrapping one Python ``_Session``; see the module docstring."""

    cdef public object session       # kucoin_fast.emulator._server._Session
    cdef object faults
    cdef object cfg
    cdef object em
    cdef object counters
    cdef object engine
    cdef dict shapes
    cdef IdGen ids
    cdef object plan_for             # callable(args_bytes) -> Plan | None
    cdef list out
    cdef Py_ssize_t pending          # fast-path orders not yet added to the counters
    cdef char buf[1024]

    def __init__(self, session, dict shapes, IdGen ids, plan_for):
        self.session = session
        self.em = session.em
        self.faults = session.faults
        self.cfg = session.cfg
        self.counters = self.em.counters
        self.engine = self.em.engine
        self.shapes = shapes
        self.ids = ids
        self.plan_for = plan_for
        self.out = session.out
        self.pending = 0

    cpdef on_ws_connected(self, WSTransport transport):
        self.session.on_ws_connected(transport)

    cpdef on_ws_disconnected(self, WSTransport transport):
        self._commit()
        self.session.on_ws_disconnected(transport)

    cdef inline void _commit(self) except *:
        cdef Py_ssize_t n = self.pending
        if n:
            self.pending = 0
            c = self.counters
            c.requests += n
            c.orders_accepted += n
            self.session.n_requests += n

    cpdef on_ws_frame(self, WSTransport transport, WSFrame frame):
        session = self.session
        if frame.msg_type == WSMsgType.TEXT and frame.fin and session.state == 3 \
                and session.frag is None and self.faults._plain \
                and self._try_order(frame.payload_ptr, frame.payload_size):
            if frame.last_in_buffer:
                self._commit()
                session.last_rx = _monotonic()
                if self.out:
                    session._flush()
            return
        self._commit()
        session.on_ws_frame(transport, frame)

    cdef bint _try_order(self, const char* p, Py_ssize_t n) except -1:
        cdef Py_ssize_t i, j, k, id_s = -1, id_e = -1, args_s = -1, args_e = -1
        cdef Py_ssize_t coid_s = -1, coid_e = -1, key_s, key_e
        cdef bint op_ok = False
        cdef char c
        cfg = self.cfg
        if cfg.id_max_len is not None or cfg.connection_rate_limit is not None:
            return False  # rare per-request checks live in the Python path only
        i = _skip_ws(p, 0, n)
        if i >= n or p[i] != b'{':
            return False
        i += 1
        # ---- top level: exactly the keys id, op, args (any order)
        while True:
            i = _skip_ws(p, i, n)
            if i >= n or p[i] != b'"':
                return False
            key_s = i + 1
            key_e = _scan_string(p, i, n)
            if key_e < 0:
                return False
            i = _skip_ws(p, key_e + 1, n)
            if i >= n or p[i] != b':':
                return False
            i = _skip_ws(p, i + 1, n)
            if i >= n:
                return False
            k = key_e - key_s
            if k == 2 and memcmp(p + key_s, b"id", 2) == 0 and p[i] == b'"' and id_s < 0:
                j = _scan_string(p, i, n)
                if j < 0 or j == i + 1:
                    return False
                id_s, id_e = i + 1, j
                i = j + 1
            elif k == 2 and memcmp(p + key_s, b"op", 2) == 0 and p[i] == b'"' and not op_ok:
                j = _scan_string(p, i, n)
                if j != i + 14 or memcmp(p + i + 1, _OP_ORDER, 13) != 0:
                    return False
                op_ok = True
                i = j + 1
            elif k == 4 and memcmp(p + key_s, b"args", 4) == 0 and p[i] == b'{' \
                    and args_s < 0:
                args_s = i
                i += 1
                # ---- args: a flat object of scalars
                i = _skip_ws(p, i, n)
                if i < n and p[i] == b'}':
                    return False
                while True:
                    i = _skip_ws(p, i, n)
                    if i >= n or p[i] != b'"':
                        return False
                    key_s = i + 1
                    key_e = _scan_string(p, i, n)
                    if key_e < 0:
                        return False
                    i = _skip_ws(p, key_e + 1, n)
                    if i >= n or p[i] != b':':
                        return False
                    i = _skip_ws(p, i + 1, n)
                    if i >= n:
                        return False
                    if p[i] == b'"':
                        j = _scan_string(p, i, n)
                        if j < 0:
                            return False
                        if key_e - key_s == 9 and memcmp(p + key_s, b"clientOid", 9) == 0:
                            if coid_s >= 0:
                                return False  # duplicate key: let the JSON parser decide
                            coid_s, coid_e = i + 1, j
                        i = j + 1
                    else:
                        j = _scan_scalar(p, i, n)
                        if j < 0:
                            return False
                        i = j
                    i = _skip_ws(p, i, n)
                    if i >= n:
                        return False
                    if p[i] == b',':
                        i += 1
                        continue
                    if p[i] == b'}':
                        args_e = i + 1
                        i += 1
                        break
                    return False
            else:
                return False
            i = _skip_ws(p, i, n)
            if i >= n:
                return False
            if p[i] == b',':
                i += 1
                continue
            if p[i] == b'}':
                break
            return False
        if _skip_ws(p, i + 1, n) != n or not op_ok or id_s < 0 or args_s < 0 or coid_s < 0:
            return False
        # ---- clientOid: 1-40 of [A-Za-z0-9_-]
        k = coid_e - coid_s
        if k < 1 or k > 40:
            return False
        for j in range(coid_s, coid_e):
            c = p[j]
            if not ((b'a' <= c <= b'z') or (b'A' <= c <= b'Z') or (b'0' <= c <= b'9')
                    or c == b'-' or c == b'_'):
                return False
        return self._place(p, id_s, id_e, args_s, args_e, coid_s, coid_e)

    cdef bint _place(self, const char* p, Py_ssize_t id_s, Py_ssize_t id_e, Py_ssize_t args_s,
                     Py_ssize_t args_e, Py_ssize_t coid_s, Py_ssize_t coid_e) except -1:
        cdef bytes shape = PyBytes_FromStringAndSize(NULL, (args_e - args_s) - (coid_e - coid_s))
        cdef char* sp = PyBytes_AS_STRING(shape)
        memcpy(sp, p + args_s, coid_s - args_s)
        memcpy(sp + (coid_s - args_s), p + coid_e, args_e - coid_e)
        plan_obj = self.shapes.get(shape)
        if plan_obj is None:
            plan_obj = self.plan_for(PyBytes_FromStringAndSize(p + args_s, args_e - args_s),
                                     shape)
        if plan_obj is False:
            return False  # rejected, resting kind or stop order: the Python path decides
        cdef Plan plan = <Plan>plan_obj
        if not plan.is_market:
            mark = self.engine.mark_prices[plan.symbol]
            if plan.is_buy:
                crosses = plan.price >= mark
            else:
                crosses = plan.price <= mark
            if not crosses or plan.maker_only:
                return False  # rests, or is rejected: the Python path decides
        session = self.session
        book = session.book
        if book.by_client_oid:
            coid = PyUnicode_DecodeASCII(p + coid_s, coid_e - coid_s, NULL)
            if coid in book.by_client_oid:
                return False  # 300018 from the Python path
        cdef int64_t t_in = _now_ns()
        cfg = self.cfg
        limit = cfg.rate_limit
        cdef int64_t now_ms, start, window
        cdef long weight
        if limit is not None:
            if cfg.rate_limit_on_orders:
                return False
            now_ms = t_in // 1000000
            window = cfg.rate_limit_window_ms
            start = book.rl_start_ms
            if now_ms - start >= window:
                book.rl_start_ms = now_ms
                book.rl_used = 0
            weight = cfg.weights.get("futures.order", 1)
            if book.rl_used + weight > limit:
                return False  # 429000 from the Python path
            book.rl_used += weight
        # ---- fill
        self.ids.last += 1
        cdef uint64_t oid = self.ids.last
        history = book.history
        if history.maxlen:
            history.append(self.engine.history_entry(
                str(oid), PyUnicode_DecodeASCII(p + coid_s, coid_e - coid_s, NULL),
                plan.symbol, "filled"))
        cdef bint ns = session.enable_ns
        cdef int64_t t_out = _now_ns()
        if not ns:
            t_in //= 1000000
            t_out //= 1000000
        cdef char* b = self.buf
        cdef Py_ssize_t pos = 4  # room for the longest header we use (4 bytes)
        if (id_e - id_s) + (coid_e - coid_s) > 700:
            return False
        pos = _put(b, pos, _REPLY_A, _LA)
        pos = _put(b, pos, p + id_s, id_e - id_s)
        pos = _put(b, pos, _REPLY_B, _LB)
        pos = _put_u64(b, pos, oid)
        pos = _put(b, pos, _REPLY_C, _LC)
        pos = _put(b, pos, p + coid_s, coid_e - coid_s)
        pos = _put(b, pos, _REPLY_D, _LD)
        pos = _put_u64(b, pos, <uint64_t>t_in)
        pos = _put(b, pos, _REPLY_E, _LE)
        pos = _put_u64(b, pos, <uint64_t>t_out)
        b[pos] = b'}'
        pos += 1
        cdef Py_ssize_t plen = pos - 4
        cdef Py_ssize_t start_at
        if plen < 126:
            start_at = 2
            b[2] = <char>0x81
            b[3] = <char>plen
        else:
            start_at = 0
            b[0] = <char>0x81
            b[1] = <char>126
            b[2] = <char>((plen >> 8) & 0xff)
            b[3] = <char>(plen & 0xff)
        self.out.append(PyBytes_FromStringAndSize(b + start_at, pos - start_at))
        self.pending += 1
        return True

# cython: language_level=3, autotestdict=False
"""Compiled fast path of the emulator: futures orders and batches that fill at once,
answered byte for byte as the Python session would, and the memo of order shapes.

It reads the session and the account state only through ``_session_c.pxd`` and
``_account_c.pxd``; everything else goes to the Python session. docs/emulator.md.
"""
cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.stdint cimport int64_t, uint64_t
from libc.string cimport memcmp, memcpy
from picows.picows cimport WSFrame, WSListener, WSMsgType, WSTransport
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

from kucoin_fast.emulator._account_c cimport AccountState, IdGen
from kucoin_fast.emulator._session_c cimport Session

import time

from kucoin_fast._protocol import ops as _ops
from kucoin_fast._protocol import codes as _codes
from kucoin_fast._protocol.specs import ContractSpec
from kucoin_fast.emulator._ledger import fill_spec
from kucoin_fast.emulator._session import ST_AUTHED
from kucoin_fast.emulator._wire import loads

cdef object _monotonic = time.monotonic
# The only session state whose requests may take this path.
cdef int _ST_AUTHED = ST_AUTHED
# Memo entries kept before the memo starts over.
cdef Py_ssize_t _SHAPES_MAX = 4096

cdef str _OP_ORDER_S = _ops.FUTURES_ORDER.name
cdef str _OP_MULTI_S = _ops.FUTURES_MULTI_ORDER.name
cdef bytes _OP_ORDER_B = _OP_ORDER_S.encode()
cdef bytes _OP_MULTI_B = _OP_MULTI_S.encode()
cdef bytes _OK_B = _codes.SUCCESS_CODE.encode()
cdef bytes _A = b'{"id":"'
cdef bytes _B = b'","op":"' + _OP_ORDER_B + b'","code":"' + _OK_B + b'","data":{"orderId":"'
cdef bytes _C = b'","clientOid":"'
cdef bytes _D = b'"},"inTime":'
cdef bytes _E = b',"outTime":'
cdef const char* _OP_ORDER = _OP_ORDER_B
cdef const char* _OP_MULTI = _OP_MULTI_B
cdef Py_ssize_t _L_OP_ORDER = len(_OP_ORDER_B), _L_OP_MULTI = len(_OP_MULTI_B)
cdef const char* _REPLY_A = _A
cdef const char* _REPLY_B = _B
cdef const char* _REPLY_C = _C
cdef const char* _REPLY_D = _D
cdef const char* _REPLY_E = _E
cdef Py_ssize_t _LA = len(_A), _LB = len(_B), _LC = len(_C), _LD = len(_D), _LE = len(_E)
cdef bytes _MH = b'","op":"' + _OP_MULTI_B + b'","code":"' + _OK_B + b'","data":['
cdef bytes _IA = b'{"orderId":"'
cdef bytes _IB = b'","symbol":"'
cdef bytes _IC = b'","code":"' + _OK_B + b'","msg":"success"}'
cdef const char* _MULTI_HEAD = _MH
cdef const char* _ITEM_A = _IA
cdef const char* _ITEM_B = _IB
cdef const char* _ITEM_C = _IC
cdef Py_ssize_t _LMH = len(_MH), _LIA = len(_IA), _LIB = len(_IB), _LIC = len(_IC)
# A batch has at most the op row's batch_max orders (more go to the Python path); an item's
# reply is under 200 bytes, the id at most 700.
cdef int _MAX_ITEMS = _ops.FUTURES_MULTI_ORDER.batch_max
cdef Py_ssize_t _MBUF_SIZE = _MAX_ITEMS * 200 + 1024


cdef inline void _declared(Session s, AccountState a, IdGen ids) noexcept nogil:
    """Never called: names, without the GIL, every member this module uses of the
    session, the account state and the id counter, so that Cython refuses the build
    when one is renamed or no longer declared (a Python-level fallback needs the GIL)."""
    cdef PyObject* o
    o = <PyObject*>s.account_state
    o = <PyObject*>s.fragments
    o = <PyObject*>s.out
    o = <PyObject*>s.faults
    o = <PyObject*>s.cfg
    o = <PyObject*>a.events
    o = <PyObject*>a.by_client_oid
    o = <PyObject*>a.history
    cdef void* m
    m = <void*>Session.flush
    m = <void*>Session.count_fast
    m = <void*>Session.on_ws_frame
    m = <void*>Session.on_ws_connected
    m = <void*>Session.on_ws_disconnected
    m = <void*>AccountState.fill
    m = <void*>AccountState.fill_all
    m = <void*>AccountState.record
    cdef double _t = s.last_rx
    cdef long long _n = s.state + s.n_requests + s.enable_ns + a.rl_start_ms + a.rl_used + ids.last


@cython.auto_pickle(False)
cdef class Plan:
    """What the memo knows about an order shape that passed every check."""

    cdef public object contract      # ContractSpec
    cdef public str symbol
    cdef public bint is_market
    cdef public bint is_buy
    cdef public object price         # Decimal or None
    cdef public bint maker_only      # postOnly or timeInForce RPI
    cdef public bytes symbol_b
    cdef public object fill          # the order's _ledger.FillSpec (never reduce-only)
    cdef public dict args            # the shape's args (its first order's clientOid)

    def __init__(self, contract, str symbol, bint is_market, bint is_buy, price,
                 bint maker_only, fill, dict args):
        self.fill = fill
        self.args = args
        self.contract = contract
        self.symbol = symbol
        self.is_market = is_market
        self.is_buy = is_buy
        self.price = price
        self.maker_only = maker_only
        self.symbol_b = symbol.encode("ascii")


@cython.auto_pickle(False)
cdef class FastPath:
    """The memo of order shapes (an order minus its clientOid) every fast listener of
    one emulator shares, and what a Plan is made from: the futures engine's checks, its
    mark prices (in place) and the shared order-id counter."""

    cdef dict shapes                 # shape -> Plan, or False: the Python path decides
    cdef object check_order          # callable(args) -> Rejected | ContractSpec
    cdef object price_of             # callable(contract, value) -> Decimal | None
    cdef dict mark_prices            # symbol -> Decimal
    cdef dict mark_units             # symbol -> ledger units
    cdef IdGen ids

    def __init__(self, check_order, price_of, dict mark_prices, dict mark_units, IdGen ids):
        self.shapes = {}
        self.check_order = check_order
        self.price_of = price_of
        self.mark_prices = mark_prices
        self.mark_units = mark_units
        self.ids = ids

    def clear(self):
        """Forget every memoised shape (after the contracts changed)."""
        self.shapes.clear()

    cdef object plan_for(self, bytes args_json, bytes shape):
        """Memo entry of an order shape: a Plan when such orders may fill on the fast
        path, False when the Python path must decide."""
        try:
            args = loads(args_json)
        except ValueError:
            return False
        plan = False
        checked = self.check_order(args)
        # The reply buffers assume short ASCII symbols (all real ones are).
        if isinstance(checked, ContractSpec) and "stop" not in args \
                and len(checked.symbol) <= 32 and checked.symbol.isascii():
            order_type = args.get("type", "limit")
            side = args.get("side")
            fill = fill_spec(args, checked)
            if fill.reduce_only:
                pass  # depends on the position: the Python path decides
            elif order_type == "market":
                plan = Plan(checked, checked.symbol, True, side == "buy", None, False,
                            fill, args)
            elif side in ("buy", "sell"):
                price = self.price_of(checked, args["price"])
                maker_only = args.get("postOnly") is True or args.get("timeInForce") == "RPI"
                plan = Plan(checked, checked.symbol, False, side == "buy", price,
                            maker_only, fill, args)
        if len(self.shapes) >= _SHAPES_MAX:
            self.shapes.clear()
        self.shapes[shape] = plan
        return plan


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


cdef inline Py_ssize_t _scan_key(const char* p, Py_ssize_t i, Py_ssize_t n,
                                 Py_ssize_t* key_s, Py_ssize_t* key_e) noexcept:
    """An object key and its colon from ``p[i]`` on (whitespace allowed); return the
    index of the value that follows, or -1. The key's span goes to key_s/key_e."""
    i = _skip_ws(p, i, n)
    if i >= n or p[i] != b'"':
        return -1
    key_s[0] = i + 1
    key_e[0] = _scan_string(p, i, n)
    if key_e[0] < 0:
        return -1
    i = _skip_ws(p, key_e[0] + 1, n)
    if i >= n or p[i] != b':':
        return -1
    i = _skip_ws(p, i + 1, n)
    return i if i < n else -1


cdef inline int _after_member(const char* p, Py_ssize_t* i, Py_ssize_t n, char close) noexcept:
    """After an object member or array item: 1 at a ``,`` (``i`` moves past it), 0 at
    ``close`` (``i`` moves onto it), -1 at anything else."""
    cdef Py_ssize_t j = _skip_ws(p, i[0], n)
    if j < n:
        if p[j] == b',':
            i[0] = j + 1
            return 1
        if p[j] == close:
            i[0] = j
            return 0
    return -1


cdef inline bint _client_oid_ok(const char* p, Py_ssize_t s, Py_ssize_t e) noexcept:
    """1-40 of [A-Za-z0-9_-] (``kucoin_fast._protocol.fields.CLIENT_OID_RE``)."""
    cdef char c
    if s < 0 or e - s < 1 or e - s > 40:
        return False
    for j in range(s, e):
        c = p[j]
        if not ((b'a' <= c <= b'z') or (b'A' <= c <= b'Z') or (b'0' <= c <= b'9')
                or c == b'-' or c == b'_'):
            return False
    return True


cdef Py_ssize_t _scan_flat(const char* p, Py_ssize_t i, Py_ssize_t n,
                           Py_ssize_t* coid_s, Py_ssize_t* coid_e) noexcept:
    """Scan a flat object of scalars at ``p[i] == '{'``; return the index after its
    ``}`` (or -1 when it is not flat, or the clientOid is missing, duplicated or not
    1-40 of [A-Za-z0-9_-]), with the clientOid value span in coid_s/coid_e."""
    cdef Py_ssize_t j, key_s, key_e
    cdef int more
    coid_s[0] = -1
    i = _skip_ws(p, i + 1, n)
    if i < n and p[i] == b'}':
        return -1
    while True:
        i = _scan_key(p, i, n, &key_s, &key_e)
        if i < 0:
            return -1
        if p[i] == b'"':
            j = _scan_string(p, i, n)
            if j < 0:
                return -1
            if key_e - key_s == 9 and memcmp(p + key_s, b"clientOid", 9) == 0:
                if coid_s[0] >= 0:
                    return -1  # duplicate key: let the JSON parser decide
                coid_s[0] = i + 1
                coid_e[0] = j
            i = j + 1
        else:
            i = _scan_scalar(p, i, n)
            if i < 0:
                return -1
        more = _after_member(p, &i, n, b'}')
        if more < 0:
            return -1
        if more == 0:
            break
    if not _client_oid_ok(p, coid_s[0], coid_e[0]):
        return -1
    return i + 1


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


@cython.auto_pickle(False)
cdef class FastListener(WSListener):
    """picows listener wrapping one Python-path ``Session``; see the module docstring."""

    cdef readonly Session session
    cdef AccountState acct
    cdef FastPath memo
    cdef object faults
    cdef object cfg
    cdef dict marks                  # the memo's mark_units (updated in place)
    cdef IdGen ids
    cdef list out
    cdef Py_ssize_t pending          # fast-path requests not yet counted
    cdef Py_ssize_t pending_orders   # fast-path orders not yet counted
    cdef public bint ns              # inTime/outTime in ns (enable_ns)
    cdef char buf[1024]
    cdef char* mbuf                  # _MBUF_SIZE bytes: a batch's reply
    cdef Py_ssize_t* item_s          # _MAX_ITEMS each: spans of a batch's items
    cdef Py_ssize_t* item_e
    cdef Py_ssize_t* coid_s
    cdef Py_ssize_t* coid_e

    def __cinit__(self):
        self.mbuf = <char*>PyMem_Malloc(_MBUF_SIZE)
        self.item_s = <Py_ssize_t*>PyMem_Malloc(4 * _MAX_ITEMS * sizeof(Py_ssize_t))
        if self.mbuf == NULL or self.item_s == NULL:
            raise MemoryError()
        self.item_e = self.item_s + _MAX_ITEMS
        self.coid_s = self.item_e + _MAX_ITEMS
        self.coid_e = self.coid_s + _MAX_ITEMS

    def __dealloc__(self):
        PyMem_Free(self.mbuf)
        PyMem_Free(self.item_s)

    def __init__(self, Session session not None, FastPath memo not None):
        self.session = session
        self.acct = <AccountState?>session.account_state
        self.memo = memo
        self.faults = session.faults
        self.cfg = session.cfg
        self.marks = memo.mark_units
        self.ids = memo.ids
        self.out = session.out
        self.pending = 0
        self.pending_orders = 0
        self.ns = session.enable_ns

    cpdef on_ws_connected(self, WSTransport transport):
        self.session.on_ws_connected(transport)

    cpdef on_ws_disconnected(self, WSTransport transport):
        self._commit()
        self.session.on_ws_disconnected(transport)

    cdef inline void _commit(self) except *:
        if self.pending:
            self.session.count_fast(self.pending, self.pending_orders)
            self.pending = 0
            self.pending_orders = 0

    cpdef on_ws_frame(self, WSTransport transport, WSFrame frame):
        cdef Session session = self.session
        if frame.msg_type == WSMsgType.TEXT and frame.fin and session.state == _ST_AUTHED \
                and session.fragments is None and self.faults.reply_path_plain \
                and self.acct.events is None \
                and self._try_order(frame.payload_ptr, frame.payload_size):
            if frame.last_in_buffer:
                self._commit()
                session.last_rx = _monotonic()
                if self.out:
                    session.flush()
            return
        self._commit()
        session.on_ws_frame(transport, frame)

    cdef bint _try_order(self, const char* p, Py_ssize_t n) except -1:
        """Answer the request ``p[:n]`` when it is an order or batch this path serves."""
        cdef Py_ssize_t i, j, id_s = -1, id_e = -1
        cdef Py_ssize_t key_s, key_e, k
        cdef int op = 0  # 1 an order, 2 a batch
        cdef int count = -2  # -2 no args yet, -1 args is an object, else the array's length
        cdef int more
        cfg = self.cfg
        if cfg.id_max_len is not None or cfg.connection_rate_limit is not None:
            return False  # rare per-request checks live in the Python path only
        i = _skip_ws(p, 0, n)
        if i >= n or p[i] != b'{':
            return False
        i += 1
        # ---- top level: exactly the keys id, op, args (any order)
        while True:
            i = _scan_key(p, i, n, &key_s, &key_e)
            if i < 0:
                return False
            k = key_e - key_s
            if k == 2 and memcmp(p + key_s, b"id", 2) == 0 and p[i] == b'"' and id_s < 0:
                j = _scan_string(p, i, n)
                if j < 0 or j == i + 1:
                    return False
                id_s, id_e = i + 1, j
                i = j + 1
            elif k == 2 and memcmp(p + key_s, b"op", 2) == 0 and p[i] == b'"' and op == 0:
                j = _scan_string(p, i, n)
                if j == i + 1 + _L_OP_ORDER and memcmp(p + i + 1, _OP_ORDER, _L_OP_ORDER) == 0:
                    op = 1
                elif j == i + 1 + _L_OP_MULTI \
                        and memcmp(p + i + 1, _OP_MULTI, _L_OP_MULTI) == 0:
                    op = 2
                else:
                    return False
                i = j + 1
            elif k == 4 and memcmp(p + key_s, b"args", 4) == 0 and count == -2:
                i = self._scan_args(p, i, n, &count)
                if i < 0:
                    return False
            else:
                return False
            more = _after_member(p, &i, n, b'}')
            if more < 0:
                return False
            if more == 0:
                break
        if _skip_ws(p, i + 1, n) != n or id_s < 0:
            return False
        if op == 1 and count == -1:
            return self._place(p, id_s, id_e, self.item_s[0], self.item_e[0],
                               self.coid_s[0], self.coid_e[0])
        if op == 2 and count > 0:
            return self._place_multi(p, id_s, id_e, count)
        return False

    cdef Py_ssize_t _scan_args(self, const char* p, Py_ssize_t i, Py_ssize_t n,
                               int* count) noexcept:
        """The args value at ``p[i]``: one flat order object (``count`` -1) or an array
        of 1 to _MAX_ITEMS of them (``count`` their number), their spans in item_s/
        item_e and coid_s/coid_e. Return the index after the value, or -1."""
        cdef Py_ssize_t j
        cdef int k = 0, more
        if p[i] == b'{':
            j = _scan_flat(p, i, n, &self.coid_s[0], &self.coid_e[0])
            if j < 0:
                return -1
            self.item_s[0] = i
            self.item_e[0] = j
            count[0] = -1
            return j
        if p[i] != b'[':
            return -1
        i += 1
        while True:
            i = _skip_ws(p, i, n)
            if i >= n or p[i] != b'{' or k >= _MAX_ITEMS:
                return -1
            j = _scan_flat(p, i, n, &self.coid_s[k], &self.coid_e[k])
            if j < 0:
                return -1
            self.item_s[k] = i
            self.item_e[k] = j
            k += 1
            i = j
            more = _after_member(p, &i, n, b']')
            if more < 0:
                return -1
            if more == 0:
                count[0] = k
                return i + 1

    cdef object _plan(self, const char* p, Py_ssize_t item_s, Py_ssize_t item_e,
                      Py_ssize_t coid_s, Py_ssize_t coid_e):
        """The memo entry (Plan or False) of one order object."""
        cdef bytes shape = PyBytes_FromStringAndSize(NULL, (item_e - item_s) - (coid_e - coid_s))
        cdef char* sp = PyBytes_AS_STRING(shape)
        memcpy(sp, p + item_s, coid_s - item_s)
        memcpy(sp + (coid_s - item_s), p + coid_e, item_e - coid_e)
        plan_obj = self.memo.shapes.get(shape)
        if plan_obj is None:
            plan_obj = self.memo.plan_for(
                PyBytes_FromStringAndSize(p + item_s, item_e - item_s), shape)
        return plan_obj

    cdef bint _fills(self, Plan plan) except -1:
        if plan.is_market:
            return True
        mark = self.memo.mark_prices[plan.symbol]
        if plan.is_buy:
            crosses = plan.price >= mark
        else:
            crosses = plan.price <= mark
        return crosses and not plan.maker_only

    cdef int _rate_weight(self, AccountState acct, int64_t t_in, str op) except -2:
        """The weight this request takes from the per-account pool (0 when rate
        limiting is off), without taking it; -1 when the request must go to the Python
        path (over the limit, or userRateLimit wanted on orders)."""
        cdef int64_t now_ms, window
        cfg = self.cfg
        limit = cfg.rate_limit
        if limit is None:
            return 0
        if cfg.rate_limit_on_orders:
            return -1
        now_ms = t_in // 1000000
        window = cfg.rate_limit_window_ms
        if now_ms - acct.rl_start_ms >= window:
            acct.rl_start_ms = now_ms
            acct.rl_used = 0
        weight = cfg.weights.get(op, 1)
        if acct.rl_used + weight > limit:
            return -1
        return weight

    cdef Py_ssize_t _put_times(self, char* b, Py_ssize_t pos, int64_t t_in) noexcept:
        cdef int64_t t_out = _now_ns()
        if not self.ns:
            t_in //= 1000000
            t_out //= 1000000
        pos = _put(b, pos, _REPLY_D + 2, _LD - 2)  # ',"inTime":' (skips the '"}')
        pos = _put_u64(b, pos, <uint64_t>t_in)
        pos = _put(b, pos, _REPLY_E, _LE)
        pos = _put_u64(b, pos, <uint64_t>t_out)
        b[pos] = b'}'
        return pos + 1

    cdef void _queue_frame(self, char* b, Py_ssize_t pos) except *:
        """``b[4:pos]`` holds the payload; prepend the frame header and queue it."""
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

    cdef list _plans_if_all_fill(self, const char* p, int count):
        """The Plans of a batch's items when every item fills now and none reuses an
        active clientOid; else None (the Python path answers the whole batch)."""
        cdef int k
        cdef Plan plan
        cdef list plans = []
        for k in range(count):
            plan_obj = self._plan(p, self.item_s[k], self.item_e[k], self.coid_s[k],
                                  self.coid_e[k])
            if plan_obj is False:
                return None
            plan = <Plan>plan_obj
            if not self._fills(plan):
                return None
            plans.append(plan)
        active = self.acct.by_client_oid
        if active:
            for k in range(count):
                if PyUnicode_DecodeASCII(p + self.coid_s[k], self.coid_e[k] - self.coid_s[k],
                                         NULL) in active:
                    return None  # that item gets 300018 from the Python path
        return plans

    cdef bint _place_multi(self, const char* p, Py_ssize_t id_s, Py_ssize_t id_e,
                           int count) except -1:
        cdef int k
        cdef Plan plan
        if (id_e - id_s) > 700:
            return False
        # Decide for every item before executing any: all must fill now.
        plans = self._plans_if_all_fill(p, count)
        if plans is None:
            return False
        cdef AccountState acct = self.acct
        cdef int64_t t_in = _now_ns()
        cdef int weight = self._rate_weight(acct, t_in, _OP_MULTI_S)
        if weight < 0:
            return False
        # The fills change the account's positions; a refused one (margin) leaves all
        # unchanged and the Python path answers the whole batch.
        marks = self.marks
        statuses = acct.fill_all([((<Plan>pl).fill, marks[(<Plan>pl).symbol]) for pl in plans])
        if statuses is None:
            return False
        if weight:
            acct.rl_used += weight
        cdef char* b = self.mbuf
        cdef Py_ssize_t pos = 4
        cdef uint64_t oid
        cdef bytes sym
        pos = _put(b, pos, _REPLY_A, _LA)
        pos = _put(b, pos, p + id_s, id_e - id_s)
        pos = _put(b, pos, _MULTI_HEAD, _LMH)
        for k in range(count):
            plan = <Plan>plans[k]
            self.ids.last += 1
            oid = self.ids.last
            acct.record(str(oid), PyUnicode_DecodeASCII(
                p + self.coid_s[k], self.coid_e[k] - self.coid_s[k], NULL),
                plan.symbol, statuses[k], plan, t_in // 1000000, marks[plan.symbol])
            if k:
                b[pos] = b','
                pos += 1
            pos = _put(b, pos, _ITEM_A, _LIA)
            pos = _put_u64(b, pos, oid)
            pos = _put(b, pos, _REPLY_C, _LC)
            pos = _put(b, pos, p + self.coid_s[k], self.coid_e[k] - self.coid_s[k])
            pos = _put(b, pos, _ITEM_B, _LIB)
            sym = plan.symbol_b
            pos = _put(b, pos, sym, len(sym))
            pos = _put(b, pos, _ITEM_C, _LIC)
        b[pos] = b']'
        pos = self._put_times(b, pos + 1, t_in)
        self._queue_frame(b, pos)
        self.pending += 1
        self.pending_orders += count
        return True

    cdef bint _place(self, const char* p, Py_ssize_t id_s, Py_ssize_t id_e, Py_ssize_t args_s,
                     Py_ssize_t args_e, Py_ssize_t coid_s, Py_ssize_t coid_e) except -1:
        if (id_e - id_s) > 700:
            return False
        plan_obj = self._plan(p, args_s, args_e, coid_s, coid_e)
        if plan_obj is False:
            return False  # rejected, resting kind or stop order: the Python path decides
        cdef Plan plan = <Plan>plan_obj
        if not self._fills(plan):
            return False  # rests, or is rejected: the Python path decides
        cdef AccountState acct = self.acct
        if acct.by_client_oid:
            if PyUnicode_DecodeASCII(p + coid_s, coid_e - coid_s, NULL) in acct.by_client_oid:
                return False  # 300018 from the Python path
        cdef int64_t t_in = _now_ns()
        cdef int weight = self._rate_weight(acct, t_in, _OP_ORDER_S)
        if weight < 0:
            return False  # 429000 from the Python path
        units = self.marks[plan.symbol]
        status = acct.fill(plan.fill, units)
        if type(status) is not str:
            return False  # refused (margin, position mode): the Python path answers
        if weight:
            acct.rl_used += weight
        self.ids.last += 1
        cdef uint64_t oid = self.ids.last
        acct.record(str(oid), PyUnicode_DecodeASCII(p + coid_s, coid_e - coid_s, NULL),
                    plan.symbol, status, plan, t_in // 1000000, units)
        cdef char* b = self.buf
        cdef Py_ssize_t pos = 4  # room for the longest header we use (4 bytes)
        pos = _put(b, pos, _REPLY_A, _LA)
        pos = _put(b, pos, p + id_s, id_e - id_s)
        pos = _put(b, pos, _REPLY_B, _LB)
        pos = _put_u64(b, pos, oid)
        pos = _put(b, pos, _REPLY_C, _LC)
        pos = _put(b, pos, p + coid_s, coid_e - coid_s)
        b[pos] = b'"'
        b[pos + 1] = b'}'
        pos = self._put_times(b, pos + 2, t_in)
        self._queue_frame(b, pos)
        self.pending += 1
        self.pending_orders += 1
        return True

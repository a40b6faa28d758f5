# cython: language_level=3, autotestdict=False, auto_pickle=False
# distutils: language=c++
"""The simdjson reply scanner of the compiled connection (oracle: :mod:`._parse_py`).

:meth:`ReplyScan.scan_frame` parses a frame's payload in place and keeps pointers to
its fields; only what the connection asks for becomes Python objects
(:meth:`take_data`, :meth:`take_rate_limit`, :meth:`id_text`). The pointers are valid
inside the frame callback only. Details: docs/internals.md.
"""
from cpython.unicode cimport PyUnicode_DecodeUTF8
from cython.operator cimport dereference, preincrement
from libc.stdlib cimport free, realloc
from libc.string cimport memcmp, memcpy

from kucoin_fast._core import parse_py as _parse_py
from kucoin_fast._protocol import codes as _codes
from kucoin_fast._protocol import ops as _ops
from kucoin_fast._protocol.results import RateLimit

cdef int K_MALFORMED = _parse_py.K_MALFORMED
cdef int K_REPLY = _parse_py.K_REPLY
cdef int K_PONG = _parse_py.K_PONG
cdef int K_NOTICE = _parse_py.K_NOTICE
cdef int K_CHALLENGE = _parse_py.K_CHALLENGE
cdef int K_WELCOME = _parse_py.K_WELCOME
cdef int K_ERROR = _parse_py.K_ERROR
cdef Py_ssize_t _MAX_ID_DIGITS = _parse_py.MAX_ID_DIGITS
# simdjson counts the root as depth 1 too: it refuses what the oracle's rule refuses.
cdef size_t _MAX_DEPTH = _parse_py.MAX_DEPTH
cdef long long _NO_TIME = _parse_py.NO_TIME

cdef str _SUCCESS = _codes.SUCCESS_CODE
cdef bytes _SUCCESS_B = _SUCCESS.encode()
cdef tuple _OPS = tuple(_ops.REPLY_OPS)
cdef tuple _OPS_B = tuple(op.encode() for op in _OPS)
#: Keys of reply data objects, decoded once instead of per reply.
cdef tuple _KEYS = ("orderId", "clientOid", "symbol", "code", "msg", "cancelledOrderIds")
cdef tuple _KEYS_B = tuple(k.encode() for k in _KEYS)
cdef str _WHY_OBJECT = "not a JSON object"
cdef str _WHY_ID = "reply without a string id"
cdef object _Oracle = _parse_py.ReplyScan


cdef object _interned(const char* ptr, Py_ssize_t size, tuple table_b, tuple table):
    cdef Py_ssize_t i
    cdef bytes candidate
    for i in range(len(table_b)):
        candidate = <bytes>table_b[i]
        if len(candidate) == size and memcmp(<const char*>candidate, ptr, size) == 0:
            return table[i]
    return PyUnicode_DecodeUTF8(ptr, size, NULL)


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
            d[_interned(it.key_c_str(), it.key_length(), _KEYS_B, _KEYS)] = _to_py(it.value())
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


cdef long long _time_raw(simd_element el) noexcept:
    cdef element_type t = el.type()
    cdef long long v
    if t == element_type.INT64:
        v = el.get_int64()
        return v  # INT64_MIN is NO_TIME itself, as in the oracle
    if t == element_type.UINT64 and el.get_uint64() < (<unsigned long long>1 << 63):
        return <long long>el.get_uint64()
    return _NO_TIME


cdef long long _parse_request_id(const char* ptr, Py_ssize_t size) noexcept:
    """Same rule as ``_parse_py.parse_request_id``: decimal, no leading zero, <= 18 digits."""
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


cdef class ReplyScan:
    """One per connection: scans frames in place with one reused simdjson parser."""

    def __cinit__(self):
        self._parser = new simd_parser()
        if self._parser.allocate(4096, _MAX_DEPTH) != 0:
            raise MemoryError()
        self._scratch = NULL
        self._scratch_size = 0
        self._oracle = _Oracle()
        self._fallback = False
        self.kind = K_MALFORMED
        self.why = ""
        self.request_id = -1

    def __dealloc__(self):
        del self._parser
        free(self._scratch)

    cdef int _parse(self, const char* data, Py_ssize_t size, Py_ssize_t tail) except -1:
        """Parse ``size`` bytes at ``data`` (``tail`` readable bytes after them): 1 when
        simdjson accepts the document and its root is an object (then iterate it), else
        0 (``kind`` set, or left for the oracle when simdjson refused the document)."""
        cdef simd_element root
        cdef char* grown
        self._has_data = False
        self._has_rl = False
        self._fallback = False
        self._id_kind = 0
        self.request_id = -1
        self.msg = None
        self.in_time_raw = _NO_TIME
        self.out_time_raw = _NO_TIME
        self.code = None
        self.code_ok = False
        self.op = None
        if tail < <Py_ssize_t>SIMDJSON_PADDING:
            # simdjson reads up to SIMDJSON_PADDING bytes past the end; picows guarantees
            # only tail_size (0 for the last frame of a read). Copy into our own padded
            # buffer (reused: no allocation per frame) rather than let simdjson allocate.
            if self._scratch_size < size + <Py_ssize_t>SIMDJSON_PADDING:
                grown = <char*>realloc(self._scratch, size + SIMDJSON_PADDING + 256)
                if grown == NULL:
                    raise MemoryError()
                self._scratch = grown
                self._scratch_size = size + SIMDJSON_PADDING + 256
            memcpy(self._scratch, data, size)
            data = self._scratch
        try:
            root = self._parser.parse(data, <size_t>size, False)
        except Exception:  # simdjson refuses it: the oracle has the verdict
            self._fallback = True
            return 0
        if root.type() != element_type.OBJECT:
            self.kind = K_MALFORMED
            self.why = _WHY_OBJECT
            return 0
        self._root = root
        return 1

    cdef int _take_oracle(self) except -1:
        """Copy the oracle's verdict on the last scan (``_fallback``: its ``data``, rate
        limit and id are read from it too)."""
        oracle = self._oracle
        self._fallback = True
        self.kind = oracle.kind
        self.why = oracle.why
        self.request_id = oracle.request_id
        self.op = oracle.op
        self.code = oracle.code
        self.code_ok = oracle.code_ok
        self.msg = oracle.msg
        self.in_time_raw = oracle.in_time_raw
        self.out_time_raw = oracle.out_time_raw
        self.session_id = oracle.session_id
        self.ping_interval = oracle.ping_interval
        self.ping_timeout = oracle.ping_timeout
        return self.kind

    cdef int _walk_reply(self) except -1:
        """One pass over the reply object's members: pointers to ``id``/``op``/``code``
        (``_id_kind``: 0 missing, 1 string, 2 another type), ``data`` and the rate
        limit kept as elements, ``msg`` and the times copied."""
        cdef simd_object obj = self._root.get_object()
        cdef simd_object.iterator it = obj.begin()
        cdef simd_object.iterator end = obj.end()
        cdef simd_element value
        cdef const char* key
        cdef uint32_t key_len
        cdef element_type t
        self._rl_user = False
        while it != end:
            key = it.key_c_str()
            key_len = it.key_length()
            value = it.value()
            t = value.type()
            if _key_is(key, key_len, b"id", 2):
                self._id_kind = 2
                if t == element_type.STRING:
                    self._id_kind = 1
                    self._id_ptr = value.get_c_str()
                    self._id_len = value.get_string_length()
            elif _key_is(key, key_len, b"op", 2):
                self._op_ptr = NULL  # a duplicate key: the last one counts
                if t == element_type.STRING:
                    self._op_ptr = value.get_c_str()
                    self._op_len = value.get_string_length()
            elif _key_is(key, key_len, b"code", 4):
                self._code_ptr = NULL
                if t == element_type.STRING:
                    self._code_ptr = value.get_c_str()
                    self._code_len = value.get_string_length()
            elif _key_is(key, key_len, b"msg", 3):
                self.msg = _to_py(value)
            elif _key_is(key, key_len, b"data", 4):
                self._data_el = value
                self._has_data = True
            elif _key_is(key, key_len, b"inTime", 6):
                self.in_time_raw = _time_raw(value)
            elif _key_is(key, key_len, b"outTime", 7):
                self.out_time_raw = _time_raw(value)
            elif _key_is(key, key_len, b"userRateLimit", 13):
                self._rl_el = value
                self._has_rl = True
                self._rl_user = True
            elif _key_is(key, key_len, b"rateLimit", 9) and not self._rl_user:
                self._rl_el = value  # used when there is no userRateLimit
                self._has_rl = True
            preincrement(it)
        return 0

    cpdef int scan_frame(self, WSFrame frame) except -1:
        """Scan one reply frame of a ready connection (in place); returns ``kind``."""
        if not self._parse(frame.payload_ptr, frame.payload_size, frame.tail_size):
            if self._fallback:
                self._oracle.scan_bytes(frame.get_payload_as_bytes())
                return self._take_oracle()
            return K_MALFORMED
        return self._scan_reply()

    cpdef int scan_bytes(self, bytes payload) except -1:
        """Scan one reply message (a reassembled one); returns ``kind``."""
        if not self._parse(<const char*>payload, len(payload), 0):
            if self._fallback:
                self._oracle.scan_bytes(payload)
                return self._take_oracle()
            return K_MALFORMED
        return self._scan_reply()

    cdef int _scan_reply(self) except -1:
        self._op_ptr = NULL
        self._code_ptr = NULL
        self._walk_reply()
        if self._code_ptr != NULL:
            if self._code_len == 6 and memcmp(self._code_ptr, <const char*>_SUCCESS_B, 6) == 0:
                self.code = _SUCCESS
                self.code_ok = True
            else:
                self.code = PyUnicode_DecodeUTF8(self._code_ptr, self._code_len, NULL)
        if self._id_kind != 1:
            if self._id_kind == 0 and self._code_ptr != NULL:
                self.kind = K_NOTICE
                return K_NOTICE
            self.kind = K_MALFORMED
            self.why = _WHY_ID
            return K_MALFORMED
        if self._id_len > 5 and memcmp(self._id_ptr, b"ping-", 5) == 0:
            self.request_id = _parse_request_id(self._id_ptr + 5, self._id_len - 5)
            self.kind = K_PONG
            return K_PONG
        self.request_id = _parse_request_id(self._id_ptr, self._id_len)
        if self._op_ptr != NULL:
            self.op = _interned(self._op_ptr, self._op_len, _OPS_B, _OPS)
        self.kind = K_REPLY
        return K_REPLY

    cpdef int scan_handshake(self, bytes payload) except -1:
        """Scan a challenge/welcome message (by the oracle: twice per connection);
        returns ``kind``."""
        self._has_data = False
        self._has_rl = False
        self._id_kind = 0
        self._oracle.scan_handshake(payload)
        return self._take_oracle()

    cpdef object take_data(self):
        """The last reply's ``data`` as Python objects (None when absent)."""
        if self._fallback:
            return self._oracle.take_data()
        if not self._has_data:
            return None
        return _to_py(self._data_el)

    cpdef object take_rate_limit(self):
        """The last reply's ``userRateLimit`` (or ``rateLimit``), None when absent."""
        cdef simd_object obj
        cdef simd_object.iterator it, end
        cdef object limit = None, remaining = None, reset = None
        if self._fallback:
            return self._oracle.take_rate_limit()
        if not self._has_rl:
            return None
        if self._rl_el.type() != element_type.OBJECT:
            return None
        obj = self._rl_el.get_object()
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

    cpdef str id_text(self, Py_ssize_t limit=-1):
        """The last reply's id as text (its first ``limit`` characters when >= 0)."""
        cdef str text
        if self._fallback:
            return self._oracle.id_text(limit)
        if self._id_kind != 1:
            return ""
        text = PyUnicode_DecodeUTF8(self._id_ptr, self._id_len, NULL)
        return text if limit < 0 else text[:limit]

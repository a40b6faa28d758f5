# cython: language_level=3, autotestdict=False, auto_pickle=False
"""Request frames written straight into a reusable buffer, with fused validation.

``encode_request`` writes ``{"id":"<n>","op":"<op>","args":<args>}`` into a
:class:`FrameBuffer` (with ``FRAME_HEADROOM`` in front for the WebSocket header),
validating the hot ops on the way; :class:`Writer` frames, masks and writes. Oracle:
:mod:`kucoin_fast._core.encode_py` (byte-identical output). Validation, JSON output and
masking rules: docs/internals.md.
"""
from cpython.dict cimport PyDict_Next
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.bytes cimport PyBytes_AS_STRING
from libc.stdlib cimport free, realloc
from libc.string cimport memcmp, memcpy

import sys
from decimal import Decimal

from kucoin_fast._core.refs import client_oid_ref
from kucoin_fast._protocol import fields as _fields
from kucoin_fast._protocol import ops as _ops
from kucoin_fast._protocol.errors import InvalidParamsError
from kucoin_fast._protocol.validate import Violation

cdef extern from "Python.h":
    PyObject* PyDict_GetItemWithError(object, object) except? NULL
    bint PyUnicode_IS_ASCII(object)
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    Py_hash_t PyObject_Hash(object) noexcept
    unsigned int PyUnicode_READ(int kind, void* data, Py_ssize_t index)
    long long PyLong_AsLongLongAndOverflow(object, int*) except? -1


cdef enum:
    _MAX_DEPTH = 32
    _MAX_FIELDS = 32
    _MAX_NAME = 24
    _SLOTS = 64           # the name hash table: a power of two, at least twice _MAX_FIELDS
    _MAX_CHOICES = 8
    # field kinds, from _fields.FieldTable
    _K_STR = 0
    _K_ENUM = 1
    _K_BOOL = 2
    _K_INT = 3
    _K_DEC = 4

cdef Py_ssize_t _MULTI_ORDER_MAX = _ops.FUTURES_MULTI_ORDER.batch_max
cdef Py_ssize_t _CLIENT_OID_MAX = _fields.CLIENT_OID_MAX
# The numeric bounds of _fields: int fields below 10**18, dec fields at most 40 characters
# written out. A Decimal outside [1E-38, 1E+40) is always too long: the validators decide it, so
# format() never sees an exponent that would make it write without bound.
cdef Py_ssize_t _INT_MAX_DIGITS = _fields.INT_MAX_DIGITS
cdef long long _INT_LIMIT = 10**_fields.INT_MAX_DIGITS
cdef Py_ssize_t _DEC_MAX_CHARS = _fields.DEC_MAX_CHARS
cdef Py_ssize_t _FLOAT_MAX_DIGITS = _fields.FLOAT_MAX_DIGITS
cdef object _JSON_INT_LIMIT = _fields.JSON_INT_LIMIT
cdef object _DEC_TINY = Decimal(1).scaleb(2 - _fields.DEC_MAX_CHARS)
cdef object _DEC_HUGE = Decimal(1).scaleb(_fields.DEC_MAX_CHARS)

_kind_codes = {"str": _K_STR, "enum": _K_ENUM, "bool": _K_BOOL, "int": _K_INT, "dec": _K_DEC}


cdef class _Fields:
    """One field table of ``_fields`` (field name -> kind, enum choices) laid out for the
    fused encoder: an index per name found in a small hash table (see :meth:`index`);
    the enum choices compared by pointer identity, then ``memcmp``; the pre-encoded
    ``,"name":`` of each field."""

    cdef tuple _keep                 # the name and choice strs the pointers below point into
    cdef int n
    cdef PyObject* name_obj[_MAX_FIELDS]
    cdef const char* name_ptr[_MAX_FIELDS]
    cdef int kind[_MAX_FIELDS]
    cdef Py_hash_t slot_hash[_SLOTS]  # open addressing on the str hash of each name
    cdef int slot_index[_SLOTS]       # the field index in that slot, -1: empty
    cdef Py_ssize_t name_len[_MAX_FIELDS]
    cdef int n_choices[_MAX_FIELDS]
    cdef PyObject* choice_obj[_MAX_FIELDS][_MAX_CHOICES]
    cdef const char* choice_ptr[_MAX_FIELDS][_MAX_CHOICES]
    cdef Py_ssize_t choice_len[_MAX_FIELDS][_MAX_CHOICES]
    cdef const char* key_ptr[_MAX_FIELDS]      # ',"name":' of each field
    cdef Py_ssize_t key_len[_MAX_FIELDS]
    cdef const char* choice_json_ptr[_MAX_FIELDS][_MAX_CHOICES]   # '"choice"'
    cdef Py_ssize_t choice_json_len[_MAX_FIELDS][_MAX_CHOICES]
    cdef list key_json               # per field: bytes ',"name":'
    cdef dict index_of               # name -> index (for code outside the hot loop)
    # What the order walk watches in this table (-1: no such field): the clientOid, the
    # enums the cross-field rules need, the text fields with a length limit.
    cdef int oid_index, type_index, tif_index, stp_index, text_a, text_b
    cdef Py_ssize_t text_max
    cdef bint text_ascii

    def __init__(self, dict table):
        cdef int i, j, k
        names = [sys.intern(name) for name in table]
        if len(names) > _MAX_FIELDS:
            raise RuntimeError("a field table grew past 32 fields; widen the presence mask")
        keep = list(names)
        self.key_json = []
        self.index_of = {}
        for i, name in enumerate(names):
            kind, choices = table[name]
            if not name.isascii() or len(name) > _MAX_NAME or len(choices) > _MAX_CHOICES:
                raise RuntimeError(f"field {name!r} does not fit the encoder's tables")
            self.name_obj[i] = <PyObject*>name
            self.name_ptr[i] = <const char*>PyUnicode_DATA(name)
            self.kind[i] = _kind_codes[kind]
            key = b',"' + name.encode() + b'":'
            keep.append(key)
            self.key_json.append(key)
            self.key_ptr[i] = <const char*>key
            self.key_len[i] = len(key)
            self.index_of[name] = i
            self.n_choices[i] = len(choices)
            for j, choice in enumerate(choices):
                choice = sys.intern(choice)
                keep.append(choice)
                self.choice_obj[i][j] = <PyObject*>choice
                self.choice_ptr[i][j] = <const char*>PyUnicode_DATA(choice)
                self.choice_len[i][j] = len(choice)
                quoted = b'"' + choice.encode() + b'"'
                keep.append(quoted)
                self.choice_json_ptr[i][j] = <const char*>quoted
                self.choice_json_len[i][j] = len(quoted)
        self.n = len(names)
        self._keep = tuple(keep)
        for k in range(_SLOTS):
            self.slot_index[k] = -1
        for i in range(self.n):
            self.name_len[i] = len(names[i])
            h = hash(names[i])
            k = h & (_SLOTS - 1)
            while self.slot_index[k] >= 0:
                k = (k + 1) & (_SLOTS - 1)
            self.slot_hash[k] = h
            self.slot_index[k] = i
        get = self.index_of.get
        self.oid_index, self.type_index = get("clientOid", -1), get("type", -1)
        self.tif_index, self.stp_index = get("timeInForce", -1), get("stp", -1)
        self.text_a, self.text_b = get("remark", -1), get("tags", -1)
        self.text_max, self.text_ascii = 1 << 30, False

    cdef watch_text(self, Py_ssize_t limit, bint ascii_only):
        """``remark``/``tags`` are at most ``limit`` characters (ASCII ones)."""
        self.text_max = limit
        self.text_ascii = ascii_only

    cdef inline int index(self, object key) noexcept:
        """The field index of the str ``key``, or -1 when it is not a field: one probe of
        the table by the key's own (cached) hash, then pointer identity (the dict keys
        of user code are usually the same interned strings) or ``memcmp``."""
        cdef Py_hash_t h
        cdef int k, i
        if not PyUnicode_IS_ASCII(key):
            return -1
        h = PyObject_Hash(key)  # a dict key's str: its cached hash, never -1
        k = h & (_SLOTS - 1)
        while True:
            i = self.slot_index[k]
            if i < 0:
                return -1
            if self.slot_hash[k] == h and (
                    <PyObject*>key == self.name_obj[i]
                    or (PyUnicode_GET_LENGTH(key) == self.name_len[i]
                        and memcmp(PyUnicode_DATA(key), self.name_ptr[i], self.name_len[i]) == 0)):
                return i
            k = (k + 1) & (_SLOTS - 1)

    cdef inline int choice_index(self, int i, object value) noexcept:
        """Which of field ``i``'s enum choices the str ``value`` is (-1: none)."""
        cdef int j
        cdef Py_ssize_t n
        for j in range(self.n_choices[i]):
            if <PyObject*>value == self.choice_obj[i][j]:
                return j
        if not PyUnicode_IS_ASCII(value):
            return -1
        n = PyUnicode_GET_LENGTH(value)
        for j in range(self.n_choices[i]):
            if n == self.choice_len[i][j] and memcmp(PyUnicode_DATA(value),
                                                     self.choice_ptr[i][j], n) == 0:
                return j
        return -1


cdef _Fields _FUTURES = _Fields(_fields.ORDER_FIELDS)
_FUTURES.watch_text(_fields.REMARK_MAX, False)
cdef dict _FIELD_INDEX = _FUTURES.index_of
cdef int* _FIELD_KIND = _FUTURES.kind
#: Per field index the pre-encoded ``,"name":`` (written without the comma when first).
cdef list _FIELD_KEY_JSON = _FUTURES.key_json

cdef int _I_CLIENT_OID = _FIELD_INDEX["clientOid"]
cdef int _I_SIDE = _FIELD_INDEX["side"]
cdef int _I_SYMBOL = _FIELD_INDEX["symbol"]
cdef int _I_PRICE = _FIELD_INDEX["price"]
cdef int _I_SIZE = _FIELD_INDEX["size"]
cdef int _I_QTY = _FIELD_INDEX["qty"]
cdef int _I_VALUE_QTY = _FIELD_INDEX["valueQty"]
cdef int _I_POST_ONLY = _FIELD_INDEX["postOnly"]
cdef int _I_HIDDEN = _FIELD_INDEX["hidden"]
cdef int _I_ICEBERG = _FIELD_INDEX["iceberg"]
cdef int _I_VISIBLE_SIZE = _FIELD_INDEX["visibleSize"]
cdef int _I_CLOSE_ORDER = _FIELD_INDEX["closeOrder"]
cdef int _I_STOP = _FIELD_INDEX["stop"]
cdef int _I_STOP_PRICE_TYPE = _FIELD_INDEX["stopPriceType"]
cdef int _I_STOP_PRICE = _FIELD_INDEX["stopPrice"]

cdef unsigned int _SIZE_BITS = (1u << _I_SIZE) | (1u << _I_QTY) | (1u << _I_VALUE_QTY)
cdef int _C_FUTURES_MARKET = _fields.ORDER_TYPES.index("market")
cdef int _C_IOC = _fields.TIME_IN_FORCE.index("IOC")

cdef frozenset _CANCEL_KEYS = frozenset(("orderId", "clientOid", "symbol"))

# The spot and margin tables: margin's is spot's plus three flags appended, so the
# shared fields have the same index in both.
cdef _Fields _SPOT = _Fields(_fields.SPOT_ORDER_FIELDS)
cdef _Fields _MARGIN = _Fields(_fields.MARGIN_ORDER_FIELDS)
_SPOT.watch_text(_fields.SPOT_TEXT_MAX, True)
_MARGIN.watch_text(_fields.SPOT_TEXT_MAX, True)
if any(_MARGIN.index_of[name] != i for name, i in _SPOT.index_of.items()):
    raise RuntimeError("the margin field table must extend the spot one")
cdef dict _SPOT_INDEX = _SPOT.index_of
cdef int _S_CLIENT_OID = _SPOT_INDEX["clientOid"]
cdef int _S_SIDE = _SPOT_INDEX["side"]
cdef int _S_SYMBOL = _SPOT_INDEX["symbol"]
cdef int _S_TYPE = _SPOT_INDEX["type"]
cdef int _S_PRICE = _SPOT_INDEX["price"]
cdef int _S_SIZE = _SPOT_INDEX["size"]
cdef int _S_FUNDS = _SPOT_INDEX["funds"]
cdef int _S_CANCEL_AFTER = _SPOT_INDEX["cancelAfter"]
cdef int _S_POST_ONLY = _SPOT_INDEX["postOnly"]
cdef int _S_ICEBERG = _SPOT_INDEX["iceberg"]
cdef int _S_ALLOW_MAX = _SPOT_INDEX["allowMaxTimeWindow"]
cdef int _S_CLIENT_TS = _SPOT_INDEX["clientTimestamp"]
cdef unsigned int _S_SIZE_BITS = (1u << _S_SIZE) | (1u << _S_FUNDS)
cdef int _C_SPOT_GTC = _fields.SPOT_TIME_IN_FORCE.index("GTC")
cdef int _C_SPOT_GTT = _fields.SPOT_TIME_IN_FORCE.index("GTT")
cdef int _C_SPOT_IOC = _fields.SPOT_TIME_IN_FORCE.index("IOC")
cdef int _C_SPOT_FOK = _fields.SPOT_TIME_IN_FORCE.index("FOK")
cdef int _C_SPOT_DC = _fields.SPOT_STP_VALUES.index("DC")
cdef int _C_SPOT_MARKET = _fields.ORDER_TYPES.index("market")

# 1 where an ASCII byte needs a JSON escape.
cdef unsigned char _NEEDS_ESCAPE[128]
for _i in range(128):
    _NEEDS_ESCAPE[_i] = 1 if (_i < 0x20 or _i == 0x22 or _i == 0x5C) else 0
# 1 for [A-Za-z0-9_-] (clientOid charset).
cdef unsigned char _OID_CHAR[128]
for _i in range(128):
    _OID_CHAR[_i] = 1 if (chr(_i).isascii() and (chr(_i).isalnum() or chr(_i) in "_-")) else 0

cdef const char* _HEX = b"0123456789abcdef"
cdef bytes _DIGIT_PAIRS_BYTES = "".join(f"{i:02d}" for i in range(100)).encode()
cdef const char* _DIGIT_PAIRS = _DIGIT_PAIRS_BYTES
cdef object _Decimal = Decimal
cdef object _decimal_text = _fields.decimal_text
cdef object _plain_length = _fields.plain_length
cdef object _client_oid_ref = client_oid_ref


cdef extern from "kf_wire.h":
    bint KUCOIN_FAST_DEBUG
    void kf_copy(char* d, const char* s, Py_ssize_t n) noexcept nogil
    long long kf_small_int(object v) noexcept


class _NotJSONError(Exception):
    """A value the encoder cannot represent in JSON (internal; becomes InvalidParamsError)."""


cdef class FrameBuffer:
    """A growable byte buffer with ``FRAME_HEADROOM`` bytes reserved in front of the
    payload (one per connection, reused for every frame)."""

    def __cinit__(self, Py_ssize_t initial_capacity=512):
        if initial_capacity < FRAME_HEADROOM + 64:
            initial_capacity = FRAME_HEADROOM + 64
        self.mem = <char*>realloc(NULL, initial_capacity)
        if self.mem == NULL:
            raise MemoryError()
        self.capacity = initial_capacity
        self.pos = FRAME_HEADROOM

    def __init__(self, Py_ssize_t initial_capacity=512):
        pass  # allocation happens in __cinit__; __init__ only documents the signature

    def __dealloc__(self):
        free(self.mem)
        self.mem = NULL

    cdef int reserve(self, Py_ssize_t extra) except -1:
        cdef Py_ssize_t need = self.pos + extra
        cdef Py_ssize_t cap
        cdef char* grown
        if need <= self.capacity:
            return 0
        cap = self.capacity * 2
        while cap < need:
            cap *= 2
        grown = <char*>realloc(self.mem, cap)
        if grown == NULL:
            raise MemoryError()
        self.mem = grown
        self.capacity = cap
        return 0

    cdef int put(self, const char* data, Py_ssize_t size) except -1:
        if self.pos + size > self.capacity:
            self.reserve(size)
        memcpy(self.mem + self.pos, data, size)
        self.pos += size
        return 0

    def getvalue(self) -> bytes:
        """The current payload (a copy; for tests and debugging - not the hot path)."""
        return self.mem[FRAME_HEADROOM:self.pos]

    cpdef Py_ssize_t request(self, long long request_id, str op, object args) except -1:
        """:func:`encode_request` into this buffer."""
        return encode_request(self, request_id, op, args)

    cpdef Py_ssize_t prepared(self, long long request_id, OrderTemplate template,
                              object price, object size, object client_oid) except -1:
        """:func:`encode_prepared_order` into this buffer."""
        return encode_prepared_order(self, request_id, template, price, size, client_oid)

    cpdef Py_ssize_t ping(self, long long ping_number) except -1:
        """:func:`encode_ping` into this buffer."""
        return encode_ping(self, ping_number)

    cpdef Py_ssize_t text(self, bytes payload) except -1:
        """Put ``payload`` (e.g. the session signature) in as the whole frame."""
        self.pos = FRAME_HEADROOM
        self.ref = None
        self.put(PyBytes_AS_STRING(payload), len(payload))
        return self.pos - FRAME_HEADROOM

    @property
    def headroom(self) -> int:
        """Bytes reserved in front of the payload for the WebSocket header."""
        return FRAME_HEADROOM


#: True in a build made with KUCOIN_FAST_DEBUG=1 (``make debug``): frames are checked.
DEBUG = bool(KUCOIN_FAST_DEBUG)


cdef int check_frame(FrameBuffer buf) except -1:
    """Debug builds: the frame lies inside the allocation, and a request frame (one that
    opens a JSON object; the login signature is plain text) closes it."""
    if buf.mem == NULL or buf.pos <= FRAME_HEADROOM or buf.pos > buf.capacity:
        raise AssertionError(f"frame buffer out of bounds: pos {buf.pos}, "
                             f"capacity {buf.capacity}")
    if buf.mem[FRAME_HEADROOM] == b"{"[0] and buf.mem[buf.pos - 1] != b"}"[0]:
        raise AssertionError(f"request frame not closed: {buf.getvalue()[-64:]!r}")
    return 0


# ------------------------------------------------------------------ JSON writers
cdef inline int _put(FrameBuffer buf, const char* data, Py_ssize_t size) except -1:
    if buf.pos + size > buf.capacity:
        buf.reserve(size)
    kf_copy(buf.mem + buf.pos, data, size)
    buf.pos += size
    return 0


cdef inline int _write_plain_ascii(FrameBuffer buf, object s) except -1:
    """A JSON string literal of an ASCII str that needs no escapes (checked by the caller)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(s)
    if buf.pos + n + 2 > buf.capacity:
        buf.reserve(n + 2)
    buf.mem[buf.pos] = 0x22
    kf_copy(buf.mem + buf.pos + 1, <const char*>PyUnicode_DATA(s), n)
    buf.mem[buf.pos + n + 1] = 0x22
    buf.pos += n + 2
    return 0


cdef inline int _put_char(FrameBuffer buf, char c) except -1:
    if buf.pos + 1 > buf.capacity:
        buf.reserve(1)
    buf.mem[buf.pos] = c
    buf.pos += 1
    return 0


cdef int _write_u_escape(char* out, unsigned int ch) noexcept:
    out[0] = 92  # backslash
    out[1] = 117  # 'u'
    out[2] = _HEX[(ch >> 12) & 15]
    out[3] = _HEX[(ch >> 8) & 15]
    out[4] = _HEX[(ch >> 4) & 15]
    out[5] = _HEX[ch & 15]
    return 6


cdef inline int _escape_ascii(char* out, unsigned char c) noexcept:
    out[0] = 92
    if c == 0x22:
        out[1] = 0x22
    elif c == 0x5C:
        out[1] = 0x5C
    elif c == 0x08:
        out[1] = 98   # b
    elif c == 0x0C:
        out[1] = 102  # f
    elif c == 0x0A:
        out[1] = 110  # n
    elif c == 0x0D:
        out[1] = 114  # r
    elif c == 0x09:
        out[1] = 116  # t
    else:
        return _write_u_escape(out, c)
    return 2


cdef int _write_str(FrameBuffer buf, object s) except -1:
    """A JSON string literal (quotes included) for the str ``s``."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(s)
    cdef Py_ssize_t i
    cdef char* out
    cdef const unsigned char* src
    cdef unsigned char c
    cdef int kind
    cdef void* data
    cdef unsigned int ch
    buf.reserve(n * 6 + 2)
    out = buf.mem + buf.pos
    out[0] = 0x22
    out += 1
    if PyUnicode_IS_ASCII(s):
        src = <const unsigned char*>PyUnicode_DATA(s)
        for i in range(n):
            c = src[i]
            if _NEEDS_ESCAPE[c]:
                out += _escape_ascii(out, c)
            else:
                out[0] = <char>c
                out += 1
    else:
        kind = PyUnicode_KIND(s)
        data = PyUnicode_DATA(s)
        for i in range(n):
            ch = PyUnicode_READ(kind, data, i)
            if ch < 0x80:
                if _NEEDS_ESCAPE[ch]:
                    out += _escape_ascii(out, <unsigned char>ch)
                else:
                    out[0] = <char>ch
                    out += 1
            elif ch < 0x800:
                out[0] = <char>(0xC0 | (ch >> 6))
                out[1] = <char>(0x80 | (ch & 0x3F))
                out += 2
            elif 0xD800 <= ch <= 0xDFFF:
                # A lone surrogate has no UTF-8 form; JSON allows the escape.
                out += _write_u_escape(out, ch)
            elif ch < 0x10000:
                out[0] = <char>(0xE0 | (ch >> 12))
                out[1] = <char>(0x80 | ((ch >> 6) & 0x3F))
                out[2] = <char>(0x80 | (ch & 0x3F))
                out += 3
            else:
                out[0] = <char>(0xF0 | (ch >> 18))
                out[1] = <char>(0x80 | ((ch >> 12) & 0x3F))
                out[2] = <char>(0x80 | ((ch >> 6) & 0x3F))
                out[3] = <char>(0x80 | (ch & 0x3F))
                out += 4
    out[0] = 0x22
    out += 1
    buf.pos = out - buf.mem
    return 0


cdef int _write_long(FrameBuffer buf, long long value) except -1:
    """Decimal digits of ``value``, two at a time from a table (small counts: see
    :func:`_write_count`)."""
    cdef char tmp[24]
    cdef char* p = tmp + 24
    cdef unsigned long long u
    cdef unsigned int r
    cdef bint negative = value < 0
    if negative:
        u = <unsigned long long>(-(value + 1)) + 1
    else:
        u = <unsigned long long>value
    while u >= 100:
        r = <unsigned int>(u % 100)
        u //= 100
        p -= 2
        p[0] = _DIGIT_PAIRS[2 * r]
        p[1] = _DIGIT_PAIRS[2 * r + 1]
    if u >= 10:
        p -= 2
        p[0] = _DIGIT_PAIRS[2 * u]
        p[1] = _DIGIT_PAIRS[2 * u + 1]
    else:
        p -= 1
        p[0] = <char>(48 + u)
    if negative:
        p -= 1
        p[0] = 45  # '-'
    return _put(buf, p, tmp + 24 - p)


cdef inline int _write_count(FrameBuffer buf, long long number) except -1:
    """A non-negative int: one or two digits inline (sizes, leverage), else _write_long."""
    if number >= 100:
        return _write_long(buf, number)
    if buf.pos + 2 > buf.capacity:
        buf.reserve(2)
    if number < 10:
        buf.mem[buf.pos] = <char>(48 + number)
        buf.pos += 1
    else:
        buf.mem[buf.pos] = _DIGIT_PAIRS[2 * number]
        buf.mem[buf.pos + 1] = _DIGIT_PAIRS[2 * number + 1]
        buf.pos += 2
    return 0


cdef int _write_ascii_text(FrameBuffer buf, str text) except -1:
    cdef bytes raw = text.encode("ascii")
    _put(buf, raw, len(raw))
    return 0


cdef int _write_int(FrameBuffer buf, object value) except -1:
    cdef int overflow = 0
    cdef long long v = PyLong_AsLongLongAndOverflow(value, &overflow)
    if overflow == 0:
        return _write_long(buf, v)
    if not -_JSON_INT_LIMIT < value < _JSON_INT_LIMIT:
        raise _NotJSONError(f"an int of more than {_DEC_MAX_CHARS} digits")
    return _write_ascii_text(buf, int.__repr__(value))


cdef int _write_float(FrameBuffer buf, object value) except -1:
    cdef double d = value
    if d != d or d == float("inf") or d == float("-inf"):
        raise _NotJSONError("non-finite float")
    return _write_ascii_text(buf, float.__repr__(value))


cdef int _write_decimal(FrameBuffer buf, object value) except -1:
    if not value.is_finite():
        raise _NotJSONError("non-finite Decimal")
    if _plain_length(value) > _DEC_MAX_CHARS:
        raise _NotJSONError(f"a Decimal of more than {_DEC_MAX_CHARS} characters")
    return _write_str(buf, _decimal_text(value))


cdef int _write_value(FrameBuffer buf, object value, int depth) except -1:
    cdef object t = type(value)
    cdef Py_ssize_t i, n
    cdef PyObject* k
    cdef PyObject* v
    cdef Py_ssize_t pos = 0
    cdef bint first = True
    if t is str:
        return _write_str(buf, value)
    if t is bool:
        if value:
            return _put(buf, b"true", 4)
        return _put(buf, b"false", 5)
    if t is int:
        return _write_int(buf, value)
    if t is float:
        return _write_float(buf, value)
    if value is None:
        return _put(buf, b"null", 4)
    if t is _Decimal or isinstance(value, _Decimal):
        return _write_decimal(buf, value)
    if depth >= _MAX_DEPTH:
        raise _NotJSONError("nested too deeply")
    if isinstance(value, dict):
        _put_char(buf, 123)
        while PyDict_Next(value, &pos, &k, &v):
            if not isinstance(<object>k, str):
                raise _NotJSONError("object keys must be strings")
            if not first:
                _put_char(buf, 44)
            first = False
            _write_str(buf, <object>k)
            _put_char(buf, 58)
            _write_value(buf, <object>v, depth + 1)
        return _put_char(buf, 125)
    if isinstance(value, (list, tuple)):
        _put_char(buf, 91)
        n = len(value)
        for i in range(n):
            if i:
                _put_char(buf, 44)
            _write_value(buf, value[i], depth + 1)
        return _put_char(buf, 93)
    if isinstance(value, str):
        return _write_str(buf, value)
    if isinstance(value, int):
        return _write_int(buf, value)
    if isinstance(value, float):
        return _write_float(buf, value)
    raise _NotJSONError(f"{type(value).__name__} is not JSON-serialisable")


cdef int _write_generic_args(FrameBuffer buf, object args, str op) except -1:
    try:
        _write_value(buf, args, 0)
    except _NotJSONError as exc:
        raise InvalidParamsError(Violation(
            "400100", "args", "must contain only JSON values (" + str(exc) + ")"), op) from exc
    return 0


# ---------------------------------------------------------- fused validation
cdef bint _digits_positive(object s, bint allow_fraction, Py_ssize_t max_len) noexcept:
    """``[0-9]+`` (or ``[0-9]+(\\.[0-9]+)?``) of at most ``max_len`` characters, with at
    least one non-zero digit."""
    cdef Py_ssize_t n, i
    cdef const unsigned char* src
    cdef unsigned char c
    cdef bint nonzero = False
    cdef bint seen_dot = False
    cdef Py_ssize_t digits_in_part = 0
    if not PyUnicode_IS_ASCII(s):
        return False
    n = PyUnicode_GET_LENGTH(s)
    if n > max_len:
        return False
    src = <const unsigned char*>PyUnicode_DATA(s)
    for i in range(n):
        c = src[i]
        if 48 <= c <= 57:
            digits_in_part += 1
            if c != 48:
                nonzero = True
        elif c == 46 and allow_fraction and not seen_dot and digits_in_part > 0:
            seen_dot = True
            digits_in_part = 0
        else:
            return False
    return digits_in_part > 0 and nonzero


cdef int _write_number(FrameBuffer buf, int kind, object value) except -1:
    """Check and write the value of an ``int`` or ``dec`` field (``_validate._check_kind``'s
    bounds included); 0 when written (certainly valid), 1: "ask the validators" (nothing or a
    partial value written). Conservative: an int from 10**18 up is always asked."""
    cdef object t = type(value)
    cdef int overflow = 0
    cdef long long number
    if t is int:
        number = kf_small_int(value)  # sizes, leverage: one digit of CPython's int
        if number < 0:
            number = PyLong_AsLongLongAndOverflow(value, &overflow)
            if overflow != 0 or number >= _INT_LIMIT:
                return 1
        if number <= 0:
            return 1
        return _write_count(buf, number)
    if t is str:
        if not _digits_positive(value, kind == _K_DEC,
                                _DEC_MAX_CHARS if kind == _K_DEC else _INT_MAX_DIGITS):
            return 1
        return _write_plain_ascii(buf, value)  # digits and a point: nothing to escape
    if kind != _K_DEC:
        return 1
    if t is _Decimal:
        if not (value.is_finite() and _DEC_TINY <= value < _DEC_HUGE):
            return 1
        text = format(value, "f")  # _fields.decimal_text, without the call
        if PyUnicode_GET_LENGTH(text) > _DEC_MAX_CHARS:
            return 1
        return _write_plain_ascii(buf, text)
    if t is float:
        return _write_float_number(buf, value)
    return 1


cdef int _write_float_number(FrameBuffer buf, object value) except -1:
    """A float in a ``dec`` field (``_fields.float_text``): its repr when that has no
    exponent (so it is its own plain decimal), at most ``DEC_MAX_CHARS`` characters and
    ``FLOAT_MAX_DIGITS`` significant digits; 1 ("ask the validators") for anything else (an
    exponent, a sign, inf, nan, zero)."""
    cdef str text = float.__repr__(value)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef const unsigned char* src = <const unsigned char*>PyUnicode_DATA(text)
    cdef Py_ssize_t i, k = 0, first = -1, last = -1
    cdef unsigned char c
    if n > _DEC_MAX_CHARS:
        return 1
    for i in range(n):
        c = src[i]
        if c == 46:  # '.'
            continue
        if c < 48 or c > 57:
            return 1
        if c != 48:
            if first < 0:
                first = k
            last = k
        k += 1
    if first < 0 or last - first >= _FLOAT_MAX_DIGITS:
        return 1
    return _put(buf, <const char*>src, n)


cdef bint _client_oid_ok(object value) noexcept:
    cdef Py_ssize_t n, i
    cdef const unsigned char* src
    if type(value) is not str or not PyUnicode_IS_ASCII(value):
        return False
    n = PyUnicode_GET_LENGTH(value)
    if n < 1 or n > _CLIENT_OID_MAX:
        return False
    src = <const unsigned char*>PyUnicode_DATA(value)
    for i in range(n):
        if not _OID_CHAR[src[i]]:
            return False
    return True


cdef struct _OrderSeen:
    # What the walk over one order's fields saw, for the cross-field rules.
    unsigned int present      # a bit per field index
    unsigned int trues        # bool fields that are True
    PyObject* oid             # the clientOid value written (NULL: none)
    int type_choice           # the enum choice of type, timeInForce, stp (-1: absent)
    int tif_choice
    int stp_choice


cdef inline int _write_order_field(FrameBuffer buf, _Fields fields, int index, object value,
                                   _OrderSeen* seen) except -1:
    """Check and write one field's value; 0 when it is certainly valid, 1 ("ask the validators")."""
    cdef int kind = fields.kind[index]
    cdef object t = type(value)
    cdef int choice
    cdef long long number
    if kind == _K_ENUM:
        if t is not str:
            return 1
        choice = fields.choice_index(index, value)
        if choice < 0:
            return 1
        if index == fields.type_index:
            seen.type_choice = choice
        elif index == fields.tif_index:
            seen.tif_choice = choice
        elif index == fields.stp_index:
            seen.stp_choice = choice
        return _put(buf, fields.choice_json_ptr[index][choice],
                    fields.choice_json_len[index][choice])
    if kind == _K_STR:
        if t is not str or PyUnicode_GET_LENGTH(value) == 0:
            return 1
        if index == fields.oid_index:
            # The charset needs no JSON escape: checked, then copied as is.
            if not _client_oid_ok(value):
                return 1
            seen.oid = <PyObject*>value
            return _write_plain_ascii(buf, value)
        if (index == fields.text_a or index == fields.text_b) and (
                PyUnicode_GET_LENGTH(value) > fields.text_max
                or (fields.text_ascii and not PyUnicode_IS_ASCII(value))):
            return 1
        return _write_str(buf, value)
    if kind == _K_BOOL:
        if t is not bool:
            return 1
        if value is True:
            seen.trues |= 1u << index
            return _put(buf, b"true", 4)
        return _put(buf, b"false", 5)
    if t is int:  # an int or dec field: the usual size or leverage, written inline
        number = kf_small_int(value)
        if number > 0:
            return _write_count(buf, number)
    return _write_number(buf, kind, value)


cdef inline bint _walk_order(FrameBuffer buf, object order, _Fields fields,
                             _OrderSeen* seen) except -1:
    """Write the order object while checking each field against ``fields`` (the futures,
    spot or margin table); False means "ask the validators"."""
    cdef Py_ssize_t pos = 0
    cdef PyObject* k
    cdef PyObject* v
    cdef object key
    cdef int index
    cdef bint first = True
    if type(order) is not dict:
        return False
    seen.present = 0
    seen.trues = 0
    seen.oid = NULL
    seen.type_choice = seen.tif_choice = seen.stp_choice = -1
    _put_char(buf, 123)
    while PyDict_Next(order, &pos, &k, &v):
        key = <object>k
        if type(key) is not str:
            return False
        index = fields.index(key)
        if index < 0:
            return False
        seen.present |= 1u << index
        if first:
            _put(buf, fields.key_ptr[index] + 1, fields.key_len[index] - 1)
            first = False
        else:
            _put(buf, fields.key_ptr[index], fields.key_len[index])
        if _write_order_field(buf, fields, index, <object>v, seen):
            return False
    _put_char(buf, 125)
    return True


cdef inline bint _order_rules_ok(_OrderSeen* seen) noexcept:
    """The cross-field rules of ``_validate.validate_order`` on what the walk saw."""
    cdef unsigned int present = seen.present, trues = seen.trues
    cdef unsigned int sizes = present & _SIZE_BITS
    cdef bint close_order = (trues & (1u << _I_CLOSE_ORDER)) != 0
    if not (present & (1u << _I_CLIENT_OID)) or not (present & (1u << _I_SYMBOL)):
        return False
    if not close_order and not (present & (1u << _I_SIDE)):
        return False
    if sizes == 0:
        if not close_order:
            return False
    elif sizes & (sizes - 1):
        return False  # more than one of size/qty/valueQty
    if seen.type_choice != _C_FUTURES_MARKET and not (present & (1u << _I_PRICE)):
        return False
    if present & (1u << _I_STOP):
        if not (present & (1u << _I_STOP_PRICE)) or not (present & (1u << _I_STOP_PRICE_TYPE)):
            return False
    if trues & (1u << _I_POST_ONLY) and (
            trues & ((1u << _I_HIDDEN) | (1u << _I_ICEBERG)) or seen.tif_choice == _C_IOC):
        return False
    if trues & (1u << _I_ICEBERG) and not (present & (1u << _I_VISIBLE_SIZE)):
        return False
    return True


cdef bint _encode_order_fast(FrameBuffer buf, object order) except -1:
    """Write one order object if it is certainly valid; False means "ask the validators"."""
    cdef _OrderSeen seen
    if not _walk_order(buf, order, _FUTURES, &seen) or not _order_rules_ok(&seen):
        return False
    buf.ref = <object>seen.oid  # the rules require a clientOid
    return True


cdef inline bint _non_empty_str(object value) noexcept:
    return type(value) is str and PyUnicode_GET_LENGTH(value) > 0


cdef bint _encode_cancel_fast(FrameBuffer buf, object args, str op) except -1:
    cdef Py_ssize_t pos = 0
    cdef PyObject* k
    cdef PyObject* v
    cdef object symbol, coid
    if type(args) is not dict:
        return False
    while PyDict_Next(args, &pos, &k, &v):
        if type(<object>k) is not str or <object>k not in _CANCEL_KEYS:
            return False
    if "orderId" in args:
        if not _non_empty_str(args["orderId"]):
            return False
        symbol = args.get("symbol")
        if symbol is not None and not _non_empty_str(symbol):
            return False
    elif "clientOid" in args:
        if not _non_empty_str(args["clientOid"]) or not _non_empty_str(args.get("symbol")):
            return False
    else:
        return False
    # Other keys' values are not checked by the rules (e.g. clientOid next to orderId),
    # so they may still be non-JSON: the generic writer turns that into InvalidParamsError.
    _write_generic_args(buf, args, op)
    coid = args.get("clientOid")
    buf.ref = coid if type(coid) is str else None
    return True


cdef inline bint _spot_rules_ok(_OrderSeen* seen, bint margin) noexcept:
    """The cross-field rules of ``_validate.validate_spot_order`` on what the walk saw."""
    cdef unsigned int present = seen.present, trues = seen.trues
    cdef unsigned int sizes = present & _S_SIZE_BITS
    cdef int tif = seen.tif_choice
    if not (present & (1u << _S_SYMBOL)) or not (present & (1u << _S_SIDE)):
        return False
    if not (present & (1u << (_S_CLIENT_OID if margin else _S_TYPE))):
        return False  # margin needs a clientOid (its type defaults to limit), spot a type
    if seen.type_choice != _C_SPOT_MARKET:
        if not (present & (1u << _S_PRICE)) or sizes != (1u << _S_SIZE):
            return False
    elif sizes == 0 or sizes == _S_SIZE_BITS or (tif >= 0 and tif != _C_SPOT_GTC) \
            or seen.stp_choice == _C_SPOT_DC:
        return False
    if trues & (1u << _S_POST_ONLY) and (tif == _C_SPOT_IOC or tif == _C_SPOT_FOK):
        return False
    if ((present & (1u << _S_CANCEL_AFTER)) != 0) != (tif == _C_SPOT_GTT):
        return False
    if trues & (1u << _S_ICEBERG):
        return False  # visibleSize against size: the validators decide
    if present & (1u << _S_ALLOW_MAX) and not (present & (1u << _S_CLIENT_TS)):
        return False
    return True


cdef bint _encode_spot_order_fast(FrameBuffer buf, object order, _Fields fields,
                                  bint margin) except -1:
    """Write one spot (``margin``: margin) order object if it is certainly valid; False
    means "ask the validators" (as for futures, the fast check only ever accepts)."""
    cdef _OrderSeen seen
    if not _walk_order(buf, order, fields, &seen) or not _spot_rules_ok(&seen, margin):
        return False
    buf.ref = None if seen.oid == NULL else <object>seen.oid
    return True


cdef bint _encode_spot_cancel_fast(FrameBuffer buf, object args, str op) except -1:
    """``spot.cancel``/``spot.sync_cancel``/``margin.cancel`` args when certainly valid."""
    cdef Py_ssize_t pos = 0
    cdef PyObject* k
    cdef PyObject* v
    cdef object coid
    if type(args) is not dict:
        return False
    while PyDict_Next(args, &pos, &k, &v):
        if type(<object>k) is not str or <object>k not in _CANCEL_KEYS \
                or not _non_empty_str(<object>v):
            return False
    if "symbol" not in args or ("orderId" not in args and "clientOid" not in args):
        return False
    _write_generic_args(buf, args, op)
    coid = args.get("clientOid")
    buf.ref = coid if type(coid) is str else None
    return True


cdef bint _encode_multi_order_fast(FrameBuffer buf, object args) except -1:
    cdef Py_ssize_t n, i
    cdef list oids
    if type(args) is not list:
        return False
    n = PyList_GET_SIZE(args)
    if n < 1 or n > _MULTI_ORDER_MAX:
        return False
    oids = []
    _put_char(buf, 91)
    for i in range(n):
        if i:
            _put_char(buf, 44)
        if not _encode_order_fast(buf, <object>PyList_GET_ITEM(args, i)):
            return False
        oids.append(buf.ref)
    _put_char(buf, 93)
    buf.ref = tuple(oids)
    return True


cdef bytes _ID_OPEN = b'{"id":"'
cdef bytes _OP_OPEN = b'","op":'
cdef bytes _ARGS_OPEN = b',"args":'
cdef bytes _PING_OPEN = b'{"id":"ping-'
cdef bytes _PING_CLOSE = b'","op":"ping"}'
cdef bytes _PRICE_OPEN = b',"price":'


cdef inline int _put_bytes(FrameBuffer buf, bytes data) except -1:
    return _put(buf, data, len(data))


cdef enum:
    _MAX_OPS = 16

#: The ops of the op table; each one's code is its index here, and its pre-encoded
#: '","op":"<op>","args":' and its fused path (the row's fast_path) are found by it.
cdef tuple _OPS = tuple(_ops.OPS)
cdef tuple _OP_HEAD_BYTES = tuple(b'","op":"' + op.encode() + b'","args":' for op in _OPS)
cdef int _N_OPS = len(_OPS)
cdef PyObject* _op_obj[_MAX_OPS]
cdef const char* _op_ptr[_MAX_OPS]
cdef Py_ssize_t _op_len[_MAX_OPS]
cdef const char* _op_head_ptr[_MAX_OPS]
cdef Py_ssize_t _op_head_len[_MAX_OPS]
cdef int _op_path[_MAX_OPS]
if _N_OPS > _MAX_OPS or not all(op.isascii() for op in _OPS):
    raise RuntimeError("the op table does not fit the encoder")


cdef _fill_op_table():
    cdef int i
    cdef str op
    cdef bytes head
    for i in range(_N_OPS):
        op, head = _OPS[i], _OP_HEAD_BYTES[i]  # both kept alive by the module's tuples
        _op_obj[i] = <PyObject*>op
        _op_ptr[i] = <const char*>PyUnicode_DATA(op)
        _op_len[i] = len(op)
        _op_head_ptr[i] = <const char*>head
        _op_head_len[i] = len(head)
        _op_path[i] = _ops.OPS[op].fast_path


_fill_op_table()
# The fused paths a row can name (Op.fast_path).
cdef int _F_NONE = _ops.FAST_NONE
cdef int _F_ORDER = _ops.FAST_ORDER
cdef int _F_CANCEL = _ops.FAST_CANCEL
cdef int _F_ORDER_BATCH = _ops.FAST_ORDER_BATCH
cdef int _F_SPOT_ORDER = _ops.FAST_SPOT_ORDER
cdef int _F_MARGIN_ORDER = _ops.FAST_MARGIN_ORDER
cdef int _F_SPOT_CANCEL = _ops.FAST_SPOT_CANCEL
#: The field table of each fused order path (a prepared order's template is walked with it).
cdef dict _ORDER_FIELDS_OF = {_F_ORDER: _FUTURES, _F_SPOT_ORDER: _SPOT, _F_MARGIN_ORDER: _MARGIN}


cdef inline int _op_code(str op) noexcept:
    """The index of ``op`` in ``_OPS`` (-1: another op): the client passes the
    op table's names themselves, found by identity; an equal str by ``memcmp``."""
    cdef int i
    cdef Py_ssize_t n
    for i in range(_N_OPS):
        if <PyObject*>op == _op_obj[i]:
            return i
    if not PyUnicode_IS_ASCII(op):
        return -1
    n = PyUnicode_GET_LENGTH(op)
    for i in range(_N_OPS):
        if n == _op_len[i] and memcmp(PyUnicode_DATA(op), _op_ptr[i], n) == 0:
            return i
    return -1


cpdef Py_ssize_t encode_request(FrameBuffer buf, long long request_id, str op,
                                object args) except -1:
    """Validate ``args`` for ``op`` and write the request frame; returns the payload size.

    Raises :class:`~kucoin_fast.errors.InvalidParamsError` with the validators' exact
    verdict when the params are invalid (nothing is written to the socket).
    """
    cdef bint ok
    cdef Py_ssize_t args_start
    cdef int code = _op_code(op)
    cdef int path = _op_path[code] if code >= 0 else _F_NONE
    buf.pos = FRAME_HEADROOM
    _put_bytes(buf, _ID_OPEN)
    _write_long(buf, request_id)
    if code >= 0:
        _put(buf, _op_head_ptr[code], _op_head_len[code])
    else:
        _put_bytes(buf, _OP_OPEN)
        _write_str(buf, op)
        _put_bytes(buf, _ARGS_OPEN)
    args_start = buf.pos
    if path == _F_ORDER:
        ok = _encode_order_fast(buf, args)
    elif path == _F_CANCEL:
        ok = _encode_cancel_fast(buf, args, op)
    elif path == _F_ORDER_BATCH:
        ok = _encode_multi_order_fast(buf, args)
    elif path == _F_SPOT_ORDER:
        ok = _encode_spot_order_fast(buf, args, _SPOT, False)
    elif path == _F_MARGIN_ORDER:
        ok = _encode_spot_order_fast(buf, args, _MARGIN, True)
    elif path == _F_SPOT_CANCEL:
        ok = _encode_spot_cancel_fast(buf, args, op)
    else:
        ok = False
    if not ok:
        violation = _ops.validate_request(op, args, strict_keys=True)
        if violation is not None:
            raise InvalidParamsError(violation, op)
        buf.pos = args_start
        _write_generic_args(buf, args, op)
        buf.ref = _client_oid_ref(op, args)
    _put_char(buf, 125)
    return buf.pos - FRAME_HEADROOM


cpdef Py_ssize_t encode_ping(FrameBuffer buf, long long ping_number) except -1:
    """Write the keepalive ``{"id":"ping-<n>","op":"ping"}`` (protocol §4.1)."""
    buf.pos = FRAME_HEADROOM
    buf.ref = None
    _put_bytes(buf, _PING_OPEN)
    _write_long(buf, ping_number)
    _put_bytes(buf, _PING_CLOSE)
    return buf.pos - FRAME_HEADROOM


def validate_request(str op, object args):
    """The client's verdict for ``op``/``args``: None or the validators' Violation
    (fast fused check first; the validators decide whenever the fast check is unsure)."""
    cdef FrameBuffer scratch = FrameBuffer()
    try:
        encode_request(scratch, 1, op, args)
    except InvalidParamsError as exc:
        return exc.violation
    return None


# ------------------------------------------------------------ prepared orders
#: The ops a template can be made of, from the op table.
cdef tuple _PREPARED_OPS = tuple(name for name, row in _ops.OPS.items() if row.prepared)
cdef str _NOT_PREPARED = "a prepared order is a " + " or a ".join(_PREPARED_OPS)


cdef class OrderTemplate:
    """A validated order whose static fields are pre-encoded; per send only
    ``clientOid``, ``price`` and the size field change: ``size``/``qty``/``valueQty``
    for ``futures.order`` (the default ``op``), ``size``/``funds`` for ``spot.order``.

    The template is a complete valid order (its clientOid/price/size values are
    placeholders that are never sent).
    """

    def __init__(self, dict template not None, str op=None):
        cdef FrameBuffer scratch
        cdef _Fields fields
        row = _ops.OPS.get(_ops.OP_ORDER if op is None else op)
        if row is None or not row.prepared:
            raise ValueError(_NOT_PREPARED)
        op, fields = row.name, _ORDER_FIELDS_OF[row.fast_path]
        size_field = _ops.prepared_size_field(op, template)
        if type(size_field) is not str:
            raise InvalidParamsError(size_field, op)
        self.op = op
        self.size_field = size_field
        self._size_kind = fields.kind[<int>fields.index_of[self.size_field]]
        self.price_required = template.get("type", "limit") == "limit"
        # A spot iceberg's visibleSize is checked against the size: always ask the validators.
        self._exact = fields is not _FUTURES and template.get("iceberg") is True
        self._head = b'","op":"' + op.encode() + b'","args":{"clientOid":'
        self._size_key = b',"' + size_field.encode() + b'":'
        self._template = dict(template)
        scratch = FrameBuffer()
        for name, value in template.items():
            if name in ("clientOid", "price", self.size_field):
                continue
            scratch.put(b",", 1)
            _write_str(scratch, name)
            scratch.put(b":", 1)
            _write_generic_args(scratch, value, op)
        self._static_args = scratch.getvalue()

    def as_order(self, price, size, client_oid) -> dict:
        """The full order dict a send with these values stands for."""
        return _ops.order_from_template(self._template, self.size_field, price, size,
                                        client_oid)


cpdef Py_ssize_t encode_prepared_order(FrameBuffer buf, long long request_id,
                                       OrderTemplate template,
                                       object price, object size, object client_oid) except -1:
    """Write the template's order frame with the three per-order values, validated
    with the same verdicts as the validators; returns the payload size."""
    cdef str op = template.op
    cdef Py_ssize_t values_start
    cdef long long number
    cdef bint ok = not template._exact and _client_oid_ok(client_oid)
    buf.pos = FRAME_HEADROOM
    _put_bytes(buf, _ID_OPEN)
    _write_long(buf, request_id)
    _put_bytes(buf, template._head)
    values_start = buf.pos
    if ok:  # checked: the clientOid charset needs no escape
        _write_plain_ascii(buf, client_oid)
        if price is None:
            ok = not template.price_required
        else:
            _put_bytes(buf, _PRICE_OPEN)
            ok = _write_number(buf, _K_DEC, price) == 0
    if ok:
        _put_bytes(buf, template._size_key)
        number = kf_small_int(size) if type(size) is int else -1
        if number > 0:  # the usual size: a small int, written inline
            _write_count(buf, number)
        else:
            ok = _write_number(buf, template._size_kind, size) == 0
    if not ok:
        violation = _ops.validate_request(op, template.as_order(price, size, client_oid),
                                          strict_keys=True)
        if violation is not None:
            raise InvalidParamsError(violation, op)
        buf.pos = values_start
        _write_generic_args(buf, client_oid, op)
        if price is not None:
            _put_bytes(buf, _PRICE_OPEN)
            _write_generic_args(buf, price, op)
        _put_bytes(buf, template._size_key)
        _write_generic_args(buf, size, op)
    _put_bytes(buf, template._static_args)
    _put(buf, b"}}", 2)
    buf.ref = client_oid
    return buf.pos - FRAME_HEADROOM

# cython: language_level=3
# distutils: language=c++
"""The simdjson reply scanner: declarations (cimported by the compiled connection)."""
cimport cython
from libc.stdint cimport int64_t, uint64_t, uint32_t

from picows.picows cimport WSFrame


cdef extern from "simdjson.h" namespace "simdjson::dom::element_type":
    cdef enum element_type "simdjson::dom::element_type":
        OBJECT,
        ARRAY,
        STRING,
        INT64,
        UINT64,
        DOUBLE,
        BOOL,
        NULL_VALUE


cdef extern from "simdjson.h" namespace "simdjson":
    cdef size_t SIMDJSON_PADDING


cdef extern from "simdjson.h" namespace "simdjson::dom":
    cdef cppclass simd_element "simdjson::dom::element"

    cdef cppclass simd_array "simdjson::dom::array":
        cppclass iterator:
            iterator()
            iterator operator++()
            bint operator!=(iterator)
            simd_element operator*()
        simd_array.iterator begin()
        simd_array.iterator end()
        size_t size()

    cdef cppclass simd_object "simdjson::dom::object":
        cppclass iterator:
            iterator()
            iterator operator++()
            bint operator!=(iterator)
            uint32_t key_length()
            const char* key_c_str()
            simd_element value()
        simd_object.iterator begin()
        simd_object.iterator end()
        size_t size()

    # Accessors are only called after type() confirmed the type, so the
    # simdjson_result -> value conversions never throw.
    cdef cppclass simd_element "simdjson::dom::element":
        simd_element()
        element_type type()
        const char* get_c_str()
        size_t get_string_length()
        simd_array get_array()
        simd_object get_object()
        int64_t get_int64()
        uint64_t get_uint64()
        double get_double()
        bint get_bool()

    cdef cppclass simd_parser "simdjson::dom::parser":
        simd_parser() except +
        int allocate(size_t capacity, size_t max_depth)
        simd_element parse(const char*, size_t, bint) except +


@cython.final
cdef class ReplyScan:
    cdef simd_parser* _parser
    cdef char* _scratch               # padded copy of a frame picows gives no tail for
    cdef Py_ssize_t _scratch_size
    cdef simd_element _root
    cdef simd_element _data_el
    cdef simd_element _rl_el
    cdef bint _has_data
    cdef bint _has_rl
    cdef bint _rl_user                # the rate limit came from userRateLimit
    cdef bint _fallback               # simdjson refused the document: the oracle scanned it
    cdef object _oracle               # the oracle (a _parse_py.ReplyScan)
    cdef const char* _id_ptr
    cdef Py_ssize_t _id_len
    cdef int _id_kind
    cdef const char* _op_ptr
    cdef Py_ssize_t _op_len
    cdef const char* _code_ptr
    cdef Py_ssize_t _code_len
    cdef readonly int kind
    cdef readonly str why
    cdef readonly long long request_id
    cdef readonly object op
    cdef readonly object code
    cdef readonly bint code_ok
    cdef readonly object msg
    cdef readonly long long in_time_raw
    cdef readonly long long out_time_raw
    cdef readonly object session_id
    cdef readonly object ping_interval
    cdef readonly object ping_timeout

    cpdef int scan_frame(self, WSFrame frame) except -1
    cpdef int scan_bytes(self, bytes payload) except -1
    cpdef int scan_handshake(self, bytes payload) except -1
    cpdef object take_data(self)
    cpdef object take_rate_limit(self)
    cpdef str id_text(self, Py_ssize_t limit=*)
    cdef int _parse(self, const char* data, Py_ssize_t size, Py_ssize_t tail) except -1
    cdef int _take_oracle(self) except -1
    cdef int _scan_reply(self) except -1
    cdef int _walk_reply(self) except -1

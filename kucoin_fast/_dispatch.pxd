# cython: language_level=3
# distutils: language=c++
"""Per-connection state and the frame dispatcher: declarations."""
from libc.stdint cimport int64_t, uint64_t, uint32_t

from picows.picows cimport WSListener, WSTransport, WSFrame

from kucoin_fast._encode cimport FrameBuffer, OrderTemplate


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
        simd_element parse(const char*, size_t, bint) except +


cdef class WSAPIResponse:
    cdef readonly str id
    cdef readonly str op
    cdef readonly str code
    cdef readonly object msg
    cdef readonly object data
    cdef readonly object in_time
    cdef readonly object out_time
    cdef readonly object rate_limit
    cdef readonly str ws_key


cdef class _Pending:
    cdef object waiter
    cdef bint is_callback
    cdef str op
    cdef object args
    cdef double deadline
    cdef long long request_id


cdef class Connection(WSListener):
    cdef readonly WSTransport transport
    cdef object _loop
    cdef object _time                 # loop.time, bound once
    cdef object _create_future        # loop.create_future, bound once
    cdef FrameBuffer _buf
    cdef FrameBuffer _cork            # write-coalescing buffer (None: send at once)
    cdef bint _flush_scheduled
    cdef simd_parser* _parser
    cdef dict _pending
    cdef dict _forgotten_ids
    cdef long long _next_id
    cdef readonly long long last_request_id
    cdef double _request_timeout
    cdef bytes _secret
    cdef readonly str ws_key
    cdef int _state
    cdef object _deadline_handle
    cdef object _ping_handle
    cdef object _pong_deadline_handle
    cdef long long _ping_number
    cdef long long _awaited_pong
    cdef readonly object handshake_done
    cdef readonly object session_id
    cdef readonly double ping_interval
    cdef readonly double ping_timeout
    cdef double _ping_interval_override
    cdef double _ping_timeout_override
    cdef long long _url_timestamp_ms
    cdef object _on_lost
    cdef object _logger
    cdef bint _debug
    cdef object _lost_reason
    cdef readonly object server_notice
    cdef readonly long long replies
    cdef readonly long long late_replies
    cdef readonly long long unknown_replies
    cdef readonly long long duplicate_replies
    cdef readonly long long malformed_frames
    cdef readonly long long unsolicited_errors
    cdef readonly long long pongs
    cdef readonly tuple lost_client_oids   # clientOids of the requests pending at the end
    cdef readonly long long lost_requests  # how many requests were pending at the end
    cdef readonly bint write_paused        # picows: write buffer above its high-water mark
    cdef public object on_write_resumed    # callable(conn) when the buffer drained again
    cdef public object on_notice           # callable(conn, code, msg) for id-less error frames

    cdef int _send_payload(self, Py_ssize_t size) except -1
    cdef int _cork_frame(self, const char* payload, Py_ssize_t size) except -1
    cdef object _register(self, long long request_id, str op, object args, object waiter,
                          bint is_callback)
    cdef int _handle_reply(self, const char* data, Py_ssize_t size, Py_ssize_t tail) except -1
    cdef int _handle_handshake(self, const char* data, Py_ssize_t size, Py_ssize_t tail) except -1
    cdef int _complete(self, _Pending entry, object result, bint failed) except -1
    cdef int _drop_frame(self, str why) except -1
    cdef object _check_sendable(self, str op, object args)
    cdef _remember_forgotten(self, long long request_id)
    cdef _fail_all(self, str reason, bint by_client)
    cdef _cancel_timers(self)
    cdef _end(self, str reason, bint by_client, object handshake_exc)
    cdef _on_pong(self, const char* ptr, Py_ssize_t size)
    cdef int _on_unsolicited_error(self, const char* code_ptr, Py_ssize_t code_len,
                                   object msg) except -1
    cdef int _fail_handshake(self, object exc) except -1

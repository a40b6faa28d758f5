# cython: language_level=3
"""Request-frame encoder: declarations other compiled modules cimport."""
cimport cython

cdef enum:
    # The writer puts the WebSocket header (<= 14 bytes) in front of the payload in
    # place, so every frame starts this far into its buffer.
    FRAME_HEADROOM = 16


cdef class FrameBuffer:
    cdef char* mem                # allocation; the payload starts at mem + FRAME_HEADROOM
    cdef Py_ssize_t capacity
    cdef Py_ssize_t pos           # absolute write offset (end of the payload)
    cdef public object ref        # clientOid(s) of the last request encoded (str, tuple, None)

    cdef int reserve(self, Py_ssize_t extra) except -1
    cdef int put(self, const char* data, Py_ssize_t size) except -1
    cpdef Py_ssize_t request(self, long long request_id, str op, object args) except -1
    cpdef Py_ssize_t prepared(self, long long request_id, OrderTemplate template,
                              object price, object size, object client_oid) except -1
    cpdef Py_ssize_t ping(self, long long ping_number) except -1
    cpdef Py_ssize_t text(self, bytes payload) except -1


cdef class OrderTemplate:
    cdef readonly str op              # futures.order or spot.order
    cdef readonly str size_field
    cdef readonly bint price_required
    cdef bytes _head                  # '","op":"<op>","args":{"clientOid":'
    cdef bytes _size_key              # ',"<size field>":'
    cdef bint _exact                  # every send is checked by the validators (spot iceberg)
    cdef bytes _static_args           # ',"side":"buy",...' (each field led by a comma)
    cdef dict _template               # validated template, for exact verdicts on bad sends
    cdef int _size_kind


cdef int check_frame(FrameBuffer buf) except -1


cpdef Py_ssize_t encode_request(FrameBuffer buf, long long request_id, str op,
                                object args) except -1
cpdef Py_ssize_t encode_prepared_order(FrameBuffer buf, long long request_id,
                                       OrderTemplate template,
                                       object price, object size, object client_oid) except -1
cpdef Py_ssize_t encode_ping(FrameBuffer buf, long long ping_number) except -1

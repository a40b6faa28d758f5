# cython: language_level=3
"""The frame writer: declarations other compiled modules cimport."""
from libc.stdint cimport uint32_t

from picows.picows cimport WSTransport

from kucoin_fast._core.encode cimport FrameBuffer


cdef class Writer:
    cdef object _loop
    cdef WSTransport _ws
    cdef object _write                # underlying_transport.write
    cdef object _buffered             # underlying_transport.get_write_buffer_size
    cdef int _fd                      # plain TCP: the socket, written directly when idle
    cdef readonly int mode
    cdef FrameBuffer _cork
    cdef bint _tick_scheduled
    cdef bint _busy                   # auto: a frame already left since the last read
    cdef bint _dispatching            # between begin_frame and the read's last end_frame
    cdef bint _last                   # the frame being dispatched is the read's last
    cdef readonly long long queued    # frames handed to send(), numbered from 1
    cdef readonly long long written   # frames handed to the socket (<= queued)
    cdef readonly long long writes    # socket writes made (syscalls or transport writes)
    cdef bytes _keys                  # mask keys from os.urandom, used 4 bytes at a time
    cdef Py_ssize_t _key_pos

    cpdef int send(self, FrameBuffer buf) except -1
    cpdef int flush(self) except -1
    cpdef Py_ssize_t discard(self) except -1
    cpdef void begin_frame(self, bint last) except *
    cpdef void end_frame(self) except *
    cdef uint32_t _next_key(self) except? 0
    cdef bint _write_now(self, const char* ptr, Py_ssize_t size) except -1

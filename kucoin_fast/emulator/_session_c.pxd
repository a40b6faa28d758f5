# cython: language_level=3
# C types of _session.py compiled as kucoin_fast.emulator._session_c: every member of
# Session, typed where the fast path (_fastpath.pyx) reads it.
from picows.picows cimport WSFrame, WSListener, WSTransport


cdef class Session(WSListener):
    cdef public object venue
    cdef public object faults
    cdef public object cfg
    cdef public object account
    cdef public object account_state
    cdef public object auth_error
    cdef public bint enable_ns
    cdef public int state
    cdef public object transport
    cdef public list out
    cdef public object write
    cdef public str session_id
    cdef public bytes expected_sig
    cdef public double last_rx
    cdef public Py_ssize_t n_requests
    cdef public Py_ssize_t n_errors
    cdef public double conn_window_start
    cdef public Py_ssize_t conn_window_count
    cdef public object fragments
    cdef list _timers
    cdef object _faulty

    cpdef on_ws_connected(self, WSTransport transport)
    cpdef on_ws_frame(self, WSTransport transport, WSFrame frame)
    cpdef on_ws_disconnected(self, WSTransport transport)
    cpdef count_fast(self, Py_ssize_t requests, Py_ssize_t orders)
    cpdef flush(self)
